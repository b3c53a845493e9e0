import type { ErrorCode } from '@tandem/protocol';
import type { Clock } from './clock.js';
import type { DocumentFactory } from './documents/document.js';
import type { Identity } from './identity.js';
import type { InitialSettings, LimitOverrides } from './options.js';
import type { RoomStore } from './storage.js';

/** Decides whether a user may join at all (per-user join rate, hosted-room limits). */
export type JoinGate = (identity: Identity, role: 'host' | 'guest') => ErrorCode | undefined;

/** Everything a room is built from. Only `id` is required. */
export interface RoomConfig {
  id: string;
  /** Default: the system clock. Tests pass a {@link ManualClock}. */
  clock?: Clock;
  /** Uniform in [0, 1), for lock ids and join codes. Default `Math.random`. */
  random?: () => number;
  limits?: LimitOverrides;
  /** Used when the store has no record of this room. */
  settings?: InitialSettings;
  /** Where durable state goes. Default: a private {@link MemoryRoomStore}. */
  store?: RoomStore;
  /** Supplies document modes beyond the built-in `lww` and `ops` (the server adds `yjs`). */
  documents?: DocumentFactory;
  /** Called at hello; a returned code refuses the connection with it. */
  canJoin?: JoinGate;
  /**
   * When true, writes wait for an explicit {@link Room.flush}; otherwise each tick's writes are
   * flushed together on the next microtask. Default false.
   */
  manualFlush?: boolean;
  /**
   * Announce lock grants, releases and expiries only once they are stored. Needed where another
   * process may hold the room at the same time (a cluster whose owner lost its lease without
   * noticing): such an owner's writes are refused by the store, so a grant it made is never heard
   * of and two users never both believe they hold a lock. Where one process owns the room for good
   * a grant goes out at once. Default false.
   */
  announceLocksWhenStored?: boolean;
}
