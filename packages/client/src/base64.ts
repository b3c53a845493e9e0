/** Bytes as base64 text, in browsers and Node alike. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In pieces: one call with a 512 KB document's bytes would pass too many arguments.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Base64 text back to its bytes. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
