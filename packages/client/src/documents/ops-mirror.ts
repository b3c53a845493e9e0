import type { MessageOf } from '@tandem/protocol';
import { TandemError } from '../errors.js';
import type { StoredOp } from '../offline/edit-outbox.js';
import { decodeJson, encodeJson } from './json.js';

/** An operation as the room sequenced it. */
export interface SequencedOp<O = unknown> {
  seq: number;
  /** Author's slot at the time. */
  slot: number;
  resource: string;
  op: O;
  mine: boolean;
}

/** How to fold operations into the app's state. */
export interface OpsReducer<S, O> {
  initial: S;
  apply(state: S, op: O): S;
  /**
   * Optional: what another person's op did, in words, for the activity log ("changed Circle's
   * opacity"); it is prefixed with their name. `state` is the confirmed state before the op.
   * Without it, or when it returns undefined, the log shows the op's JSON, shortened.
   */
  describe?(state: S, op: O): string | undefined;
}

export interface OpsChannel {
  /** Sends an op; `rid` is given when the same op goes again, so the room knows it. */
  submit(op: Uint8Array, resource: string, rid?: number): { rid: number; done: Promise<number> };
  snapshot(seq: number, state: Uint8Array): void;
  isMine(slot: number): boolean;
  /** The unacknowledged ops changed (to keep them across reloads). */
  pendingChanged?(): void;
}

interface Envelope {
  /** Client-made id, unique per client: lets a reconnecting client tell whether a sent op landed. */
  i: string;
  o: unknown;
}

interface Pending {
  id: string;
  op: unknown;
  resource: string;
  /** The op's identity in the room, from its first send on. */
  rid?: number;
  /**
   * Where the room sequenced it, once this client saw it there (then the confirmed state holds it).
   * Seen is not durable: the op stays pending until the room acknowledges it.
   */
  seq?: number;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/**
 * This client's mirror of the room's operations: app-defined, applied in the room's order. With a
 * reducer, `state` is the confirmed state (every sequenced op, in order) with this client's
 * unconfirmed ops applied on top, so local edits show at once and are rebased onto whatever the
 * room ordered before them.
 *
 * On the wire each op is `{"i": <client op id>, "o": <app op>}` (UTF-8 JSON), so after a reconnect
 * the client resends exactly the ops the room never sequenced.
 */
export class OpsMirror<S = unknown, O = unknown> {
  private seq = 0;
  private confirmed: S | undefined;
  private reducer: OpsReducer<S, O> | undefined;
  /** Until a reducer is set: the last snapshot and the ops after it, to fold in when it is. */
  private unfolded: { base: unknown; ops: O[] } = { base: undefined, ops: [] };
  private pending: Pending[] = [];
  private readonly listeners = new Set<(op: SequencedOp<O>) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly idPrefix = Math.random().toString(36).slice(2, 10);
  private nextId = 1;
  private sinceSnapshot = 0;

  constructor(
    private readonly channel: OpsChannel,
    /** Offer the room a snapshot after this many ops (needs a reducer). Default 500. */
    private readonly snapshotEvery = 500,
  ) {}

  /**
   * Folds ops into state with `reducer`. Can be called at any time: ops that arrived before the
   * first call are kept and folded in then; a later call swaps the reducer for the ops to come.
   * Returns this mirror typed by the reducer's state and op, so `state` and `submit` are typed.
   */
  use<S2 = S, O2 = O>(given: OpsReducer<S2, O2>): OpsMirror<S2, O2> {
    // The mirror holds whatever the room sends; the reducer is what gives it a type.
    const reducer = given as unknown as OpsReducer<S, O>;
    const typed = this as unknown as OpsMirror<S2, O2>;
    if (this.reducer) {
      // Already folding: the state so far stays, the new reducer applies from the next op.
      this.reducer = reducer;
      return typed;
    }
    this.reducer = reducer;
    // Ops that arrived before the reducer (e.g. the admission catch-up) are folded in now.
    let state = this.unfolded.base === undefined ? reducer.initial : (this.unfolded.base as S);
    for (const op of this.unfolded.ops) state = reducer.apply(state, op);
    this.confirmed = state;
    this.unfolded = { base: undefined, ops: [] };
    this.stateChanged();
    return typed;
  }

  /** Last sequence number applied. */
  get version(): number {
    return this.seq;
  }

  /** Confirmed state plus own ops the room has not sequenced yet (needs a reducer). */
  get state(): S {
    const r = this.requireReducer();
    return this.pending.reduce(
      (s, p) => (p.seq === undefined ? r.apply(s, p.op as O) : s),
      this.confirmed as S,
    );
  }

