import { BRUSH_MODES, type Layer, type Stroke } from './canvas.js';

const KINDS: readonly string[] = ['rect', 'text', 'image', 'stroke'];
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

function isStroke(v: unknown): v is Stroke {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    (BRUSH_MODES as readonly unknown[]).includes(s.mode) &&
    finite(s.size) &&
    finite(s.w) &&
    finite(s.h) &&
    Array.isArray(s.points) &&
    s.points.length % 2 === 0 &&
    s.points.every(finite)
  );
}

/**
 * Whether an added layer from the wire can be drawn. Ops come from other people's pages: a
 * malformed one is ignored rather than allowed to break everyone's canvas.
 */
export function isLayer(v: unknown): v is Layer {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  return (
    text(l.id, 80) &&
    KINDS.includes(l.kind as string) &&
    text(l.name, 80) &&
    text(l.text, 500) &&
    text(l.color, 40) &&
    [l.x, l.y, l.w, l.h, l.opacity].every(finite) &&
    typeof l.visible === 'boolean' &&
    (l.kind === 'stroke' ? isStroke(l.stroke) : l.stroke === undefined)
  );
}
