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
    expect(caretAt(2, text, layout(text))).toEqual({ left: 20, top: 0, width: 0, height: 20 });
    expect(caretAt(5, text, layout(text))).toEqual({ left: 20, top: 20, width: 0, height: 20 });
  });

  it('starts the next line after a line break, and sits before the first character', () => {
    const text = 'ab\ncd';
    expect(caretAt(3, text, layout(text))).toEqual({ left: 0, top: 20, width: 0, height: 20 });
    expect(caretAt(0, text, layout(text))).toEqual({ left: 0, top: 0, width: 0, height: 20 });
  });

  it('goes to the next character after a space, where a wrapped line continues', () => {
    // "ab " wrapped: the space hangs at the end of the first line, "cd" starts the second.
    const boxes: Box[] = [
      { left: 0, top: 0, width: 10, height: 20 },
      { left: 10, top: 0, width: 10, height: 20 },
      { left: 20, top: 0, width: 10, height: 20 },
      { left: 0, top: 20, width: 10, height: 20 },
      { left: 10, top: 20, width: 10, height: 20 },
    ];
    expect(caretAt(3, 'ab cd', (i) => boxes[i])).toEqual({ left: 0, top: 20, width: 0, height: 20 });
  });

  it('falls back to the other side when a character is not drawn, and has no place in no text', () => {
    const text = 'ab';
    const draws = layout(text);
    expect(caretAt(1, text, (i) => (i === 0 ? undefined : draws(i)))).toEqual({
      left: 10,
      top: 0,
      width: 0,
      height: 20,
    });
    expect(caretAt(0, '', () => undefined)).toBeUndefined();
  });
});

describe('boxes', () => {
  const field: Box = { left: 100, top: 50, width: 200, height: 40 };

  it('cuts a box to what the field shows, and drops one outside it', () => {
    expect(clipBox({ left: 90, top: 60, width: 50, height: 20 }, field)).toEqual({
      left: 100,
      top: 60,
      width: 40,
      height: 20,
    });
    expect(clipBox({ left: 120, top: 95, width: 50, height: 20 }, field)).toBeUndefined();
    expect(clipBox({ left: 320, top: 60, width: 10, height: 20 }, field)).toBeUndefined();
  });

  it('keeps a caret (no width) inside the field, up to its right edge', () => {
    expect(clipBox({ left: 300, top: 60, width: 0, height: 20 }, field)).toEqual({
      left: 300,
      top: 60,
      width: 0,
      height: 20,
    });
    expect(clipBox({ left: 301, top: 60, width: 0, height: 20 }, field)).toBeUndefined();
  });

  it('moves into the overlay’s coordinates, rounded so equal layouts compare equal', () => {
    const moved = moveBox({ left: 110.04, top: 70.01, width: 8.333, height: 20 }, -100, -50);
    expect(moved).toEqual({ left: 10, top: 20, width: 8.3, height: 20 });
    expect(sameBoxes([moved], [{ left: 10, top: 20, width: 8.3, height: 20 }])).toBe(true);
    expect(sameBoxes([moved], [])).toBe(false);
  });
});
