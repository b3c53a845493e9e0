import type { CanvasOp, CanvasProps, CanvasState, Layer } from './canvas-model.js';

const LAYER_WORDS: Partial<Record<keyof Layer, string>> = {
  name: 'name',
  text: 'text',
  color: 'colour',
  opacity: 'opacity',
  x: 'position',
  y: 'position',
  w: 'size',
  h: 'size',
};

const PROP_WORDS: Record<keyof CanvasProps, string> = {
  background: 'the background',
  scene: 'the scene',
  filter: 'the filter',
  intensity: 'the filter intensity',
  brightness: 'the brightness',
  contrast: 'the contrast',
  saturation: 'the saturation',
  temperature: 'the temperature',
  brushMode: 'the brush mode',
  brushSize: 'the brush size',
};

/** "a", "b and c", "a, b and c". */
function list(words: string[]): string {
  const unique = [...new Set(words)];
  return unique.length < 2 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}`;
}

function article(kind: Layer['kind']): string {
  return { rect: 'a shape', text: 'a text', image: 'an image', stroke: 'a stroke' }[kind];
}

/**
 * What another person's canvas op did, in words, for the activity log (their name goes first):
 * "drew a stroke", "changed Circle's opacity". `state` is the canvas before the op.
 */
export function describeCanvasOp(state: CanvasState, op: CanvasOp): string | undefined {
  if ('add' in op) {
    if (op.add.image) return `added the image ${op.add.image.name}`;
    return op.add.kind === 'stroke' ? 'drew a stroke' : `added ${article(op.add.kind)}`;
  }
  if ('remove' in op) return `deleted ${state.layers[op.remove]?.name ?? 'a layer'}`;
  if ('move' in op) return `moved ${state.layers[op.move]?.name ?? 'a layer'} in the stack`;
  if ('layer' in op) {
    const name = state.layers[op.layer]?.name ?? 'a layer';
    if (op.set.visible !== undefined) return `${op.set.visible ? 'showed' : 'hid'} ${name}`;
    const words = Object.keys(op.set).flatMap((k) => LAYER_WORDS[k as keyof Layer] ?? []);
    return `changed ${name}'s ${list(words) || 'properties'}`;
  }
  if ('meta' in op) return 'opened the lesson rooms';
  if ('set' in op) {
    const words = Object.keys(op.set).flatMap((k) => PROP_WORDS[k as keyof CanvasProps] ?? []);
    return `changed ${list(words) || 'the canvas'}`;
  }
  return undefined;
}
