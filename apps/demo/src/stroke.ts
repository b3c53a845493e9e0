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

/**
 * Ramer–Douglas–Peucker: drops points closer than `tolerance` px to the line they sit on. Works on
 * index ranges with an explicit stack: a long drag neither copies its points nor deepens the call
 * stack.
 */
export function simplify(points: readonly Point[], tolerance: number): Point[] {
  if (points.length <= 2) return [...points];
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const ranges: [number, number][] = [[0, points.length - 1]];
  for (let range = ranges.pop(); range; range = ranges.pop()) {
    const [from, to] = range;
    let far = 0;
    let index = -1;
    for (let i = from + 1; i < to; i++) {
      const d = distanceToSegment(points[i]!, points[from]!, points[to]!);
      if (d > far) {
        far = d;
        index = i;
      }
    }
    if (index < 0 || far <= tolerance) continue;
    keep[index] = 1;
    ranges.push([from, index], [index, to]);
  }
  return points.filter((_, i) => keep[i] === 1);
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
  // A very long scribble is thinned evenly first, so simplifying stays quick on pointer-up.
  const step = Math.ceil(drawn.length / (4 * MAX_STROKE_POINTS));
  const thinned = step > 1 ? drawn.filter((_, i) => i % step === 0 || i === drawn.length - 1) : drawn;
  let tolerance = 1;
  let points = simplify(thinned, tolerance);
  while (points.length > MAX_STROKE_POINTS) {
    tolerance *= 2;
    points = simplify(thinned, tolerance);
  }
  if (points.length < 2) return undefined;
  const pad = Math.ceil(brush.size / 2);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x = Math.min(...xs) - pad;
  const y = Math.min(...ys) - pad;
  const w = Math.max(...xs) + pad - x;
  const h = Math.max(...ys) + pad - y;
  const relative = points.flatMap(([px, py]) => [px - x, py - y]);
  return {
    id,
    kind: 'stroke',
    name,
    x,
    y,
    w,
    h,
    color: brush.color,
    text: '',
    opacity: 1,
    visible: true,
    stroke: { mode: brush.mode, size: brush.size, points: relative, w, h },
  };
}

/** The SVG path through a stroke's flat point list. */
export function strokePath(points: readonly number[]): string {
  let d = '';
  for (let i = 0; i + 1 < points.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${points[i]} ${points[i + 1]}`;
  return d;
}
