import type { DocMode } from '@tandem/protocol';
import type { StoredDoc } from '../storage.js';
import type { AnyRoomDocument, DocumentContext } from './document.js';
import { LwwDocument } from './lww.js';
import { OpsDocument } from './ops.js';

/** Builds the modes the engine ships (`lww`, `ops`). A `yjs` room needs a factory from its host. */
export function builtinDocument(
  mode: DocMode,
  stored: StoredDoc | undefined,
  ctx: DocumentContext,
): AnyRoomDocument {
  if (stored && stored.mode !== mode) {
    throw new Error(`stored document is ${stored.mode} but the room is ${mode}`);
  }
  switch (mode) {
    case 'lww':
      return new LwwDocument(ctx, stored?.mode === 'lww' ? stored : undefined);
    case 'ops':
      return new OpsDocument(ctx, stored?.mode === 'ops' ? stored : undefined);
    case 'yjs':
      throw new Error('yjs rooms need a document factory that supplies the Yjs mode');
    default:
      throw new Error(`unknown document mode ${mode satisfies never}`);
  }
}
