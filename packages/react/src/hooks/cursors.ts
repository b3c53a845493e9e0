'use client';

import { type Cursor, CursorInterpolator } from '@tandem/client';
import { useEffect, useState } from 'react';
import { useRoom } from '../context.js';

/** Options of {@link useOthersCursors}. */
export interface OthersCursorsOptions {
  /**
   * Render delay in ms: positions are drawn this far in the past, interpolated between the two
   * updates around that moment. About one update interval. Default 1000/15.
   */
  delayMs?: number;
}

type FrameHandle = number | ReturnType<typeof setTimeout>;

function requestFrame(callback: () => void): FrameHandle {
  if (typeof requestAnimationFrame === 'function') return requestAnimationFrame(() => callback());
  return setTimeout(callback, 16);
}

function cancelFrame(handle: FrameHandle): void {
  if (typeof cancelAnimationFrame === 'function' && typeof handle === 'number') cancelAnimationFrame(handle);
  else clearTimeout(handle);
}

function sameCursor(a: Cursor, b: Cursor): boolean {
  switch (a.kind) {
    case '2d':
      return b.kind === '2d' && a.x === b.x && a.y === b.y;
    case '3d':
      return b.kind === '3d' && a.x === b.x && a.y === b.y && a.z === b.z;
    case 'selection':
      return b.kind === 'selection' && a.element === b.element && a.anchor === b.anchor && a.head === b.head;
  }
}

function sameCursors(a: ReadonlyMap<number, Cursor>, b: ReadonlyMap<number, Cursor>): boolean {
  if (a.size !== b.size) return false;
  for (const [slot, cursor] of a) {
    const other = b.get(slot);
    if (!other || !sameCursor(cursor, other)) return false;
  }
  return true;
}

/**
 * Others' cursors by slot, smoothed for drawing: updates arrive at most ~15 times a second, and
 * this hook interpolates between them on animation frames (a {@link CursorInterpolator} driven by
 * `requestAnimationFrame`). Frames run only while a cursor is still moving towards its latest
 * update, and stop on unmount. Hidden participants have no cursor.
 *
 * @example
 * const cursors = useOthersCursors();
 * const others = useOthers();
 * return others.map((p) => {
 *   const c = cursors.get(p.slot);
 *   return c?.kind === '2d' ? <Dot key={p.slot} x={c.x} y={c.y} color={p.color} /> : null;
 * });
 */
export function useOthersCursors(options: OthersCursorsOptions = {}): ReadonlyMap<number, Cursor> {
  const room = useRoom();
  const delayMs = options.delayMs ?? 1000 / 15;
  const [positions, setPositions] = useState<ReadonlyMap<number, Cursor>>(() => new Map(room.cursors));

  useEffect(() => {
    const interpolator = new CursorInterpolator(delayMs);
    for (const [slot, cursor] of room.cursors) interpolator.push(slot, cursor, Date.now() - delayMs);
    let frame: FrameHandle | undefined;
    let lastUpdateAt = Number.NEGATIVE_INFINITY;
    const show = () => {
      const next = interpolator.positions();
      setPositions((previous) => (sameCursors(previous, next) ? previous : next));
    };
    const tick = () => {
      frame = undefined;
      show();
      // Once the render time has passed the newest update, every cursor rests at its last position.
      if (Date.now() - delayMs <= lastUpdateAt) frame = requestFrame(tick);
    };
    show();
    const off = room.on('cursor', (slot, cursor) => {
      interpolator.push(slot, cursor);
      lastUpdateAt = Date.now();
      frame ??= requestFrame(tick);
    });
    return () => {
      off();
      if (frame !== undefined) cancelFrame(frame);
      frame = undefined;
    };
  }, [room, delayMs]);

  return positions;
}
