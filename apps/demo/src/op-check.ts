import {
  BRUSH_MODES,
  type CanvasMeta,
  type CanvasProps,
  FILTERS,
  type ImageRef,
  type Layer,
  SCENES,
  type Stroke,
} from './canvas-model.js';

// Ops come from other people's pages: whatever cannot be drawn is ignored rather than allowed to
// break everyone's canvas.

const KINDS: readonly string[] = ['rect', 'text', 'image', 'stroke'];
/** Every field a layer may have: a field beyond these (pixel data, say) is refused. */
const LAYER_KEYS = new Set<string>([
  'id',
  'kind',
  'name',
  'x',
  'y',
  'w',
  'h',
  'color',
  'text',
  'opacity',
  'visible',
  'stroke',
  'image',
] satisfies (keyof Layer)[]);
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

/** The largest side of an image a layer may name, in pixels (browsers decode up to about this). */
export const MAX_IMAGE_SIDE = 16_384;
const IMAGE_KEYS = ['by', 'hash', 'height', 'name', 'type', 'width'].join();
const HASH = /^[0-9a-f]{64}$/;
const MEDIA_TYPE = /^image\/[a-z0-9][a-z0-9.+-]{0,39}$/;
const side = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_IMAGE_SIDE;

/**
 * Whether an image reference is only what it should be: a content hash, a file name, a media type,
 * a natural size and who opened it. Anything more (pixels above all) is refused.
 */
export function isImageRef(v: unknown): v is ImageRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    Object.keys(r).sort().join() === IMAGE_KEYS &&
    typeof r.hash === 'string' &&
    HASH.test(r.hash) &&
    text(r.name, 200) &&
    r.name.length > 0 &&
    typeof r.type === 'string' &&
    MEDIA_TYPE.test(r.type) &&
    side(r.width) &&
    side(r.height) &&
    text(r.by, 80)
  );
}

/** Whether a layer (added, or after a change) can be drawn. */
export function isLayer(v: unknown): v is Layer {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  return (
    Object.keys(l).every((k) => LAYER_KEYS.has(k)) &&
    text(l.id, 80) &&
    KINDS.includes(l.kind as string) &&
    text(l.name, 80) &&
    text(l.text, 500) &&
    text(l.color, 40) &&
    [l.x, l.y, l.w, l.h, l.opacity].every(finite) &&
    typeof l.visible === 'boolean' &&
    (l.kind === 'stroke' ? isStroke(l.stroke) : l.stroke === undefined) &&
    (l.image === undefined || (l.kind === 'image' && isImageRef(l.image)))
  );
}

/** Whether the canvas settings (after a change) can be rendered. */
export function isCanvasProps(v: CanvasProps): boolean {
  return (
    text(v.background, 40) &&
    (v.scene === undefined || (SCENES as readonly unknown[]).includes(v.scene)) &&
    (FILTERS as readonly unknown[]).includes(v.filter) &&
    (BRUSH_MODES as readonly unknown[]).includes(v.brushMode) &&
    [v.intensity, v.brightness, v.contrast, v.saturation, v.temperature, v.brushSize].every(finite)
  );
}

/** Whether published companion room ids are plain ids. */
export function isCanvasMeta(v: CanvasMeta): boolean {
  return [v.notesRoomId, v.lessonRoomId].every((id) => id === undefined || text(id, 200));
}
