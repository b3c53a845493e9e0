import { useRef, useState } from 'react';
import { useEditor } from '../editor-context.js';
import { keepImage, localImage } from './image-store.js';
import { type ImportMode, imagesOf, importOps, projectOf } from './project-contents.js';
import { PROJECT_EXTENSION, type Project, packProject, unpackProject } from './project-file.js';

/** A project file read and waiting for this person to say how it comes in. */
interface Pending {
  fileName: string;
  project: Project;
  /** Names of images the canvas shows, this device lacks, and the file holds. */
  fills: string[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has its own copy once it starts; a minute is ample for it to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Export and import of project files (`.tandem`: the canvas and the images it names). Importing
 * keeps the file's images on this device, so a peer who lacked them sees them; what happens to the
 * canvas is said before it happens: into an empty canvas the project opens whole, into one that
 * holds layers this person chooses between taking only the images and adding its layers on top.
 */
export function ProjectFileActions() {
  const { state, edit, readOnly, notify } = useEditor();
  const input = useRef<HTMLInputElement>(null);
  const [pending, setPending] = useState<Pending | undefined>();

  const exportProject = async () => {
    const { project, missing } = await projectOf(state, localImage);
    const date = new Date().toISOString().slice(0, 10);
    download(packProject(project), `canvas-${date}${PROJECT_EXTENSION}`);
    if (missing.length > 0)
      notify(
        `Exported without ${missing.map((m) => m.name).join(', ')}: not on this device, so not in the file.`,
      );
  };

  const bringIn = async ({ fileName, project }: Pending, mode: ImportMode) => {
    setPending(undefined);
    for (const image of project.images)
      await keepImage(image.hash, new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.type }));
    for (const op of importOps(project, mode)) edit(op);
    const images = plural(project.images.length, 'image');
    notify(
      mode === 'images'
        ? `Took ${images} from ${fileName}; the canvas is as it was.`
        : `Opened ${fileName}: ${plural(project.canvas.order.length, 'layer')} and ${images}.`,
    );
  };

  const read = async (file: File) => {
    const project = await unpackProject(new Uint8Array(await file.arrayBuffer()));
    const held = new Set(project.images.map((i) => i.hash));
    const fills: string[] = [];
    for (const ref of imagesOf(state))
      if (held.has(ref.hash) && !(await localImage(ref.hash))) fills.push(ref.name);
    const chosen = { fileName: file.name, project, fills };
    // Nothing on the canvas to lose or mix with: the project opens as it was saved.
    if (state.order.length === 0 && !readOnly) await bringIn(chosen, 'canvas');
    else setPending(chosen);
  };

  return (
    <div className="project-file">
      <div className="row wrap">
        <button type="button" onClick={() => void exportProject().catch((e: Error) => notify(e.message))}>
          Export project
        </button>
        <button type="button" onClick={() => input.current?.click()}>
          Import project…
        </button>
        <input
          ref={input}
          type="file"
          accept={`${PROJECT_EXTENSION},application/zip`}
          hidden
          aria-label="Import project file"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) read(file).catch((err: Error) => notify(err.message));
          }}
        />
      </div>
      {pending ? (
        <div className="import-choice" role="dialog" aria-label="Import project">
          <p>
            <strong>{pending.fileName}</strong> holds {plural(pending.project.canvas.order.length, 'layer')}{' '}
            and {plural(pending.project.images.length, 'image')}.
            {pending.fills.length > 0 ? ` It has ${pending.fills.join(', ')}, missing on this device.` : ''}
          </p>
          <button
            type="button"
            className={pending.fills.length > 0 || readOnly ? 'primary' : undefined}
            onClick={() => void bringIn(pending, 'images')}
          >
            Take its images only
          </button>
          <span className="muted small">The canvas stays as it is; the images stay on this device.</span>
          {readOnly ? (
            <span className="muted small">As a viewer you cannot add its layers.</span>
          ) : (
            <>
              <button type="button" onClick={() => void bringIn(pending, 'layers')}>
                Add its layers to the canvas
              </button>
              <span className="muted small">Everyone sees them, on top of the layers here.</span>
            </>
          )}
          <button type="button" className="link" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}
