import { cleanDisplayName, DEFAULT_LIMITS } from '@tandem/room';

/**
 * Longest display name, in code points: the rooms' own cap, so a name the server accepts (a guest's,
 * or one from a token's claims) is never cut again when a room shows it.
 */
export const MAX_NAME_LENGTH = DEFAULT_LIMITS.maxNameChars;

/** Number of code points (what a person counts), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cleans a name and cuts it to {@link MAX_NAME_LENGTH} code points (for names from claims). */
export function clampName(raw: string): string {
  const cleaned = cleanDisplayName(raw);
  if (codePointLength(cleaned) <= MAX_NAME_LENGTH) return cleaned;
  return Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('').trim();
}
