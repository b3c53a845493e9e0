import type { DocMode, ErrorCode, MessageOf, ServerMessage } from '@tandem/protocol';
import type { Connection, Participant } from '../connection.js';
import type { PendingAck } from '../context.js';
import type { RoomLimits } from '../options.js';
import type { RoomWrite, StoredDoc } from '../storage.js';
import type { DocumentContent, ReplaceOutcome } from './content.js';

/** The client messages of each document mode. */
export interface DocumentMessages {
  lww: MessageOf<'lwwSet'>;
  ops: MessageOf<'opSubmit' | 'opsSnapshot'>;
  yjs: MessageOf<'yjs'>;
}

/** Client messages that edit or sync the document, of any mode. */
export type DocumentMessage = DocumentMessages[DocMode];

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
export interface RoomDocument<M extends DocMode = DocMode> {
  readonly mode: M;
  /** Current version (lww), sequence (ops) or 0 (yjs). */
  readonly version: number;
  /** Messages that bring a newly admitted connection from `since` up to date. */
  catchUp(since: number): ServerMessage[];
  /**
   * One message of this mode from an admitted connection, already within budget. The room refuses
   * another mode's messages itself, so they never reach a document.
   */
  handle(sender: Participant, message: DocumentMessages[M]): void;
  /** The whole document as it is now (a copy or immutable bytes: the caller may keep it). */
  read(): DocumentContent & { mode: M };
  /**
   * The host process replaces the document (its backend, not a participant): applied as an edit
   * of this mode would be, broadcast to every admitted connection with slot 0, and queued for the
   * store. Locks do not apply; the size cap does. A refusal changes nothing.
   */
  replace(doc: Uint8Array): ReplaceOutcome;
  dispose?(): void;
}

/** A document of one of the modes; its `mode` tells which messages its `handle` takes. */
export type AnyRoomDocument = { [M in DocMode]: RoomDocument<M> }[DocMode];

/** Builds the document of a room from what was stored (undefined for a new room). */
export type DocumentFactory = (
  mode: DocMode,
  stored: StoredDoc | undefined,
  ctx: DocumentContext,
) => AnyRoomDocument;
