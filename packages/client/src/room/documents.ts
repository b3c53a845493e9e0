import { type DocMode, ErrorCode, type MessageOf } from '@tandem/protocol';
import { YjsSyncClient } from '@tandem/yjs';
import * as Y from 'yjs';
import { decodeJson } from '../documents/json.js';
import { LwwMirror } from '../documents/lww-mirror.js';
import { OpsMirror } from '../documents/ops-mirror.js';
import { YjsOutbox } from '../documents/yjs-outbox.js';
import { ReadOnlyError, type TandemError } from '../errors.js';
import type { EditOutboxStore } from '../offline/edit-outbox.js';
import { KeptEdits } from '../offline/kept-edits.js';
import { YjsUnacked } from '../offline/yjs-unacked.js';
import type { ConnectionContext } from './context.js';

type DocumentMessage = MessageOf<'lwwDoc' | 'op' | 'opsSync' | 'docAck' | 'yjs'>;

/** Where a connection's unacknowledged edits are kept across page loads, and under which key. */
export interface KeptEditsPlace {
  store: EditOutboxStore;
  server: string;
  room: string;
}

/** What the documents part needs beyond the context. */
export interface DocumentsOptions {
  opsSnapshotEvery: number | undefined;
  kept: KeptEditsPlace | undefined;
  /** The connection's next request id, for the kept entry's reserve. */
  nextRid(): number;
  /** A name for `slot` in the activity log. */
  nameOf(slot: number): string;
  /** An edit naming `resource` is on its way: activity in it, which keeps its lock. */
  edited(resource: string): void;
}

/**
 * The document in the room's mode, as this client mirrors it: the lww and ops mirrors, the Yjs
 * document with its sync handshake and update outbox, and the edits kept across page loads.
 */
