import { describe, expect, it } from 'vitest';
import { applyCanvasOp, type CanvasOp, cssFilter, DEFAULT_PROPS, INITIAL, newLayer } from '../src/canvas.js';
import { describeCanvasOp } from '../src/describe.js';
import { imageLayer } from '../src/images/image-layer.js';
import { isImageRef } from '../src/op-check.js';

const ref = {
  hash: 'a'.repeat(64),
  name: 'photo.jpg',
  type: 'image/jpeg',
  width: 1600,
  height: 1200,
  by: 'Ada',
};

describe('image layers in ops', () => {
  it('names an image by hash, file, type, size and who opened it, fitted to the canvas', () => {
    const layer = imageLayer(ref, 0);
    expect(layer).toMatchObject({ kind: 'image', name: 'photo.jpg', w: 320, h: 240, image: ref });
    const state = applyCanvasOp(INITIAL, { add: layer });
    expect(state.layers[layer.id]?.image).toEqual(ref);
    expect(describeCanvasOp(INITIAL, { add: layer })).toBe('added the image photo.jpg');
    // Dropped on the canvas: centred where it fell.
    expect(imageLayer(ref, 0, { x: 300, y: 200 })).toMatchObject({ x: 140, y: 80 });
  });

  it.each<[string, unknown]>([
    ['a hash that is not SHA-256 hex', { ...ref, hash: 'A'.repeat(64) }],
    ['a short hash', { ...ref, hash: 'a'.repeat(63) }],
    ['no file name', { ...ref, name: '' }],
    ['a long file name', { ...ref, name: 'x'.repeat(201) }],
    ['a type that is not an image', { ...ref, type: 'text/html' }],
    ['a zero width', { ...ref, width: 0 }],
    ['a fractional height', { ...ref, height: 10.5 }],
    ['a side beyond 16384', { ...ref, width: 16_385 }],
    ['pixels alongside', { ...ref, data: 'data:image/png;base64,iVBORw0KGgo=' }],
    ['no owner', { ...ref, by: undefined }],
    ['a list', [ref]],
  ])('refuses an image reference with %s', (_, image) => {
    expect(isImageRef(image)).toBe(false);
    const layer = { ...imageLayer(ref, 0), image };
    expect(applyCanvasOp(INITIAL, { add: layer } as CanvasOp)).toBe(INITIAL);
  });

  it('refuses an image on a layer that is not an image, and any field a layer does not have', () => {
    const shape = newLayer('rect', 0);
    expect(applyCanvasOp(INITIAL, { add: { ...shape, image: ref } })).toBe(INITIAL);
    const withPixels = { ...imageLayer(ref, 0), pixels: 'iVBORw0KGgo=' };
    expect(applyCanvasOp(INITIAL, { add: withPixels } as CanvasOp)).toBe(INITIAL);
    const state = applyCanvasOp(INITIAL, { add: { ...imageLayer(ref, 0), id: 'i1' } });
    const smuggled = { layer: 'i1', set: { image: { ...ref, data: 'iVBORw0KGgo=' } } };
    expect(applyCanvasOp(state, smuggled as CanvasOp)).toBe(state);
  });
});

describe('scenes and noir', () => {
  it('a scene is one of the built-in ones; a canvas saved before scenes still takes changes', () => {
    expect(applyCanvasOp(INITIAL, { set: { scene: 'sunset' } }).props.scene).toBe('sunset');
    expect(applyCanvasOp(INITIAL, { set: { scene: 'beach' } } as unknown as CanvasOp)).toBe(INITIAL);
    const { scene: _none, ...before } = DEFAULT_PROPS;
    const old = { ...INITIAL, props: before };
    expect(applyCanvasOp(old, { set: { filter: 'vivid' } }).props.filter).toBe('vivid');
    expect(describeCanvasOp(INITIAL, { set: { scene: 'grid' } })).toBe('changed the scene');
  });

  it('noir is fully black and white at any intensity', () => {
    for (const intensity of [10, 70, 100])
      expect(cssFilter({ ...DEFAULT_PROPS, filter: 'noir', intensity })).toContain('grayscale(1)');
  });
});
