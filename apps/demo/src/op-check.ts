import {
  BRUSH_MODES,
  type CanvasMeta,
  type CanvasProps,
  FILTERS,
  type Layer,
  type Stroke,
} from './canvas-model.js';

// Ops come from other people's pages: whatever cannot be drawn is ignored rather than allowed to
// break everyone's canvas.

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

/** Whether a layer (added, or after a change) can be drawn. */
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

/** Whether the canvas settings (after a change) can be rendered. */
export function isCanvasProps(v: CanvasProps): boolean {
  return (
    text(v.background, 40) &&
    (FILTERS as readonly unknown[]).includes(v.filter) &&
    (BRUSH_MODES as readonly unknown[]).includes(v.brushMode) &&
    [v.intensity, v.brightness, v.contrast, v.saturation, v.temperature, v.brushSize].every(finite)
  );
}

/** Whether published companion room ids are plain ids. */
export function isCanvasMeta(v: CanvasMeta): boolean {
  return [v.notesRoomId, v.lessonRoomId].every((id) => id === undefined || text(id, 200));
}
