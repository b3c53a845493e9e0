import type { CSSProperties } from 'react';

/** Joins class names, skipping empty ones. */
export function cx(...names: (string | undefined | false)[]): string {
  return names.filter(Boolean).join(' ');
}

/** Hidden on screen, read by screen readers (the package ships no stylesheet). */
export const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

/** Up to two initials of a display name: "Ada Lovelace" → "AL", "ada" → "A". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? '?';
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '';
  return `${first}${last}`.toUpperCase();
}
