import type { Cursor } from '../types.js';

interface Sample {
  at: number;
  cursor: Cursor;
}

/**
 * Smooths others' cursors for drawing at frame rate. Updates arrive at most ~15 times a second;
 * drawing them as they come looks jumpy. Each frame asks for positions at `now − delay` and gets
 * points linearly interpolated between the two samples around that moment, so motion is smooth at
 * the cost of one update interval of latency. Text selections are not interpolated.
 *
 * @example
 * const cursors = new CursorInterpolator();
 * room.on('cursor', (slot, cursor) => cursors.push(slot, cursor));
 * requestAnimationFrame(function frame(t) { draw(cursors.positions(performance.now())); requestAnimationFrame(frame); });
 */
export class CursorInterpolator {
  private readonly samples = new Map<number, Sample[]>();

  constructor(
    /** Render delay, ms; about one update interval. Default 1000/15. */
    private readonly delayMs = 1000 / 15,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Records a new position for `slot` (undefined: its cursor is gone). */
  push(slot: number, cursor: Cursor | undefined, at = this.clock()): void {
    if (!cursor) {
      this.samples.delete(slot);
      return;
    }
    const list = this.samples.get(slot) ?? [];
    list.push({ at, cursor });
    if (list.length > 3) list.shift();
    this.samples.set(slot, list);
  }

  /** Interpolated positions of every cursor at `now` (same clock as `push`). */
  positions(now = this.clock()): Map<number, Cursor> {
    const out = new Map<number, Cursor>();
    const t = now - this.delayMs;
    for (const [slot, list] of this.samples) out.set(slot, sampleAt(list, t));
    return out;
  }

  forget(slot: number): void {
    this.samples.delete(slot);
  }
}

function sampleAt(list: Sample[], t: number): Cursor {
  const last = list[list.length - 1]!;
  if (t >= last.at || list.length === 1) return last.cursor;
  for (let i = list.length - 1; i > 0; i--) {
    const a = list[i - 1]!;
    const b = list[i]!;
    if (t >= a.at) return lerp(a.cursor, b.cursor, (t - a.at) / Math.max(1, b.at - a.at));
  }
  return list[0]!.cursor;
}

function lerp(a: Cursor, b: Cursor, f: number): Cursor {
  const mix = (p: number, q: number) => p + (q - p) * f;
  if (a.kind === '2d' && b.kind === '2d') return { kind: '2d', x: mix(a.x, b.x), y: mix(a.y, b.y) };
  if (a.kind === '3d' && b.kind === '3d')
    return { kind: '3d', x: mix(a.x, b.x), y: mix(a.y, b.y), z: mix(a.z, b.z) };
  return b;
}
