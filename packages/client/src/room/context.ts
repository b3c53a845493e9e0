import type { ClientMessage } from '@tandem/protocol';
import type { ActivityEntry } from '../types.js';
import type { RoomEvents } from './events.js';
import type { RequestKind } from './requests.js';
import type { Welcome } from './state.js';

/**
 * What the connection's parts (roster, locks, chat, admission, documents) may do. The connection
 * implements it; parts never see the socket, the connection state or each other's fields.
 */
export interface ConnectionContext {
  /** The room's last word on who this participant is (see `ConnectionState`). */
  self(): Welcome | undefined;
  /** This participant is a viewer: edits, locks and access requests fail at once. */
  readOnly(): boolean;
  /** Admitted over a live socket: the only time anything is sent. */
  isLive(): boolean;
  /** Sends `message` when live; otherwise it is dropped (what must survive is restored on admission). */
  sendIfLive(message: ClientMessage): void;
  /**
   * Sends a request under a new rid, or under `rid` again for a retry of the same edit; `done`
   * settles with the room's answer, or rejects at once when not live.
   */
  request<T>(
    kind: RequestKind,
    build: (rid: number) => ClientMessage,
    rid?: number,
  ): { rid: number; done: Promise<T> };
  /** Resolves the pending request `rid` of `kind` with `value`. */
  settle(rid: number, kind: RequestKind, value: unknown): void;
  /** A fresh request id (also counted by the kept edits, so an adopting page starts above it). */
  allocateRid(): number;
  emit<K extends keyof RoomEvents>(event: K, ...args: RoomEvents[K]): void;
  /** Adds an entry to the activity log. */
  note(kind: ActivityEntry['kind'], message: string): void;
}
