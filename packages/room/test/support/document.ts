import type { AnyRoomDocument, Room } from '../../src/index.js';

/**
 * The room's document. A room keeps it to itself (placements reach documents only through the
 * document seam); tests read it to compare what the room holds with what clients and the store do.
 */
export function documentOf(room: Room): AnyRoomDocument {
  return (room as unknown as { readonly document: AnyRoomDocument }).document;
}
