import { strFromU8, strToU8, type Unzipped, unzipSync, type ZipOptions, zipSync } from 'fflate';
import { applyCanvasOp, type CanvasProps, type CanvasState, DEFAULT_PROPS, INITIAL } from '../canvas.js';
import { isImageRef } from '../op-check.js';
import { sha256Hex } from './image-hash.js';

// A project file (.tandem) is a zip: `project.json` (the canvas: layer order, layers, settings)
// and `images/<sha-256>` (the bytes of each image a layer names). A zip rather than JSON with
// base64: images, already compressed, are stored as they are (base64 adds a third), any unzip tool
// shows what the file holds, and fflate reads and writes it in the browser and in Node alike.

/** The extension of project files. */
export const PROJECT_EXTENSION = '.tandem';
const FORMAT = 'tandem-project';
const VERSION = 1;
const MANIFEST = 'project.json';
/** The most a project file may unpack to: a file that claims more is refused before unpacking. */
export const MAX_PROJECT_BYTES = 256 * 1024 * 1024;

/** An image a project file carries. */
export interface ProjectImage {
  hash: string;
  type: string;
  bytes: Uint8Array;
}

/** What a project file holds: the canvas (without the session's own rooms) and its images. */
export interface Project {
  canvas: Pick<CanvasState, 'order' | 'layers' | 'props'>;
  images: ProjectImage[];
}

/** A project file that cannot be read; its message can be shown as it is. */
export class ProjectFileError extends Error {}

interface Manifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  canvas: Project['canvas'];
  images: { hash: string; type: string }[];
}

/** Packs a project into the bytes of a `.tandem` file. */
export function packProject(project: Project): Uint8Array {
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    canvas: project.canvas,
    images: project.images.map(({ hash, type }) => ({ hash, type })),
  };
  const files: Record<string, [Uint8Array, ZipOptions]> = {
    [MANIFEST]: [strToU8(JSON.stringify(manifest)), { level: 6 }],
  };
  for (const image of project.images) files[`images/${image.hash}`] = [image.bytes, { level: 0 }];
  return zipSync(files);
}

function unzip(bytes: Uint8Array): Unzipped {
  let total = 0;
  try {
    return unzipSync(bytes, {
      filter: (file) => {
        total += file.originalSize;
        if (total > MAX_PROJECT_BYTES) throw new ProjectFileError('This project file is too large to open.');
        return file.name === MANIFEST || file.name.startsWith('images/');
      },
    });
  } catch (e) {
    if (e instanceof ProjectFileError) throw e;
    throw new ProjectFileError('This is not a project file (it is not a zip).');
  }
}

/**
 * The canvas of a manifest, rebuilt through the canvas's own reducer: a layer or a setting that
 * could not be drawn is left out, as an op carrying it would be.
 */
function canvasOf(value: unknown): Project['canvas'] {
  const canvas = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const layers = (typeof canvas.layers === 'object' && canvas.layers !== null ? canvas.layers : {}) as Record<
    string,
    unknown
  >;
  const order = Array.isArray(canvas.order) ? canvas.order : [];
  const props = (typeof canvas.props === 'object' && canvas.props !== null ? canvas.props : {}) as Partial<
    Record<keyof CanvasProps, unknown>
  >;
  let state = applyCanvasOp(INITIAL, { set: { ...DEFAULT_PROPS, ...props } as CanvasProps });
  for (const id of order) {
    const layer = typeof id === 'string' && Object.hasOwn(layers, id) ? layers[id] : undefined;
    if (layer && (layer as { id?: unknown }).id === id) state = applyCanvasOp(state, { add: layer as never });
  }
  return { order: state.order, layers: state.layers, props: state.props };
}

/**
 * Reads a `.tandem` file. Every image is checked against its hash (a file whose bytes do not match
 * is left out), and the canvas is checked as incoming ops are.
 *
 * @throws ProjectFileError when the file is not a project file this version can read.
 */
export async function unpackProject(bytes: Uint8Array): Promise<Project> {
  const files = unzip(bytes);
  const manifestBytes = files[MANIFEST];
  if (!manifestBytes) throw new ProjectFileError('This is not a project file (it has no project.json).');
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(strFromU8(manifestBytes)) as Partial<Manifest>;
  } catch {
    throw new ProjectFileError('This project file is damaged (its project.json is not JSON).');
  }
  if (manifest.format !== FORMAT) throw new ProjectFileError('This is not a project file.');
  if (manifest.version !== VERSION)
    throw new ProjectFileError('This project file was saved by a newer version of the editor.');
  const images: ProjectImage[] = [];
  for (const entry of Array.isArray(manifest.images) ? manifest.images : []) {
    const { hash, type } = (entry ?? {}) as Partial<ProjectImage>;
    const data = typeof hash === 'string' ? files[`images/${hash}`] : undefined;
    // The same checks as a layer's image reference, with a stand-in for the fields it lacks.
    const ref = { hash, type, name: 'image', width: 1, height: 1, by: '' };
    if (!data || !isImageRef(ref) || (await sha256Hex(data)) !== hash) continue;
    images.push({ hash: ref.hash, type: ref.type, bytes: data });
  }
  return { canvas: canvasOf(manifest.canvas), images };
}
