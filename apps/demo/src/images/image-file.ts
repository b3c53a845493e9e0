import type { ImageRef } from '../canvas-model.js';
import { isImageRef, MAX_IMAGE_SIDE } from '../op-check.js';
import { sha256Hex } from './image-hash.js';

/** The largest image file this editor opens, in bytes. */
export const MAX_IMAGE_BYTES = 40 * 1024 * 1024;

/** A file opened on this device: what the canvas op names, and the bytes that stay here. */
export interface OpenedImage {
  ref: ImageRef;
  blob: Blob;
}

/**
 * Reads an image file chosen or dropped by this person: hashes its bytes and finds its natural
 * size by decoding it. Throws an Error whose message can be shown as it is.
 *
 * @param by - The display name of whoever opens it, shown to those who lack the file.
 */
export async function openImageFile(file: File, by: string): Promise<OpenedImage> {
  // SVG can carry scripts and has no natural pixel size: only raster images.
  if (!file.type.startsWith('image/') || file.type === 'image/svg+xml')
    throw new Error(`${file.name} is not an image this editor opens (PNG, JPEG, GIF, WebP or AVIF).`);
  if (file.size > MAX_IMAGE_BYTES)
    throw new Error(`${file.name} is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`);
  const bytes = await file.arrayBuffer();
  let size: { width: number; height: number };
  try {
    const bitmap = await createImageBitmap(file);
    size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
  } catch {
    throw new Error(`${file.name} could not be read as an image.`);
  }
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE)
    throw new Error(`${file.name} is larger than ${MAX_IMAGE_SIDE} pixels on a side.`);
  const ref: ImageRef = {
    hash: await sha256Hex(bytes),
    name: file.name.slice(0, 200) || 'image',
    type: file.type,
    width: size.width,
    height: size.height,
    by: by.slice(0, 80),
  };
  if (!isImageRef(ref)) throw new Error(`${file.name} could not be read as an image.`);
  return { ref, blob: new Blob([bytes], { type: file.type }) };
}
