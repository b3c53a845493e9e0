import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { applyCanvasOp, type CanvasState, type ImageRef, INITIAL, newLayer } from '../src/canvas.js';
import { sha256Hex } from '../src/images/image-hash.js';
import { imageLayer } from '../src/images/image-layer.js';
import { importOps, projectOf } from '../src/images/project-contents.js';
import { ProjectFileError, packProject, unpackProject } from '../src/images/project-file.js';

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** An "image" (any bytes do: the project file does not decode them) and its reference. */
async function image(content: string, name: string): Promise<{ ref: ImageRef; bytes: Uint8Array }> {
  const bytes = bytesOf(content);
  const ref = { hash: await sha256Hex(bytes), name, type: 'image/png', width: 40, height: 30, by: 'Ada' };
  return { ref, bytes };
}

/** A canvas with a shape, two layers of one image, a layer of another image, and settings. */
async function canvas() {
  const red = await image('red pixels', 'red.png');
  const blue = await image('blue pixels', 'blue.png');
  let state: CanvasState = applyCanvasOp(INITIAL, { set: { filter: 'noir', scene: 'sunset' } });
  for (const layer of [
    newLayer('rect', 0),
    imageLayer(red.ref, 1),
    imageLayer(red.ref, 2),
    imageLayer(blue.ref, 3),
  ])
    state = applyCanvasOp(state, { add: layer });
  state = applyCanvasOp(state, { meta: { notesRoomId: 'room-of-this-session' } });
  return { state, red, blue };
}

const loader = (images: { ref: ImageRef; bytes: Uint8Array }[]) => async (hash: string) => {
  const found = images.find((i) => i.ref.hash === hash);
  return found ? new Blob([found.bytes as Uint8Array<ArrayBuffer>], { type: found.ref.type }) : undefined;
};

describe('project files', () => {
  it('round trip: the canvas and each image it names, once, checked against its hash', async () => {
    const { state, red, blue } = await canvas();
    const { project, missing } = await projectOf(state, loader([red, blue]));
    expect(missing).toEqual([]);
    expect(project.images.map((i) => i.hash)).toEqual([red.ref.hash, blue.ref.hash]);

    const back = await unpackProject(packProject(project));
    expect(back.canvas).toEqual({ order: state.order, layers: state.layers, props: state.props });
    expect(back.images.map((i) => [i.hash, i.type, new TextDecoder().decode(i.bytes)])).toEqual([
      [red.ref.hash, 'image/png', 'red pixels'],
      [blue.ref.hash, 'image/png', 'blue pixels'],
    ]);
    // The session's own rooms are not part of the project.
    expect(JSON.stringify(back)).not.toContain('room-of-this-session');
  });

  it('exports what this device has and says which images it lacks', async () => {
    const { state, red, blue } = await canvas();
    const { project, missing } = await projectOf(state, loader([red]));
    expect(project.images.map((i) => i.hash)).toEqual([red.ref.hash]);
    expect(missing.map((m) => m.name)).toEqual([blue.ref.name]);
  });

  it('leaves out an image whose bytes do not match its hash, and layers that could not be drawn', async () => {
    const { state, red, blue } = await canvas();
    const { project } = await projectOf(state, loader([red, blue]));
    const files = unzipSync(packProject(project));
    files[`images/${blue.ref.hash}`] = bytesOf('something else');
    const manifest = JSON.parse(new TextDecoder().decode(files['project.json']));
    const shape = state.order[0]!;
    manifest.canvas.layers[shape].pixels = 'iVBORw0KGgo…';
    manifest.canvas.layers[state.order[1]!].image.hash = 'not-a-hash';
    files['project.json'] = strToU8(JSON.stringify(manifest));

    const back = await unpackProject(zipSync(files));
    expect(back.images.map((i) => i.hash)).toEqual([red.ref.hash]);
    expect(back.canvas.order).toEqual(state.order.slice(2));
  });

  it('refuses what is not a project file, saying why', async () => {
    await expect(unpackProject(bytesOf('plain text'))).rejects.toThrow(ProjectFileError);
    await expect(unpackProject(zipSync({ 'readme.txt': bytesOf('hi') }))).rejects.toThrow(/no project.json/);
    const newer = zipSync({
      'project.json': strToU8(JSON.stringify({ format: 'tandem-project', version: 99 })),
    });
    await expect(unpackProject(newer)).rejects.toThrow(/newer version/);
  });

  it('imports as ops: the whole canvas into an empty one, or only layers, always under new ids', async () => {
    const { state, red, blue } = await canvas();
    const { project } = await projectOf(state, loader([red, blue]));

    let empty = INITIAL;
    for (const op of importOps(project, 'canvas')) empty = applyCanvasOp(empty, op);
    expect(empty.props).toEqual(state.props);
    expect(empty.order.map((id) => empty.layers[id]?.name)).toEqual(
      state.order.map((id) => state.layers[id]?.name),
    );
    expect(empty.order.filter((id) => state.layers[id])).toEqual([]);

    const layers = importOps(project, 'layers');
    expect(layers.every((op) => 'add' in op)).toBe(true);
    expect(layers).toHaveLength(4);
    expect(importOps(project, 'images')).toEqual([]);
  });
});
