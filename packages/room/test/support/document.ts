import type { MessageOf } from '@tandem/protocol';
import type { AnyRoomDocument, DocumentFactory, Room } from '../../src/index.js';

/**
 * The room's document. A room keeps it to itself (placements reach documents only through the
 * document seam); tests read it to compare what the room holds with what clients and the store do.
 */
export function documentOf(room: Room): AnyRoomDocument {
  return (room as unknown as { readonly document: AnyRoomDocument }).document;
}

/**
 * A yjs document mode that applies nothing and records every message that reaches it, so a test
 * sees what the room routed to its document (and what it kept from it).
 */
export function recordingYjs(): { documents: DocumentFactory; seen: MessageOf<'yjs'>[] } {
  const seen: MessageOf<'yjs'>[] = [];
  const documents: DocumentFactory = () => ({
    mode: 'yjs',
    version: 0,
    catchUp: () => [{ type: 'yjs', step: 'state-vector', rid: 0, data: new Uint8Array([0]) }],
    handle: (_sender, message) => {
      seen.push(message);
    },
    read: () => ({ mode: 'yjs', update: new Uint8Array(0) }),
    replace: () => ({ version: 0 }),
  });
  return { documents, seen };
}
