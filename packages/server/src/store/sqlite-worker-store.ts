import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RoomRecord, RoomWrite } from '@tandem/room';
import type { ServerStore } from '../rooms/server-store.js';
import type { StoreCall, StoreReply, WorkerOptions } from './sqlite-worker-protocol.js';

/** How a {@link SqliteWorkerStore} opens its database (see `SqliteRoomStoreOptions`). */
export interface SqliteWorkerStoreOptions extends WorkerOptions {
  /** The clock rooms' `created_at`/`updated_at` are stamped with. Default `Date.now`. */
  now?: () => number;
}

type CallBody = StoreCall extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

// Compiled output runs the worker next to this file; run from sources (the test runner), the
// compiled worker is used, which `npm test` builds first. A path, not a URL object: test
// environments such as jsdom bring a URL class of their own that Worker does not accept.
const here = dirname(fileURLToPath(import.meta.url));
const WORKER_PATH = import.meta.url.endsWith('.ts')
  ? join(here, '../../dist/store/sqlite-worker.js')
  : join(here, 'sqlite-worker.js');

/**
 * A `SqliteRoomStore` on its own thread. An fsync on a slow disk then stalls the store's thread
 * only: the event loop that fans out cursors and edits keeps going while a group commit is on
 * disk, and every write that arrives meanwhile joins the next commit. Calls are applied in call
 * order, as on the one thread.
 *
 * @example
 * const store = await SqliteWorkerStore.open({ path: join(dataDir, 'tandem.db') });
 */
export class SqliteWorkerStore implements ServerStore {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly now: () => number,
  ) {
    worker.on('message', (reply: StoreReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.message));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', () => this.fail(new Error('the SQLite store thread has exited')));
  }

  /** Starts the store's thread; resolves once the database is open and migrated. */
  static async open(options: SqliteWorkerStoreOptions): Promise<SqliteWorkerStore> {
    const { now = Date.now, ...workerOptions } = options;
    const worker = new Worker(WORKER_PATH, { workerData: workerOptions });
    const store = new SqliteWorkerStore(worker, now);
    try {
      // Any call answers only once the worker has opened the database, or fails if it could not.
      await store.hostedRooms('\u0000');
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    worker.unref();
    return store;
  }

  load(roomId: string): Promise<RoomRecord | undefined> {
    return this.call({ op: 'load', roomId });
  }

  write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    return this.call({ op: 'write', roomId, writes, now: this.now() });
  }

  delete(roomId: string): Promise<void> {
    return this.call({ op: 'delete', roomId });
  }

  roomIdForJoinCode(code: string): Promise<string | undefined> {
    return this.call({ op: 'roomIdForJoinCode', code });
  }

  hostedRooms(userId: string): Promise<string[]> {
    return this.call({ op: 'hostedRooms', userId });
  }

  listUntouchedSince(cutoff: number, limit: number): Promise<string[]> {
    return this.call({ op: 'listUntouchedSince', cutoff, limit });
  }

  deleteIfUntouchedSince(roomId: string, cutoff: number): Promise<boolean> {
    return this.call({ op: 'deleteIfUntouchedSince', roomId, cutoff });
  }

  /**
   * Closes the database after every call made before this one (resolving once it has); the thread
   * then exits. Idempotent; later calls reject.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const closed = this.call({ op: 'close' }).catch(() => {});
    this.closed = true;
    await closed;
  }

  private call<T>(body: CallBody): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The database connection is not open'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // An idle store thread must not keep the process alive, but one with work in hand must: a
      // shutdown whose last step waits on a commit would otherwise see the event loop empty and
      // the process exit (with code 0) before the commit, losing what it was storing.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...body, id });
    });
  }

  /** The thread is gone: every call waiting on it fails, and so will every later one. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
