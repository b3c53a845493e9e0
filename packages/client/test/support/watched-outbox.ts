import { type EditOutboxStore, memoryOutbox, type StoredEdits } from '../../src/index.js';

/** A memory outbox whose entries a test can read and wait on, as the next page load would find them. */
export interface WatchedOutbox extends EditOutboxStore {
  /** The entries now, by client id. */
  readonly entries: ReadonlyMap<string, StoredEdits>;
  /** Client ids whose entry a connection holds now. */
  readonly claimed: ReadonlySet<string>;
  /** Resolves once `check()` holds, re-checking after every write and every claim let go. */
  until(check: (entries: ReadonlyMap<string, StoredEdits>) => boolean): Promise<void>;
}

export function watchedOutbox(): WatchedOutbox {
  const store = memoryOutbox();
  const entries = new Map<string, StoredEdits>();
  const claimed = new Set<string>();
  const waiters = new Set<() => void>();
  const wrote = () => {
    for (const w of [...waiters]) w();
  };
  return {
    entries,
    claimed,
    load: store.load,
    claim: async (server, room, clientId) => {
      const release = await store.claim(server, room, clientId);
      if (!release) return undefined;
      claimed.add(clientId);
      return () => {
        release();
        claimed.delete(clientId);
        wrote();
      };
    },
    save: async (edits) => {
      await store.save(edits);
      entries.set(edits.clientId, edits);
      wrote();
    },
    delete: async (server, room, clientId) => {
      await store.delete(server, room, clientId);
      entries.delete(clientId);
      wrote();
    },
    until: (check) =>
      new Promise((resolve) => {
        const test = () => {
          if (!check(entries)) return;
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
        test();
      }),
  };
}
