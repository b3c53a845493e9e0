/** The SHA-256 of some bytes as 64 lowercase hex digits: how an image is known on every device. */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  // Never a view of shared memory here: the bytes come from a file or an unzipped entry.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
