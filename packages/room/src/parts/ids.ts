const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Join codes avoid characters people confuse when reading aloud or copying: 0/O, 1/I/L. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

function pick(alphabet: string, length: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** An opaque lock id: the proof of authorship a release must present. */
export function makeLockId(random: () => number): string {
  return pick(ALPHABET, 16, random);
}

/** A short join code in an unambiguous alphabet. */
export function makeJoinCode(random: () => number, length = 6): string {
  return pick(CODE_ALPHABET, length, random);
}

/** UTF-8 byte length of a string without allocating. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