export class Documents {
  readonly lww: LwwMirror;
  readonly ops: OpsMirror;
  private yDoc: Y.Doc | undefined;
  private ySync: YjsSyncClient | undefined;
  private readonly yOutbox: YjsOutbox;
  /** The room's opening state vector, held until admission creates the sync client that answers it. */
  private yOpening: MessageOf<'yjs'> | undefined;
  private readonly kept: KeptEdits | undefined;
  private readonly yUnacked = new YjsUnacked(() => this.kept?.changed());

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly options: DocumentsOptions,
  ) {
    this.lww = new LwwMirror({
      submit: (doc, resource, rid) => {
        options.edited(resource);
        return (
          this.refusedToViewer(rid) ??
          ctx.request('doc', (r) => ({ type: 'lwwSet', rid: r, resource, doc }), rid)
        );
      },
      pendingChanged: () => this.kept?.changed(),
      self: () => ctx.self()?.slot,
    });
    this.ops = new OpsMirror(
      {
        submit: (op, resource, rid) => {
          options.edited(resource);
          return (
            this.refusedToViewer(rid) ??
            ctx.request('doc', (r) => ({ type: 'opSubmit', rid: r, resource, op }), rid)
          );
        },
        snapshot: (seq, snapshot) => {
          if (!ctx.readOnly()) ctx.sendIfLive({ type: 'opsSnapshot', rid: 0, seq, snapshot });
        },
        isMine: (slot) => slot === ctx.self()?.slot,
        pendingChanged: () => this.kept?.changed(),
      },
      options.opsSnapshotEvery,
    );
    this.yOutbox = new YjsOutbox({ send: (m) => ctx.sendIfLive(m), nextRid: () => ctx.allocateRid() });
    this.kept = options.kept && this.keptEdits(options.kept);
  }

  /** The room's Y.Doc, created on first use. */
  get yjs(): Y.Doc {
    if (!this.yDoc) {
      this.yDoc = new Y.Doc();
      if (this.kept) this.yUnacked.watch(this.yDoc, () => !this.ctx.readOnly());
    }
    return this.yDoc;
  }

  /** The version `hello` says this client holds, in the room's mode as last known. */
  since(mode: DocMode | undefined): number {
    return mode === 'ops' ? this.ops.version : this.lww.version;
  }

  receive(m: DocumentMessage): void {
    switch (m.type) {
      case 'lwwDoc':
        // Apply first, then log: an `activity` listener sees the document it announces.
        this.lww.receive(m);
        if (m.slot !== 0)
          this.ctx.note('op', `${this.options.nameOf(m.slot)} replaced the document (v${m.version})`);
        return;
      case 'op': {
        const said = this.ops.receive(m);
        if (m.slot !== this.ctx.self()?.slot)
          this.ctx.note('op', `${this.options.nameOf(m.slot)}${said ? ` ${said}` : `: ${previewOp(m.op)}`}`);
        return;
      }
      case 'opsSync':
        this.ops.receiveSync(m);
        return;
      case 'docAck':
        if (this.yOutbox.taken(m.rid)) this.yjsSettled();
        else this.ctx.settle(m.rid, 'doc', m.version);
        return;
      case 'yjs':
        return this.yjsReceived(m);
    }
  }

  /**
   * A refusal of request `rid`, if it was a Yjs update's; false otherwise. One refused for its rate
   * is sent again, and the user need not hear of it.
   */
  refused(rid: number, error: TandemError): boolean {
    const rateLimited = error.code === ErrorCode.RateLimited;
    if (!this.yOutbox.refused(rid, rateLimited)) return false;
    if (rateLimited) this.ctx.note('error', `${error.message} (Yjs update queued again)`);
    else {
      this.ctx.note('error', error.message);
      this.ctx.emit('error', error);
    }
    return true;
  }

  /** Admitted (first time or after a reconnect): the Yjs handshake starts; pending edits go again. */
  admitted(mode: DocMode | undefined): void {
    if (mode === 'yjs' && this.ctx.readOnly() && this.yUnacked.pending) {
      // Kept from when this user could edit: a viewer's handshake sends nothing, so they would
      // wait forever. (Kept lww and ops edits go again below and fail with ReadOnlyError.)
      this.ctx.note('error', new ReadOnlyError('edit its document').message);
      this.yUnacked.settled();
    }
    if (mode === 'yjs') {
      this.ySync?.destroy();
      this.ySync = new YjsSyncClient(this.yjs, (m) => this.yOutbox.send(m), {
        nextRid: () => this.ctx.allocateRid(),
        readOnly: () => this.ctx.readOnly(),
        unsent: () => {
          const error = new ReadOnlyError('edit its document');
          this.ctx.note('error', `${error.message} (local Yjs change not sent)`);
          this.ctx.emit('error', error);
        },
      });
      const opening = this.yOpening;
      this.yOpening = undefined;
      if (opening) this.ySync.receive(opening);
    }
    this.lww.resubmitPending();
    this.ops.resubmitPending();
  }

  /**
   * A viewer's edit is not sent, nor kept for later: it fails at once, and the mirror drops it
   * (the document shows the room's again).
   */
  private refusedToViewer(rid: number | undefined): { rid: number; done: Promise<never> } | undefined {
    if (!this.ctx.readOnly()) return undefined;
    return { rid: rid ?? 0, done: Promise.reject(new ReadOnlyError('edit its document')) };
  }

  /** The connection dropped: the Yjs handshake starts over on the next one. */
  connectionLost(): void {
    this.ySync?.destroy();
    this.ySync = undefined;
    this.yOpening = undefined;
    this.yOutbox.reset();
  }

  /** Left for good: the kept entry is let go (its edits stay stored for the next connection). */
  left(): void {
    this.kept?.close();
    this.ySync?.destroy();
    this.yOutbox.reset();
  }

  /**
   * Before the first `hello`: claims kept edits to adopt. Resolves with the client id to connect
   * under; `reserve` gets the request id the adopted entry's client goes on from. Undefined when no
   * edits are kept: the connection goes on under its own id.
   */
  adopt(clientId: string, reserve: (nextRid: number) => void): Promise<string> | undefined {
    return this.kept && this.adoptFrom(this.kept, clientId, reserve);
  }

  /** The room named the user: true when the adopted entry is another user's (start again). */
  welcomed(userId: string): boolean {
    return this.kept?.welcomed(userId) ?? false;
  }

  /** Starts over under `clientId`, this connection's own; resolves with the id to use. */
  restart(clientId: string): Promise<string> {
    return this.kept ? this.kept.restart(clientId) : Promise.resolve(clientId);
  }

  /** Request id `rid` was spent: the kept entry's reserve must stay above it. */
  ridUsed(rid: number): void {
    this.kept?.ridUsed(rid);
  }

  /**
   * The room's state vector comes in the admission snapshot, before `admitted` makes this
   * connection live: it is held until then, or the handshake would never start.
   */
  private yjsReceived(m: MessageOf<'yjs'>): void {
    const answered = m.step === 'diff' && m.rid !== 0 && this.yOutbox.taken(m.rid);
    if (this.ySync) this.ySync.receive(m);
    else if (m.step === 'state-vector') this.yOpening = m;
    if (answered) this.yjsSettled();
  }

  /** Once the room has taken everything sent since the handshake, no local Yjs change is unacknowledged. */
  private yjsSettled(): void {
    if (this.ySync?.synced && this.yOutbox.idle) this.yUnacked.settled();
  }

  private async adoptFrom(
    kept: KeptEdits,
    clientId: string,
    reserve: (nextRid: number) => void,
  ): Promise<string> {
    const adopted = await kept.prepare(clientId);
    if (adopted.nextRid !== undefined) {
      reserve(adopted.nextRid);
      // Edits made before the claim have sent nothing yet: they go under rids above the adopted ones.
      const next = () => this.ctx.allocateRid();
      this.lww.renumber(next);
      this.ops.renumber(next);
    }
    kept.changed();
    return adopted.clientId;
  }

  private keptEdits({ store, server, room }: KeptEditsPlace): KeptEdits {
    return new KeptEdits(store, server, room, {
      unacknowledged: () => ({
        ops: this.ops.unacknowledged,
        ...(this.lww.unacknowledged ? { lww: this.lww.unacknowledged } : {}),
        ...(this.yUnacked.pending ? { yjs: this.yUnacked.pending } : {}),
      }),
      restore: (edits) => {
        if (edits.lww) this.lww.restore(edits.lww);
        this.ops.restore(edits.ops);
        if (edits.yjs) this.yUnacked.restore(this.yjs, edits.yjs);
      },
      nextRid: () => this.options.nextRid(),
      note: (message) => this.ctx.note('status', message),
    });
  }
}

function previewOp(bytes: Uint8Array): string {
  const envelope = decodeJson(bytes) as { o?: unknown } | undefined;
  const text = JSON.stringify(envelope?.o ?? envelope) ?? '';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
