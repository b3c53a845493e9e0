import type { ErrorCode, ServerMessage } from '@tandem/protocol';
import type { ActivityInput } from './activity.js';
import type { Clock } from './clock.js';
import type { Connection, Participant } from './connection.js';
import type { RoomLimits } from './options.js';
import type { RoomWrite } from './storage.js';

/** A reply owed once a write is durable. */
export interface PendingAck {
  readonly conn: Connection;
  readonly rid: number;
  readonly version: number;
}

/**
 * What the room's parts (locks, chat, documents …) may do. The room implements it; parts never
 * see sockets or each other's state.
 */
export interface RoomContext {
  readonly clock: Clock;
  readonly limits: RoomLimits;
  /** Numbers this load issues (fences, versions, sequences) are above this floor. */
  readonly numberFloor: number;
  /** Uniform in [0, 1); injected for determinism. */
  random(): number;
  /** Every live connection, in any phase, in order of arrival. */
  connections(): Iterable<Connection>;
  /** Every admitted connection, in order of arrival. */
  admitted(): readonly Participant[];
  /** Admitted connections of one user. */
  connectionsOf(userId: string): Participant[];
  /** Encodes once and sends to every admitted connection but `except`. */
  broadcast(message: ServerMessage, except?: Connection): void;
  send(conn: Connection, message: ServerMessage): void;
  /** Sends the error, closes the socket with its close code, and removes the connection. */
  fatal(conn: Connection, code: ErrorCode, message?: string): void;
  /** Tells `conn` its request `rid` was refused; the connection stays open. */
  refuse(conn: Connection, code: ErrorCode, rid: number, message?: string): void;
  /**
   * Queues a durable write; `ack` is sent once the write's batch is stored. Without a write, the ack
   * waits for the writes queued before it (and with neither, what the room learnt goes out soon).
   */
  persist(write: RoomWrite | undefined, ack?: PendingAck): void;
  /**
   * Sends what tells anyone about a lock's change: at once, or, where the room was asked to, once
   * the change is stored (see `RoomConfig.announceLocksWhenStored`). Announcements keep their order.
   */
  announceLock(announce: () => void): void;
  emit(event: ActivityInput): void;
}
