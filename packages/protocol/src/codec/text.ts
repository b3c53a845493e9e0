// The protocol package is isomorphic: it relies only on ECMAScript plus the two WHATWG text codecs
// that every browser and Node ≥ 11 provide. Declared here, module-scoped, so consumers' `lib`
// settings (DOM or not) never clash with ours.
declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean; ignoreBOM: boolean },
) => { decode(input: Uint8Array): string };

const encoder = new TextEncoder();
// `ignoreBOM: true` keeps a leading U+FEFF in the decoded string. Without it the decoder strips it, so
// a string starting with U+FEFF would not survive a round trip.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of `text`. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes strict UTF-8; throws on malformed input. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
