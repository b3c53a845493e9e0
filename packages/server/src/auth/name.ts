import { cleanDisplayName } from '@tandem/room';
/** Longest display name, in code points. */
export const MAX_NAME_LENGTH = 64;

/** NFC-normalises, strips control and bidi-override characters, and trims (the room's own rule). */
export const cleanName = cleanDisplayName;

/** Number of code points (what a person counts), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cleans a name and cuts it to {@link MAX_NAME_LENGTH} code points (for names from claims). */
export function clampName(raw: string): string {
  const cleaned = cleanName(raw);
  if (codePointLength(cleaned) <= MAX_NAME_LENGTH) return cleaned;
  return Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('').trim();
}
