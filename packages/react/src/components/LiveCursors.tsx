'use client';

import type { Cursor } from '@tandem/client';
import type { CSSProperties, ReactNode } from 'react';
import { useOthers } from '../hooks/connection.js';
import { useOthersCursors } from '../hooks/cursors.js';
import { cx } from './util.js';

/** Props of {@link LiveCursors}. */
export interface LiveCursorsProps {
  /** Where to draw a cursor, in px from the overlay's top left; undefined: not drawn. Default: 2D and 3D cursors at (x, y); selections are not drawn. */
  toPoint?: (cursor: Cursor) => { x: number; y: number } | undefined;
  /** Interpolation delay, ms (see {@link useOthersCursors}). */
  delayMs?: number;
  className?: string;
  style?: CSSProperties;
}

function defaultPoint(cursor: Cursor): { x: number; y: number } | undefined {
  return cursor.kind === 'selection' ? undefined : { x: cursor.x, y: cursor.y };
}

/**
 * Others' cursors as an absolutely positioned overlay over the nearest positioned ancestor: an
 * arrow in each participant's colour with their name. Hidden participants are not shown. The
 * overlay ignores the pointer and is hidden from screen readers (the cursors are decoration; the
 * roster says who is here).
 *
 * Class names: `tandem-cursors` (overlay), `tandem-cursor` (one cursor, `data-slot`),
 * `tandem-cursor-arrow`, `tandem-cursor-label`.
 *
 * @example
 * <div style={{ position: 'relative' }} onPointerMove={(e) => room.updateCursor({ kind: '2d', x: e.nativeEvent.offsetX, y: e.nativeEvent.offsetY })}>
 *   <Canvas />
 *   <LiveCursors />
 * </div>
 */
export function LiveCursors({
  toPoint = defaultPoint,
  delayMs,
  className,
  style,
}: LiveCursorsProps): ReactNode {
  const others = useOthers();
  const cursors = useOthersCursors(delayMs === undefined ? {} : { delayMs });
  return (
    <div
      className={cx('tandem-cursors', className)}
      aria-hidden="true"
      style={{ position: 'absolute', inset: 0, overflow: 'hidden', pointerEvents: 'none', ...style }}
    >
      {others.map((p) => {
        if (p.hidden) return null;
        const cursor = cursors.get(p.slot);
        const point = cursor && toPoint(cursor);
        if (!point) return null;
        return (
          <div
            key={p.slot}
            className="tandem-cursor"
            data-slot={p.slot}
            style={{
              position: 'absolute',
              left: 0,
              top: 0,
              transform: `translate(${point.x}px, ${point.y}px)`,
            }}
          >
            <svg
              className="tandem-cursor-arrow"
              width="16"
              height="20"
              viewBox="0 0 16 20"
              aria-hidden="true"
            >
              <path
                d="M1 1 L1 16 L5 12 L8 19 L11 18 L8 11 L14 11 Z"
                fill={p.color}
                stroke="#fff"
                strokeWidth="1.5"
              />
            </svg>
            <span
              className="tandem-cursor-label"
              style={{
                position: 'absolute',
                left: 14,
                top: 16,
                padding: '1px 6px',
                borderRadius: 4,
                background: p.color,
                color: '#fff',
                fontSize: 12,
                whiteSpace: 'nowrap',
              }}
            >
              {p.name}
            </span>
          </div>
        );
      })}
    </div>
  );
}
