import { ErrorCode, type MessageOf, type ServerMessage } from '@tandem/protocol';
import type { Participant } from '../connection.js';
import type { StoredDoc, StoredOp } from '../storage.js';
import type { DocumentContent, ReplaceOutcome } from './content.js';
import { capRefusal, overDocCap } from './doc-cap.js';
import type { DocumentContext, DocumentMessages, RoomDocument } from './document.js';

type WireOp = MessageOf<'op'>;

/**
 * App-defined operations, sequenced. The room gives each accepted operation the next sequence
 * number and sends it to everyone, author included, so every participant applies one order and
 * per-property last-writer-wins converges. The log since the last snapshot is kept (and stored) so
 * joiners and reconnects catch up; a participant's snapshot compacts it.
 */
export class OpsDocument implements RoomDocument<'ops'> {
  readonly mode = 'ops';
  private seq: number;
  private baseSeq: number;
  private base: Uint8Array;
  private log: StoredOp[];
  private logBytes: number;

  constructor(
    private readonly ctx: DocumentContext,
    stored: Extract<StoredDoc, { mode: 'ops' }> | undefined,
  ) {
    this.seq = stored?.seq ?? 0;
    this.baseSeq = stored?.baseSeq ?? 0;
    this.base = stored?.base ?? new Uint8Array(0);
    this.log = stored?.ops ?? [];
    this.logBytes = this.log.reduce((n, o) => n + o.op.length, 0);
  }

  get version(): number {
    return this.seq;
  }

  catchUp(since: number): ServerMessage[] {
    // Incremental only from a point the room actually holds. A client whose last operation is
    // unknown here saw one a crashed load announced but never stored; numbers are never reused
    // across loads, so it cannot be mistaken for a stored one, and the client starts over.
    const incremental = since === this.baseSeq || this.log.some((o) => o.seq === since);
    const from = incremental ? since : this.baseSeq;
    return [
      {
        type: 'opsSync',
        baseSeq: from,
        base: incremental ? new Uint8Array(0) : this.base,
        ops: this.log.filter((o) => o.seq > from).map((o) => this.wire(o, 0)),
      },
    ];
  }

  handle(sender: Participant, message: DocumentMessages['ops']): void {
    switch (message.type) {
      case 'opSubmit':
        return this.submit(sender, message);
      case 'opsSnapshot':
        return this.snapshot(sender, message);
      default:
        return message satisfies never;
    }
  }

  private submit(sender: Participant, { rid, resource, op }: MessageOf<'opSubmit'>): void {
    const { maxOpBytes, maxOpsLogBytes } = this.ctx.limits;
    if (op.length > maxOpBytes) {
      this.ctx.refuse(
        sender,
        ErrorCode.PayloadTooLarge,
        rid,
        `operation of ${op.length} bytes is over the ${maxOpBytes}-byte cap`,
      );
      return;
    }
    if (this.logBytes + op.length > maxOpsLogBytes) {
      this.ctx.refuse(
        sender,
        ErrorCode.DocTooLarge,
        rid,
        'operation log is full; a participant must send a snapshot',
      );
      return;
    }
    if (!this.ctx.checkEdit(sender, resource, rid)) return;
    this.seq = Math.max(this.seq + 1, this.ctx.numberFloor + 1);
    const stored: StoredOp = { seq: this.seq, slot: sender.seat.slot, userId: sender.userId, resource, op };
    this.log.push(stored);
    this.logBytes += op.length;
    this.ctx.persist({ kind: 'op', op: stored }, { conn: sender, rid, version: stored.seq });
    this.ctx.broadcast(this.wire(stored, rid));
    this.ctx.changed(stored.seq, sender.seat.slot);
  }

  private snapshot(sender: Participant, { rid, seq, snapshot }: MessageOf<'opsSnapshot'>): void {
    if (overDocCap(this.ctx, sender, rid, 'snapshot', snapshot)) return;
    if (seq <= this.baseSeq || seq > this.seq) {
      this.ctx.refuse(
        sender,
        ErrorCode.Conflict,
        rid,
        `snapshot at ${seq} is outside the log (${this.baseSeq}, ${this.seq}]`,
      );
      return;
    }
    this.baseSeq = seq;
    this.base = snapshot;
    this.log = this.log.filter((o) => o.seq > seq);
    this.logBytes = this.log.reduce((n, o) => n + o.op.length, 0);
    this.ctx.persist({ kind: 'ops-snapshot', seq, base: snapshot }, { conn: sender, rid, version: seq });
  }

  read(): DocumentContent & { mode: 'ops' } {
    return { mode: 'ops', seq: this.seq, baseSeq: this.baseSeq, base: this.base, ops: [...this.log] };
  }

  /**
   * A new snapshot at the next sequence number, with no operations after it: the log is dropped,
   * and every admitted connection is sent the snapshot (an `opsSync` from it), as a joiner would be.
   */
  replace(snapshot: Uint8Array): ReplaceOutcome {
    const refused = capRefusal(this.ctx, 'snapshot', snapshot);
    if (refused) return refused;
    this.seq = Math.max(this.seq + 1, this.ctx.numberFloor + 1);
    this.baseSeq = this.seq;
    this.base = snapshot;
    this.log = [];
    this.logBytes = 0;
    this.ctx.persist({ kind: 'ops-snapshot', seq: this.seq, base: snapshot });
    this.ctx.broadcast({ type: 'opsSync', baseSeq: this.seq, base: snapshot, ops: [] });
    this.ctx.changed(this.seq, 0);
    return { version: this.seq };
  }

  private wire(o: StoredOp, rid: number): WireOp {
    return { type: 'op', seq: o.seq, slot: o.slot, rid, resource: o.resource, op: o.op };
  }
}
