import type { BrushMode, Layer } from './canvas.js';

/** At most this many points travel per stroke: an op stays a few KB however long the drag. */
export const MAX_STROKE_POINTS = 400;

type Point = readonly [number, number];

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Ramer–Douglas–Peucker: drops points closer than `tolerance` px to the line they sit on. */
export function simplify(points: readonly Point[], tolerance: number): Point[] {
  if (points.length <= 2) return [...points];
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let far = 0;
  let index = 0;
  for (let i = 1; i < points.length - 1; i++) {
    const d = distanceToSegment(points[i]!, first, last);
    if (d > far) {
      far = d;
      index = i;
    }
  }
  if (far <= tolerance) return [first, last];
  return [
    ...simplify(points.slice(0, index + 1), tolerance).slice(0, -1),
    ...simplify(points.slice(index), tolerance),
  ];
}

/**
 * A stroke layer from the points of a drag (stage coordinates): simplified, boxed, and stored
 * relative to its box, so moving the layer moves the stroke. Undefined for a click without a drag.
 */
export function strokeLayer(
  id: string,
  name: string,
  drawn: readonly Point[],
  brush: { mode: BrushMode; size: number; color: string },
): Layer | undefined {
  let tolerance = 1;
  let points = simplify(drawn, tolerance);
  while (points.length > MAX_STROKE_POINTS) {
    tolerance *= 2;
    points = simplify(drawn, tolerance);
  }
  if (points.length < 2) return undefined;
  const pad = Math.ceil(brush.size / 2);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x = Math.min(...xs) - pad;
  const y = Math.min(...ys) - pad;
  return {
    id,
    kind: 'stroke',
    name,
    x,
    y,
    w: Math.max(...xs) + pad - x,
    h: Math.max(...ys) + pad - y,
    color: brush.color,
    text: '',
    opacity: 1,
    visible: true,
    stroke: { mode: brush.mode, size: brush.size, points: points.flatMap(([px, py]) => [px - x, py - y]) },
  };
}

/** The SVG path through a stroke's flat point list. */
export function strokePath(points: readonly number[]): string {
  let d = '';
  for (let i = 0; i + 1 < points.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${points[i]} ${points[i + 1]}`;
  return d;
}
