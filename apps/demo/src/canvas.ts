import type { OpsReducer } from '@tandem/client';
import type { CanvasOp, CanvasProps, CanvasState, FilterPreset, Layer } from './canvas-model.js';
import { describeCanvasOp } from './describe.js';
import { isCanvasMeta, isCanvasProps, isLayer } from './op-check.js';

export * from './canvas-model.js';

export const DEFAULT_PROPS: CanvasProps = {
  background: '#f4f1ea',
  scene: 'none',
  filter: 'none',
  intensity: 70,
  brightness: 100,
  contrast: 100,
  saturation: 100,
  temperature: 0,
  brushMode: 'paint',
  brushSize: 12,
};

export const INITIAL: CanvasState = { order: [], layers: {}, props: DEFAULT_PROPS, meta: {} };

function clampIndex(i: number, length: number): number {
  return Math.max(0, Math.min(length, Math.round(i)));
}

/** Applies one op. Pure and total: unknown, stale or malformed ops leave the state as it is. */
export function applyCanvasOp(state: CanvasState, op: CanvasOp): CanvasState {
  if ('add' in op) {
    if (!isLayer(op.add) || state.layers[op.add.id]) return state;
    return { ...state, order: [...state.order, op.add.id], layers: { ...state.layers, [op.add.id]: op.add } };
  }
  if ('remove' in op) {
    if (!state.layers[op.remove]) return state;
    const { [op.remove]: _gone, ...layers } = state.layers;
    return { ...state, order: state.order.filter((id) => id !== op.remove), layers };
  }
  if ('move' in op) {
    if (!state.layers[op.move]) return state;
    const order = state.order.filter((id) => id !== op.move);
    order.splice(clampIndex(op.to, order.length), 0, op.move);
    return { ...state, order };
  }
  if ('layer' in op) {
    const layer = state.layers[op.layer];
    if (!layer) return state;
    const changed = { ...layer, ...op.set, id: layer.id, kind: layer.kind };
    return isLayer(changed) ? { ...state, layers: { ...state.layers, [op.layer]: changed } } : state;
  }
  if ('meta' in op) {
    const meta = { ...state.meta, ...op.meta };
    return isCanvasMeta(meta) ? { ...state, meta } : state;
  }
  if ('set' in op) {
    const props = { ...state.props, ...op.set };
    return isCanvasProps(props) ? { ...state, props } : state;
  }
  return state;
}

export const canvasReducer: OpsReducer<CanvasState, CanvasOp> = {
  initial: INITIAL,
  apply: applyCanvasOp,
  describe: describeCanvasOp,
};

const PALETTE = ['#6d5dfc', '#22c3a6', '#f7a531', '#ef5b7a', '#3b82f6'];

let counter = 0;
/** An id no other person's new layer will have. */
export function layerId(kind: Layer['kind']): string {
  counter++;
  return `${kind}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${counter}`;
}

/** A new shape or text layer, placed a little apart from the previous ones (images: image-layer.ts). */
export function newLayer(kind: 'rect' | 'text', index: number): Layer {
  const id = layerId(kind);
  const offset = (index % 6) * 36;
  const base = { id, kind, x: 60 + offset, y: 50 + offset, opacity: 1, visible: true, text: '' };
  const color = PALETTE[index % PALETTE.length]!;
  if (kind === 'text')
    return { ...base, name: `Text ${index + 1}`, w: 220, h: 60, color: '#1f2330', text: 'Sale' };
  return { ...base, name: `Shape ${index + 1}`, w: 160, h: 110, color };
}

const PRESETS: Record<FilterPreset, (k: number) => string> = {
  none: () => '',
  cinematic: (k) => `contrast(${1 + 0.25 * k}) saturate(${1 - 0.25 * k}) hue-rotate(${-10 * k}deg)`,
  vintage: (k) => `sepia(${0.6 * k}) contrast(${1 - 0.1 * k})`,
  // Noir is black and white at any intensity; the intensity sets how hard its contrast is.
  noir: (k) => `grayscale(1) contrast(${1 + 0.3 * k})`,
  vivid: (k) => `saturate(${1 + 0.8 * k}) contrast(${1 + 0.1 * k})`,
};

/** The CSS filter that renders the adjustment panel's settings. */
export function cssFilter(p: CanvasProps): string {
  const k = p.intensity / 100;
  const warm = p.temperature > 0 ? `sepia(${p.temperature / 200})` : '';
  const cool = p.temperature < 0 ? `hue-rotate(${p.temperature / 5}deg)` : '';
  return [
    `brightness(${p.brightness / 100})`,
    `contrast(${p.contrast / 100})`,
    `saturate(${p.saturation / 100})`,
    warm,
    cool,
    PRESETS[p.filter](k),
  ]
    .filter(Boolean)
    .join(' ');
}
