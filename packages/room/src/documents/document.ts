import type { DocMode, ErrorCode, MessageOf, ServerMessage } from '@tandem/protocol';
import type { Connection } from '../connection.js';
import type { PendingAck } from '../context.js';
import type { RoomLimits } from '../options.js';
import type { RoomWrite, StoredDoc } from '../storage.js';

/** Client messages that edit or sync the document. */
export type DocumentMessage = MessageOf<'lwwSet' | 'opSubmit' | 'opsSnapshot' | 'yjs'>;

/** What a document mode may do inside its room. */
export interface DocumentContext {
  readonly limits: RoomLimits;
  /**
   * Versions and sequence numbers this load issues must be above this floor, so that one a crashed
   * load announced but never stored is never reused (see `RoomRecord.epoch`).
   */
  readonly numberFloor: number;
  /** Lock check for an edit to `resource`; refuses and returns false when another user holds it. */
  checkEdit(sender: Connection, resource: string, rid: number): boolean;
  broadcast(message: ServerMessage, except?: Connection): void;
  send(conn: Connection, message: ServerMessage): void;
  refuse(conn: Connection, code: ErrorCode, rid: number, message: string): void;
  /** Queues a durable write; `ack` (a docAck) is sent once it is stored. */
  persist(write: RoomWrite, ack?: PendingAck): void;
  /**
   * Sends `ack` once every write queued before it is stored: for an edit that changed nothing
   * because its content is already in a write still on its way to the store.
   */
  ackAfterWrites(ack: PendingAck): void;
  /** Reports a committed change as room activity. */
  changed(version: number, slot: number): void;
}

/**
 * The seam between the room and a document mode. The room owns admission, budgets and locks; a
 * document owns its bytes. `lww` and `ops` ship with the room; `yjs` is plugged in by the host
 * process through {@link DocumentFactory}, so the engine itself carries no CRDT dependency.
 */
export interface RoomDocument {
  readonly mode: DocMode;
  /** Current version (lww), sequence (ops) or 0 (yjs). */
  readonly version: number;
  /** Messages that bring a newly admitted connection from `since` up to date. */
  catchUp(since: number): ServerMessage[];
  /** One document message from an admitted connection, already within budget. */
  handle(sender: Connection, message: DocumentMessage): void;
  dispose?(): void;
}

/** Builds the document of a room from what was stored (undefined for a new room). */
export type DocumentFactory = (
  mode: DocMode,
  stored: StoredDoc | undefined,
  ctx: DocumentContext,
) => RoomDocument;
