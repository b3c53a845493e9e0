/**
 * Participant colours: distinct hues that stay readable as text and outlines on light and dark
 * backgrounds. A participant keeps its colour for the whole connection.
 */
export const PALETTE: readonly string[] = [
  '#e5484d',
  '#0090ff',
  '#30a46c',
  '#f76b15',
  '#8e4ec6',
  '#12a594',
  '#d6409f',
  '#ffc53d',
  '#3e63dd',
  '#7ce2fe',
  '#a18072',
  '#5bb98b',
];

/** The first palette colour nobody present uses, or the least used one when all are taken. */
export function pickColor(inUse: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const c of inUse) counts.set(c, (counts.get(c) ?? 0) + 1);
  let best = PALETTE[0]!;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const color of PALETTE) {
    const n = counts.get(color) ?? 0;
    if (n === 0) return color;
    if (n < bestCount) {
      best = color;
      bestCount = n;
    }
  }
  return best;
}
