import { describe, expect, it } from 'vitest';
import {
  type Box,
  caretAt,
  clampOffset,
  clipBox,
  moveBox,
  orderRange,
  sameBoxes,
} from '../src/selection/geometry.js';

const box = (left: number, top: number, width: number, height: number): Box => ({ left, top, width, height });

/** Monospace layout: 10 px a character, 20 px a line; a line break starts a new line. */
function layout(text: string): (i: number) => Box | undefined {
  const boxes: Box[] = [];
  let x = 0;
  let y = 0;
  for (const ch of text) {
    boxes.push({ left: x, top: y, width: ch === '\n' ? 0 : 10, height: 20 });
    if (ch === '\n') {
      x = 0;
      y += 20;
    } else x += 10;
  }
  return (i) => boxes[i];
}

describe('selection offsets', () => {
  it('clamps offsets to the text, whole and never negative', () => {
    expect(clampOffset(3, 10)).toBe(3);
    expect(clampOffset(14, 10)).toBe(10);
    expect(clampOffset(-2, 10)).toBe(0);
    expect(clampOffset(2.7, 10)).toBe(2);
    expect(clampOffset(Number.POSITIVE_INFINITY, 10)).toBe(10);
    expect(clampOffset(Number.NaN, 10)).toBe(0);
  });

  it('orders a backward range and keeps its head', () => {
    expect(orderRange({ anchor: 8, head: 2 }, 10)).toEqual({ start: 2, end: 8, head: 2 });
    expect(orderRange({ anchor: 2, head: 30 }, 10)).toEqual({ start: 2, end: 10, head: 10 });
  });
});

describe('the caret', () => {
  it('follows the character before it, so a caret typed at a line’s end stays on that line', () => {
    const text = 'ab\ncd';
    expect(caretAt(2, text, layout(text))).toEqual(box(20, 0, 0, 20));
    expect(caretAt(5, text, layout(text))).toEqual(box(20, 20, 0, 20));
  });

  it('starts the next line after a line break, and sits before the first character', () => {
    const text = 'ab\ncd';
    expect(caretAt(3, text, layout(text))).toEqual(box(0, 20, 0, 20));
    expect(caretAt(0, text, layout(text))).toEqual(box(0, 0, 0, 20));
  });

  it('goes to the next character after a space, where a wrapped line continues', () => {
    // "ab " wrapped: the space hangs at the end of the first line, "cd" starts the second.
    const boxes: Box[] = [
      box(0, 0, 10, 20),
      box(10, 0, 10, 20),
      box(20, 0, 10, 20),
      box(0, 20, 10, 20),
      box(10, 20, 10, 20),
    ];
    expect(caretAt(3, 'ab cd', (i) => boxes[i])).toEqual(box(0, 20, 0, 20));
  });

  it('falls back to the other side when a character is not drawn, and has no place in no text', () => {
    const text = 'ab';
    const draws = layout(text);
    expect(caretAt(1, text, (i) => (i === 0 ? undefined : draws(i)))).toEqual(box(10, 0, 0, 20));
    expect(caretAt(0, '', () => undefined)).toBeUndefined();
  });
});

describe('boxes', () => {
  const field: Box = box(100, 50, 200, 40);

  it('cuts a box to what the field shows, and drops one outside it', () => {
    expect(clipBox(box(90, 60, 50, 20), field)).toEqual(box(100, 60, 40, 20));
    expect(clipBox(box(120, 95, 50, 20), field)).toBeUndefined();
    expect(clipBox(box(320, 60, 10, 20), field)).toBeUndefined();
  });

  it('keeps a caret (no width) inside the field, up to its right edge', () => {
    expect(clipBox(box(300, 60, 0, 20), field)).toEqual(box(300, 60, 0, 20));
    expect(clipBox(box(301, 60, 0, 20), field)).toBeUndefined();
  });

  it('moves into the overlay’s coordinates, rounded so equal layouts compare equal', () => {
    const moved = moveBox(box(110.04, 70.01, 8.333, 20), -100, -50);
    expect(moved).toEqual(box(10, 20, 8.3, 20));
    expect(sameBoxes([moved], [box(10, 20, 8.3, 20)])).toBe(true);
    expect(sameBoxes([moved], [])).toBe(false);
  });
});
