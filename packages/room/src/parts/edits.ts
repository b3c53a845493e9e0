import { ERRORS, ErrorCode } from '@tandem/protocol';
import type { Connection, Participant } from '../connection.js';
import type { RoomContext } from '../context.js';
import type { AnyRoomDocument, DocumentMessage } from '../documents/document.js';
import type { EarlierEdit, EditLedger } from './edit-ledger.js';

/**
 * Routes document messages to the room's document mode and gives edits their identity: a whole
 * write or an operation sent with a request id by a client with a `clientId` is applied at most
 * once, and a retry is answered with its first outcome.
 */
export class Edits {
  /** The edit being handled, whose outcome (an ack or a refusal) the ledger records. */
  private editing: { readonly conn: Connection; readonly rid: number } | undefined;

  constructor(
    private readonly ctx: RoomContext,
    private readonly ledger: EditLedger,
    private readonly document: AnyRoomDocument,
  ) {}

  /** A document message from a participant; one of another mode is refused. */
  message(conn: Participant, m: DocumentMessage): void {
    const doc = this.document;
    // Yjs updates merge idempotently and a snapshot names its own sequence: only whole writes and
    // operations need an identity to be applied at most once.
    switch (m.type) {
      case 'lwwSet':
        if (doc.mode === 'lww') return this.once(conn, m.rid, () => doc.handle(conn, m));
        break;
      case 'opSubmit':
        if (doc.mode === 'ops') return this.once(conn, m.rid, () => doc.handle(conn, m));
        break;
      case 'opsSnapshot':
        if (doc.mode === 'ops') return doc.handle(conn, m);
        break;
      case 'yjs':
        if (doc.mode === 'yjs') return doc.handle(conn, m);
        break;
      default:
        return m satisfies never;
    }
    this.ctx.refuse(conn, ErrorCode.WrongDocMode, m.rid, `this room's document mode is ${doc.mode}`);
  }

  /** Notes what became of the edit being handled, if `rid` is that edit. */
  outcome(conn: Connection, rid: number, outcome: { version: number } | { code: ErrorCode }): void {
    const editing = this.editing;
    if (editing?.conn !== conn || editing.rid !== rid || rid === 0) return;
    this.editing = undefined;
    this.ledger.record(conn.seat?.retryKey ?? '', rid, outcome, this.ctx.clock.now());
    // A refusal queues no write of its own; the ledger's still has to reach the store.
    if ('code' in outcome) this.ctx.persist(undefined);
  }

  /** Applies an edit unless the ledger knows its identity, in which case its first outcome is told. */
  private once(conn: Participant, rid: number, apply: () => void): void {
    const key = conn.seat.retryKey;
    if (rid === 0 || key === '') return apply();
    const earlier = this.ledger.lookup(key, rid);
    if (earlier.kind !== 'new') return this.answerRetry(conn, rid, earlier);
    this.editing = { conn, rid };
    try {
      apply();
    } finally {
      this.editing = undefined;
    }
  }

  /**
   * A retried edit is answered with what became of it the first time, never applied again. Its ack
   * waits for the writes in flight, since the first attempt may not be durable yet.
   */
  private answerRetry(conn: Participant, rid: number, earlier: Exclude<EarlierEdit, { kind: 'new' }>): void {
    switch (earlier.kind) {
      case 'applied':
        return this.ctx.persist(undefined, { conn, rid, version: earlier.version });
      case 'forgotten':
        return this.ctx.persist(undefined, { conn, rid, version: 0 });
      case 'refused':
        return this.ctx.refuse(conn, earlier.code, rid, `${ERRORS[earlier.code].message} (when first sent)`);
      default:
        return earlier satisfies never;
    }
  }
}