  /**
   * Sends an op; resolves with its sequence number once it is durable in the room (its `docAck`;
   * seeing it sequenced is not enough, as a room that fails before storing it loses it). An op made
   * while disconnected, or not acknowledged when the connection dropped, is sent again on reconnect
   * under its first request id: the room answers one it already holds instead of sequencing it twice.
   */
  submit(op: O, options: { resource?: string } = {}): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const pending: Pending = {
        id: `${this.idPrefix}.${this.nextId++}`,
        op,
        resource: options.resource ?? '',
        resolve,
        reject,
      };
      this.pending.push(pending);
      this.stateChanged();
      this.send(pending);
      this.channel.pendingChanged?.();
    });
  }

  /** Every sequenced op, in order, as it arrives. */
  subscribe(listener: (op: SequencedOp<O>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called whenever `state` may have changed. */
  subscribeState(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** @internal */
  receiveSync(message: MessageOf<'opsSync'>): void {
    if (message.base.length > 0 || message.baseSeq !== this.seq) {
      this.seq = message.baseSeq;
      // A new base carries no op ids: whether it holds an op of ours is known again only from the
      // room's answer to the resend (or the op itself among the ops that follow).
      for (const p of this.pending) p.seq = undefined;
      const base = decodeJson(message.base) as S | undefined;
      if (this.reducer) this.confirmed = base ?? this.reducer.initial;
      else this.unfolded = { base, ops: [] };
    }
    for (const o of message.ops) this.receive(o, false);
    this.stateChanged();
  }

  /** @internal Applies a sequenced op; returns the reducer's description of it, if any. */
  receive(message: Omit<MessageOf<'op'>, 'type'>, notify = true): string | undefined {
    if (message.seq <= this.seq) return undefined;
    this.seq = message.seq;
    const envelope = decodeJson(message.op) as Envelope | undefined;
    const op = (envelope && typeof envelope === 'object' && 'o' in envelope ? envelope.o : undefined) as O;
    const landed = envelope?.i ? this.pending.find((p) => p.id === envelope.i) : undefined;
    if (landed) landed.seq = message.seq;
    let described: string | undefined;
    if (op !== undefined) {
      if (this.reducer) {
        described = describeSafely(this.reducer, this.confirmed as S, op);
        this.confirmed = this.reducer.apply(this.confirmed as S, op);
      } else this.unfolded.ops.push(op);
    }
    const sequenced: SequencedOp<O> = {
      seq: message.seq,
      slot: message.slot,
      resource: message.resource,
      op,
      mine: landed !== undefined || this.channel.isMine(message.slot),
    };
    for (const l of [...this.listeners]) l(sequenced);
    if (notify) this.stateChanged();
    if (this.reducer && ++this.sinceSnapshot >= this.snapshotEvery && sequenced.mine) {
      this.sinceSnapshot = 0;
      this.channel.snapshot(this.seq, encodeJson(this.confirmed));
    }
    return described;
  }

  /** @internal The unacknowledged ops, in order, with the request ids they go under. */
  get unacknowledged(): StoredOp[] {
    return this.pending.flatMap((p) =>
      p.rid === undefined ? [] : [{ id: p.id, op: p.op, resource: p.resource, rid: p.rid }],
    );
  }

  /**
   * @internal Ops kept from before a reload go back in, ahead of this page's own (they were made
   * first, under lower request ids). Nobody awaits them any more; they are sent with the next
   * admission, unless its catch-up shows they landed.
   */
  restore(ops: readonly StoredOp[]): void {
    const known = new Set(this.pending.map((p) => p.id));
    const restored = ops
      .filter((o) => !known.has(o.id))
      .map((o): Pending => ({ ...o, resolve: () => undefined, reject: () => undefined }));
    if (restored.length === 0) return;
    this.pending = [...restored, ...this.pending];
    this.stateChanged();
  }

  /** @internal Ops never sent take new request ids, in order (their first ones were never used). */
  renumber(next: () => number): void {
    for (const p of this.pending) p.rid = next();
  }

  /**
   * @internal After a reconnect's catch-up: resend everything not yet acknowledged, sequenced or not.
   * An op the room saw but lost before storing it is sequenced again; one it stored is answered.
   */
  resubmitPending(): void {
    for (const p of this.pending) this.send(p);
  }

  private send(p: Pending): void {
    const sent = this.channel.submit(encodeJson({ i: p.id, o: p.op } satisfies Envelope), p.resource, p.rid);
    p.rid = sent.rid;
    sent.done.then(
      (seq) => this.acknowledged(p, seq),
      (error: unknown) => {
        // A dropped connection keeps the op pending: it is sent again after the reconnect.
        if (error instanceof TandemError && error.code === 0) return;
        this.pending = this.pending.filter((q) => q !== p);
        this.stateChanged();
        this.channel.pendingChanged?.();
        p.reject(error);
      },
    );
  }

  /**
   * The room acknowledged `p` at `seq`. A resent op the room had already sequenced is answered
   * without being sequenced again; the confirmed state holds it (from the log or a snapshot that
   * compacted it), so it stops being applied on top.
   */
  private acknowledged(p: Pending, seq: number): void {
    if (!this.pending.includes(p)) return;
    this.pending = this.pending.filter((q) => q !== p);
    if (p.seq === undefined) this.stateChanged();
    this.channel.pendingChanged?.();
    p.resolve(seq);
  }

  private requireReducer(): OpsReducer<S, O> {
    if (!this.reducer) throw new Error('call ops.use({ initial, apply }) before reading ops.state');
    return this.reducer;
  }

  private stateChanged(): void {
    for (const l of [...this.stateListeners]) l();
  }
}

/** An app's describer runs on other people's input: a throw must not stop the op from applying. */
function describeSafely<S, O>(reducer: OpsReducer<S, O>, state: S, op: O): string | undefined {
  try {
    return reducer.describe?.(state, op);
  } catch {
    return undefined;
  }
}
