import type { RoomWrite } from '@tandem/room';
import type { SqliteRoomStoreOptions } from './sqlite-store.js';

/** What the worker is started with: the store's options that can cross a thread. */
export type WorkerOptions = Pick<SqliteRoomStoreOptions, 'path' | 'synchronous' | 'busyTimeoutMs'>;

/** One store call, main thread → worker. */
export type StoreCall = { id: number } & (
  | { op: 'load'; roomId: string }
  | { op: 'write'; roomId: string; writes: readonly RoomWrite[]; now: number }
  | { op: 'delete'; roomId: string }
  | { op: 'roomIdForJoinCode'; code: string }
  | { op: 'hostedRooms'; userId: string }
  | { op: 'listUntouchedSince'; cutoff: number; limit: number }
  | { op: 'deleteIfUntouchedSince'; roomId: string; cutoff: number }
  | { op: 'close' }
);

/** The worker's answer to call `id`. */
export type StoreReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; message: string });
