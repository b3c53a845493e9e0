import { useRoom } from '@tandem/react';
import { useRef, useState } from 'react';
import type { ImageRef } from '../canvas.js';
import { useEditor } from '../editor-context.js';
import { sha256Hex } from './image-hash.js';
import { whereIs } from './image-layer-view.js';
import { keepImage, useMissingImages } from './image-store.js';
import { imagesOf } from './project-contents.js';
import './images.css';

/**
 * Above the canvas, one line per image the canvas shows and this device lacks, with the two ways
 * to get it: open the same file here (taken only if its bytes hash the same), or ask its owner for
 * the project file. Pixels never go through the session.
 */
export function MissingImages() {
  const { state } = useEditor();
  const refs = imagesOf(state);
  const missing = useMissingImages(refs.map((ref) => ref.hash));
  const lacking = refs.filter((ref) => missing.has(ref.hash));
  if (lacking.length === 0) return null;
  return (
    <ul className="missing-images" aria-label="Images not on this device">
      {lacking.map((ref) => (
        <MissingImage key={ref.hash} image={ref} />
      ))}
    </ul>
  );
}

function MissingImage({ image }: { image: ImageRef }) {
  const { notify } = useEditor();
  const room = useRoom();
  const input = useRef<HTMLInputElement>(null);
  const [asked, setAsked] = useState(false);
  const owner = image.by || 'its owner';

  const tryFile = async (file: File) => {
    const bytes = await file.arrayBuffer();
    if ((await sha256Hex(bytes)) !== image.hash) {
      notify(
        `${file.name} is a different file from ${image.name}: its contents differ. Open the same file ${owner} opened.`,
      );
      return;
    }
    await keepImage(image.hash, new Blob([bytes], { type: image.type }));
  };

  const ask = () => {
    room
      .sendChat(
        `Could you send me the project file (Canvas → Export project)? ${image.name} is not on my device.`,
      )
      .then(
        () => setAsked(true),
        (e: Error) => notify(e.message),
      );
  };

  return (
    <li className="missing-image" data-testid="missing-image" data-hash={image.hash}>
      <span className="grow">
        <strong>{whereIs(image)}.</strong> Pixels stay on each device: open the same file here, or import a
        project file that holds it.
      </span>
      <button type="button" onClick={() => input.current?.click()}>
        Open {image.name}…
      </button>
      <input
        ref={input}
        type="file"
        accept={image.type}
        hidden
        aria-label={`Open ${image.name}`}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) tryFile(file).catch((err: Error) => notify(err.message));
        }}
      />
      <button type="button" disabled={asked} onClick={ask}>
        {asked ? `Asked ${owner} in the chat` : `Ask ${owner} for the project file`}
      </button>
    </li>
  );
}
