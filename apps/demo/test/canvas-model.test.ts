import { describe, expect, it } from 'vitest';
import { applyCanvasOp, type CanvasOp, INITIAL, newLayer } from '../src/canvas.js';
import { describeCanvasOp } from '../src/describe.js';
import { MAX_STROKE_POINTS, simplify, strokeLayer } from '../src/stroke.js';

const brush = { mode: 'paint' as const, size: 10, color: '#ef5b7a' };
/** A straight stroke from one point to another, as "Stroke 1". */
const line = (from: [number, number], to: [number, number]) =>
  strokeLayer('s1', 'Stroke 1', [from, to], brush);

describe('strokes', () => {
  it('drops the points of a straight run and keeps its ends and corners', () => {
    const run = Array.from({ length: 50 }, (_, i) => [i, 0] as [number, number]);
    expect(simplify(run, 1)).toEqual([
      [0, 0],
      [49, 0],
    ]);
    const corner: [number, number][] = [
      ...run,
      ...Array.from({ length: 50 }, (_, i) => [49, i + 1] as [number, number]),
    ];
    expect(simplify(corner, 1)).toEqual([
      [0, 0],
      [49, 0],
      [49, 50],
    ]);
  });

  it('boxes a stroke around its points, padded by half the brush, points relative to the box', () => {
    const layer = line([100, 100], [200, 150]);
    expect(layer).toMatchObject({ kind: 'stroke', x: 95, y: 95, w: 110, h: 60 });
    expect(layer?.stroke).toEqual({ mode: 'paint', size: 10, points: [5, 5, 105, 55], w: 110, h: 60 });
  });

  it('keeps a long wobbly drag under the point cap, and makes nothing of a click', () => {
    const wobble = Array.from({ length: 5000 }, (_, i) => [i / 5, (i % 2) * 40] as [number, number]);
    const points = strokeLayer('s2', 'Stroke 2', wobble, brush)?.stroke?.points ?? [];
    expect(points.length / 2).toBeLessThanOrEqual(MAX_STROKE_POINTS);
    expect(points.length / 2).toBeGreaterThan(1);
    expect(strokeLayer('s3', 'Stroke 3', [[10, 10]], brush)).toBeUndefined();
  });
});

describe('ops from other pages', () => {
  it('ignores an added layer that cannot be drawn', () => {
    const good = line([0, 0], [9, 9]);
    const bad: unknown[] = [
      null,
      { ...good, stroke: { ...good?.stroke, points: ['x', 1] } },
      { ...good, stroke: undefined },
      { ...good, kind: 'virus' },
      { ...good, x: Number.NaN },
      { ...newLayer('rect', 0), stroke: good?.stroke },
    ];
    for (const add of bad) expect(applyCanvasOp(INITIAL, { add } as CanvasOp)).toBe(INITIAL);
    expect(applyCanvasOp(INITIAL, { add: good! } as CanvasOp).order).toEqual(['s1']);
  });

  it('ignores a change that would leave a layer or the canvas undrawable', () => {
    const state = applyCanvasOp(INITIAL, { add: { ...newLayer('text', 0), id: 't1' } });
    const bad: unknown[] = [
      { layer: 't1', set: { text: { html: '<b>' } } },
      { layer: 't1', set: { opacity: 'half' } },
      { layer: 't1', set: { stroke: { points: 5 } } },
      { set: { filter: 'melt' } },
      { set: { brushSize: null } },
      { meta: { notesRoomId: 42 } },
    ];
    for (const op of bad) expect(applyCanvasOp(state, op as CanvasOp)).toBe(state);
    expect(applyCanvasOp(state, { layer: 't1', set: { text: 'Sale!' } }).layers.t1?.text).toBe('Sale!');
    expect(applyCanvasOp(state, { set: { filter: 'noir' } }).props.filter).toBe('noir');
  });
});

describe('activity in words', () => {
  const shape = { ...newLayer('rect', 0), id: 'r1', name: 'Circle' };
  const state = applyCanvasOp(INITIAL, { add: shape });

  it.each<[CanvasOp, string]>([
    [{ layer: 'r1', set: { opacity: 0.4 } }, "changed Circle's opacity"],
    [{ layer: 'r1', set: { x: 1, y: 2 } }, "changed Circle's position"],
    [{ layer: 'r1', set: { name: 'Disc', color: '#000' } }, "changed Circle's name and colour"],
    [{ layer: 'r1', set: { visible: false } }, 'hid Circle'],
    [{ remove: 'r1' }, 'deleted Circle'],
    [{ move: 'r1', to: 0 }, 'moved Circle in the stack'],
    [{ set: { brushMode: 'erase' } }, 'changed the brush mode'],
    [{ add: newLayer('text', 1) }, 'added a text'],
  ])('%j reads "%s"', (op, words) => {
    expect(describeCanvasOp(state, op)).toBe(words);
  });
});
