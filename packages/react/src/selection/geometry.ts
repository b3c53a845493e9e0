/** A rectangle in CSS px: viewport coordinates while measuring, overlay coordinates once drawn. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A selection's ends as character offsets: `anchor` stays put, `head` moves with the caret. */
export interface TextRange {
  anchor: number;
  head: number;
}

/** `offset` as a whole number within `[0, length]`: a peer's text may be longer than ours. */
export function clampOffset(offset: number, length: number): number {
  if (!Number.isFinite(offset)) return offset > 0 ? length : 0;
  return Math.min(Math.max(0, Math.floor(offset)), length);
}

/** A range clamped to `length`, with its ends in text order and its head kept. */
export function orderRange(range: TextRange, length: number): { start: number; end: number; head: number } {
  const anchor = clampOffset(range.anchor, length);
  const head = clampOffset(range.head, length);
  return { start: Math.min(anchor, head), end: Math.max(anchor, head), head };
}

/**
 * The caret before character `head` of `text`, given each character's box (`charBox(i)`,
 * undefined for one that is not drawn or past the end). A caret sticks to the character it follows, so one typed at
 * the end of a line stays there; after whitespace (a line break, or the space where a line wrapped)
 * it goes to the start of the next character, as the browser's own caret does.
 */
export function caretAt(
  head: number,
  text: string,
  charBox: (index: number) => Box | undefined,
): Box | undefined {
  const before = head > 0 ? text[head - 1] : undefined;
  const after = () => {
    const box = charBox(head);
    return box && { left: box.left, top: box.top, width: 0, height: box.height };
  };
  const behind = () => {
    const box = before === undefined ? undefined : charBox(head - 1);
    return box && { left: box.left + box.width, top: box.top, width: 0, height: box.height };
  };
  return before === undefined || /\s/.test(before) ? (after() ?? behind()) : (behind() ?? after());
}

/** The part of `box` inside `clip`, or undefined when none is. A zero-width box (a caret) inside counts. */
export function clipBox(box: Box, clip: Box): Box | undefined {
  const left = Math.max(box.left, clip.left);
  const top = Math.max(box.top, clip.top);
  const right = Math.min(box.left + box.width, clip.left + clip.width);
  const bottom = Math.min(box.top + box.height, clip.top + clip.height);
  if (right < left || bottom <= top) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** `box` moved by `(dx, dy)`, rounded to tenths of a pixel so equal layouts compare equal. */
export function moveBox(box: Box, dx: number, dy: number): Box {
  const r = (n: number) => Math.round(n * 10) / 10;
  return { left: r(box.left + dx), top: r(box.top + dy), width: r(box.width), height: r(box.height) };
}

/** Same boxes in the same order. */
export function sameBoxes(a: readonly Box[], b: readonly Box[]): boolean {
  return a.length === b.length && a.every((box, i) => sameBox(box, b[i]));
}

/** Same position and size (both undefined counts as same). */
export function sameBox(a: Box | undefined, b: Box | undefined): boolean {
  if (!a || !b) return a === b;
  return a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;
}
