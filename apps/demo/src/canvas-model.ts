// The canvas's data: what a layer, the canvas properties and an operation are. Apart from the
// reducer (canvas.ts) so the checks of incoming ops (op-check.ts) can name them without a cycle.

/** A brush stroke: its mode and size, and the simplified points of the drag. */
export interface Stroke {
  mode: BrushMode;
  size: number;
  /** x0, y0, x1, y1 …, relative to the box the stroke was drawn in. */
  points: number[];
  /** The size of that box: a resized layer scales its stroke to fit. */
  w: number;
  h: number;
}

/**
 * The image an image layer shows, by the SHA-256 of the file's bytes. The pixels stay on the
 * device that opened the file; every other device draws its own copy of the same file, or a
 * placeholder naming it until it has one.
 */
export interface ImageRef {
  /** SHA-256 of the file's bytes, 64 lowercase hex digits. */
  hash: string;
  /** The file's name, as it was opened ("photo.jpg"). */
  name: string;
  /** Its media type ("image/png"). */
  type: string;
  /** Its natural size in pixels. */
  width: number;
  height: number;
  /** The display name of whoever opened it, so others know whom to ask for it. */
  by: string;
}

/**
 * One layer of the canvas. Pixel data never travels: an image layer names its file by hash, a
 * stroke is its point list.
 */
export interface Layer {
  id: string;
  kind: 'rect' | 'text' | 'image' | 'stroke';
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
  text: string;
  opacity: number;
  visible: boolean;
  /** Only on stroke layers. */
  stroke?: Stroke;
  /** Only on image layers (those made before images were real have none: a grey placeholder). */
  image?: ImageRef;
}

export const FILTERS = ['none', 'cinematic', 'vintage', 'noir', 'vivid'] as const;
export type FilterPreset = (typeof FILTERS)[number];
export const BRUSH_MODES = ['paint', 'erase', 'mask'] as const;
export type BrushMode = (typeof BRUSH_MODES)[number];
/** Backgrounds drawn by each device over the background colour (see scenes.ts). */
export const SCENES = ['none', 'studio', 'sunset', 'grid'] as const;
export type SceneId = (typeof SCENES)[number];

/** Canvas-wide properties: the editor's adjustment panel. */
export interface CanvasProps {
  background: string;
  /** Absent in canvases saved before scenes existed: read as `none`. */
  scene?: SceneId;
  filter: FilterPreset;
  intensity: number;
  brightness: number;
  contrast: number;
  saturation: number;
  temperature: number;
  brushMode: BrushMode;
  brushSize: number;
}

/**
 * The session's companion rooms, published so guests of the canvas room find them. Knowing an id
 * lets nobody in: a companion admits only whoever the session admitted.
 */
export interface CanvasMeta {
  /** The lesson notes: rich text over Yjs. */
  notesRoomId?: string;
  /** The lesson card (title, objective, duration): one JSON object, last write wins. */
  lessonRoomId?: string;
}

export interface CanvasState {
  order: string[];
  layers: Record<string, Layer>;
  props: CanvasProps;
  meta: CanvasMeta;
}

/** Every edit is one small description of an operation, never pixels. */
export type CanvasOp =
  | { add: Layer }
  | { remove: string }
  | { move: string; to: number }
  | { layer: string; set: Partial<Omit<Layer, 'id' | 'kind'>> }
  | { set: Partial<CanvasProps> }
  | { meta: CanvasMeta };
