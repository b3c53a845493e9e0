const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON to UTF-8 bytes, the convention for documents, presence, chat and operations. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** UTF-8 JSON bytes to a value; undefined for empty or invalid bytes (a peer's bad payload must not throw). */
export function decodeJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}
