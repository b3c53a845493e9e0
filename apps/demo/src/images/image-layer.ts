import { type ImageRef, type Layer, layerId } from '../canvas.js';

/** An image arrives at most this large on the canvas (keeping its shape); it can be resized after. */
const FIT = { w: 320, h: 240 };

/**
 * A new image layer showing `ref`, named after its file, at `at` (its centre, where it was dropped)
 * or a little apart from the previous layers.
 */
export function imageLayer(ref: ImageRef, index: number, at?: { x: number; y: number }): Layer {
  const scale = Math.min(1, FIT.w / ref.width, FIT.h / ref.height);
  const w = Math.max(8, Math.round(ref.width * scale));
  const h = Math.max(8, Math.round(ref.height * scale));
  const offset = (index % 6) * 36;
  return {
    id: layerId('image'),
    kind: 'image',
    name: ref.name.slice(0, 40),
    x: at ? Math.round(at.x - w / 2) : 60 + offset,
    y: at ? Math.round(at.y - h / 2) : 50 + offset,
    w,
    h,
    color: '#9aa3b5',
    text: '',
    opacity: 1,
    visible: true,
    image: ref,
  };
}
