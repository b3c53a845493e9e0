import { type CanvasOp, type CanvasState, type ImageRef, layerId } from '../canvas.js';
import type { Project, ProjectImage } from './project-file.js';

/** The distinct images the canvas's layers name, in layer order. */
export function imagesOf(canvas: Pick<CanvasState, 'order' | 'layers'>): ImageRef[] {
  const seen = new Map<string, ImageRef>();
  for (const id of canvas.order) {
    const image = canvas.layers[id]?.image;
    if (image && !seen.has(image.hash)) seen.set(image.hash, image);
  }
  return [...seen.values()];
}

/**
 * The project of a canvas: its layers and settings, and the bytes of each image it names that
 * `load` finds on this device. `missing` lists those it did not find.
 */
export async function projectOf(
  canvas: CanvasState,
  load: (hash: string) => Promise<Blob | undefined>,
): Promise<{ project: Project; missing: ImageRef[] }> {
  const images: ProjectImage[] = [];
  const missing: ImageRef[] = [];
  for (const ref of imagesOf(canvas)) {
    const blob = await load(ref.hash);
    if (blob)
      images.push({
        hash: ref.hash,
        type: blob.type || ref.type,
        bytes: new Uint8Array(await blob.arrayBuffer()),
      });
    else missing.push(ref);
  }
  return {
    project: { canvas: { order: canvas.order, layers: canvas.layers, props: canvas.props }, images },
    missing,
  };
}

/**
 * How a project file's document comes into a canvas:
 * - `canvas`: the canvas is empty: its settings and its layers become the canvas;
 * - `layers`: its layers go on top of what the canvas holds, which stays as it is;
 * - `images`: the document is left out (only its images are taken, which needs no op).
 */
export type ImportMode = 'canvas' | 'layers' | 'images';

/**
 * The ops that bring a project's document into the canvas. Layers get new ids, so they never
 * collide with layers others add meanwhile.
 */
export function importOps(project: Project, mode: ImportMode): CanvasOp[] {
  if (mode === 'images') return [];
  const adds = project.canvas.order.flatMap((id): CanvasOp[] => {
    const layer = project.canvas.layers[id];
    return layer ? [{ add: { ...layer, id: layerId(layer.kind) } }] : [];
  });
  return mode === 'canvas' ? [{ set: project.canvas.props }, ...adds] : adds;
}
