import { claimName, type EditOutboxStore, type StoredEdits } from './edit-outbox.js';

/**
 * An {@link EditOutboxStore} in this process's memory: edits outlive a `RoomConnection` (a new
 * connection to the same room adopts them) but not the process. For Node and tests. Entries are
 * copied in and out, as a real store would serialise them.
 *
 * @example
 * const outbox = memoryOutbox();
 * const client = createClient({ url, auth, WebSocket, outbox });
 */
export function memoryOutbox(): EditOutboxStore {
  const entries = new Map<string, StoredEdits>();
  const held = new Set<string>();
  return {
    load: async (server, room) =>
      [...entries.values()]
        .filter((e) => e.server === server && e.room === room)
        .map((e) => structuredClone(e)),
    save: async (edits) => {
      entries.set(claimName(edits.server, edits.room, edits.clientId), structuredClone(edits));
    },
    delete: async (server, room, clientId) => {
      entries.delete(claimName(server, room, clientId));
    },
    claim: async (server, room, clientId) => {
      const name = claimName(server, room, clientId);
      if (held.has(name)) return undefined;
      held.add(name);
      return () => held.delete(name);
    },
  };
}
