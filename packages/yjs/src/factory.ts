import { builtinDocument, type DocumentFactory } from '@tandem/room';
import { YjsDocument, type YjsDocumentOptions } from './yjs-document.js';

/**
 * A document factory that adds the `yjs` mode to the engine's built-in `lww` and `ops`, with
 * the given tuning. Pass it as `documents` when building a `Room`.
 */
export function createYjsDocuments(options: YjsDocumentOptions = {}): DocumentFactory {
  return (mode, stored, ctx) => {
    if (mode !== 'yjs') return builtinDocument(mode, stored, ctx);
    if (stored && stored.mode !== 'yjs') {
      throw new Error(`stored document is ${stored.mode} but the room is yjs`);
    }
    return new YjsDocument(ctx, stored, options);
  };
}

/**
 * The default document factory of a host that supports Yjs rooms: `yjs` → {@link YjsDocument},
 * anything else → the engine's built-in modes.
 *
 * @example
 * const room = await Room.load({ id, store, documents: yjsDocuments });
 */
export const yjsDocuments: DocumentFactory = createYjsDocuments();
