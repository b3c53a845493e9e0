/** Longest display name, in code points. */
export const MAX_NAME_LENGTH = 64;

/**
 * C0/C1 control characters, plus the bidi embedding/override/isolate marks that let a name render
 * reversed or spill over neighbouring text ("Trojan Source"-style spoofing in rosters and chat).
 * Zero-width joiners stay: emoji sequences need them.
 */
const UNSAFE_CHARS = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** NFC-normalises, strips control and bidi-override characters, and trims. */
export function cleanName(raw: string): string {
  return raw.normalize('NFC').replace(UNSAFE_CHARS, '').trim();
}

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
