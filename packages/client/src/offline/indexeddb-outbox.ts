import { claimName, type EditOutboxStore, type StoredEdits } from './edit-outbox.js';

const STORE = 'edits';

/** The parts of the Web Locks API a claim needs. */
interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | undefined,
  ): Promise<unknown>;
}

/**
 * An {@link EditOutboxStore} in the browser's IndexedDB (database `name`), with claims held as Web
 * Locks (`navigator.locks`), which the browser releases when the page goes. Where there are no Web
 * Locks, no claim can be exclusive: nothing is kept or adopted, and edits live in memory only.
 *
 * @example
 * const client = createClient({ url: location.origin, auth, outbox: indexedDbOutbox() });
 */
export function indexedDbOutbox(name = 'tandem-edit-outbox'): EditOutboxStore {
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    if (opened) return opened;
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () =>
      request.result.createObjectStore(STORE, { keyPath: ['server', 'room', 'clientId'] });
    const opening = done(request).then((database) => {
      // Closed under us (storage cleared, another tab upgrading): the next write opens it again.
      const forget = () => {
        if (opened === opening) opened = undefined;
      };
      database.onclose = forget;
      database.onversionchange = () => {
        database.close();
        forget();
      };
      return database;
    });
    opening.catch(() => {
      if (opened === opening) opened = undefined;
    });
    opened = opening;
    return opening;
  };
  const run = async <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>) => {
    const tx = (await db()).transaction(STORE, mode);
    // A write counts once its transaction has committed, not when its request succeeded.
    const committed =
      mode === 'readonly'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            tx.oncomplete = () => resolve();
            tx.onerror = tx.onabort = () => reject(tx.error);
          });
    const result = await done(act(tx.objectStore(STORE)));
    await committed;
    return result;
  };
  return {
    load: (server, room) =>
      run('readonly', (s) => s.getAll(IDBKeyRange.bound([server, room, ''], [server, room, '\uffff']))).then(
        (rows) => rows as StoredEdits[],
      ),
    save: (edits) => run('readwrite', (s) => s.put(edits)).then(() => undefined),
    delete: (server, room, clientId) => run('readwrite', (s) => s.delete([server, room, clientId])),
    claim: (server, room, clientId) => {
      const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
      if (!locks) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        void locks.request(claimName(server, room, clientId), { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(undefined);
            return undefined;
          }
          // Held until released: the callback's promise is the lock's life.
          return new Promise<void>((release) => resolve(release));
        });
      });
    },
  };
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
