import { describe, expect, it } from 'vitest';
import { CursorInterpolator } from '../src/index.js';

describe('cursor interpolation', () => {
  it('draws positions between samples, one interval behind, for smooth frame-rate rendering', () => {
    const c = new CursorInterpolator(100, () => 0);
    c.push(1, { kind: '2d', x: 0, y: 0 }, 1000);
    c.push(1, { kind: '2d', x: 100, y: 50 }, 1100);
    expect(c.positions(1150).get(1)).toEqual({ kind: '2d', x: 50, y: 25 });
    expect(c.positions(1125).get(1)).toEqual({ kind: '2d', x: 25, y: 12.5 });
    expect(c.positions(1300).get(1)).toEqual({ kind: '2d', x: 100, y: 50 });
  });

  it('interpolates 3D points, passes selections through, and forgets cleared cursors', () => {
    const c = new CursorInterpolator(0, () => 0);
    c.push(1, { kind: '3d', x: 0, y: 0, z: 0 }, 0);
    c.push(1, { kind: '3d', x: 10, y: 20, z: 30 }, 10);
    c.push(2, { kind: 'selection', element: 'p1', anchor: 1, head: 4 }, 0);
    expect(c.positions(5).get(1)).toEqual({ kind: '3d', x: 5, y: 10, z: 15 });
    expect(c.positions(5).get(2)).toEqual({ kind: 'selection', element: 'p1', anchor: 1, head: 4 });
    c.push(2, undefined);
    expect(c.positions(5).has(2)).toBe(false);
  });
});
