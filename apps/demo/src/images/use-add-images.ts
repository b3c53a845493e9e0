import { useSelf } from '@tandem/react';
import { useCallback } from 'react';
import { useEditor } from '../editor-context.js';
import { openImageFile } from './image-file.js';
import { imageLayer } from './image-layer.js';
import { keepImage } from './image-store.js';

/**
 * Opens image files (picked or dropped) as new layers: each file's bytes stay on this device under
 * their hash, and the op that adds the layer names only the hash, the file and its size.
 *
 * @returns A function taking the files and, for a drop, the point on the canvas they fell on.
 */
export function useAddImages(): (files: readonly File[], at?: { x: number; y: number }) => Promise<void> {
  const { state, edit, select, notify } = useEditor();
  const by = useSelf()?.name ?? 'someone';
  const count = state.order.length;
  return useCallback(
    async (files, at) => {
      let index = count;
      for (const file of files) {
        try {
          const { ref, blob } = await openImageFile(file, by);
          await keepImage(ref.hash, blob);
          const layer = imageLayer(ref, index++, at);
          edit({ add: layer });
          select(layer.id);
        } catch (e) {
          notify((e as Error).message);
        }
      }
    },
    [count, by, edit, select, notify],
  );
}
