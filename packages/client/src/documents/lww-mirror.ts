import type { MessageOf } from '@tandem/protocol';
import { TandemError } from '../errors.js';
import type { StoredLwwWrite } from '../offline/edit-outbox.js';
import { decodeJson, encodeJson } from './json.js';

/** What the lww document needs from its room connection. */
export interface LwwChannel {
  /**
   * Sends a whole document; resolves with the room's version once it is durable. `rid` is given
   * when the same write goes again, so the room knows it (a lost ack is answered, not replayed).
   */
  submit(doc: Uint8Array, resource: string, rid?: number): { rid: number; done: Promise<number> };
  /** The unacknowledged write was made, replaced, acknowledged or refused (to keep it across reloads). */
  pendingChanged?(): void;
  /** This participant's slot, the author of its acknowledged writes. */
  self?(): number | undefined;
}

/**
 * This client's mirror of the room's whole document (last-write-wins). A local `set` shows at
 * once; the room's order decides what everyone ends with: while a write of ours is unacknowledged,
 * documents from others are held, then kept only if the room numbered them after ours. Our own
 * writes are never echoed back to us. After a reconnect, a write that was never acknowledged is
 * sent again under its first request id: if it had landed, the room answers with the version it
 * got instead of writing it over whatever came after.
 *
 * @example
 * room.lww.subscribe(() => render(room.lww.json<Lesson>()));
 * await room.lww.set({ title: 'Fractions' }, { resource: 'lesson' });
 */
export class LwwMirror {
  private confirmed: Confirmed = { version: 0, doc: new Uint8Array(0), writer: 0 };
  private pending: PendingWrite | undefined;
  private held: Confirmed | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly channel: LwwChannel) {}

  /** The document's bytes as this client shows them (own unacknowledged write included). */
  get bytes(): Uint8Array {
    return this.pending?.doc ?? this.confirmed.doc;
  }

  /** The document parsed as JSON (undefined when empty or not JSON). */
  json<T = unknown>(): T | undefined {
    return decodeJson(this.bytes) as T | undefined;
  }

  /** The room's version this client holds. */
  get version(): number {
    return this.confirmed.version;
  }

  /**
   * Who wrote the version this client holds: a participant's slot (this client's own after its
   * write is acknowledged), or 0 when the room loaded it or the server's API replaced it. Read it
   * in a `subscribe` listener to tell another participant's change from one's own.
   */
  get writer(): number {
    return this.confirmed.writer;
  }

  /**
   * Replaces the whole document. `resource` names the locked resource the edit touches. Resolves
   * with the room's version once durable; a write made while disconnected is sent on reconnect and
   * resolves then. A newer `set` supersedes an unsent one.
   */
  set(value: Uint8Array | unknown, options: { resource?: string } = {}): Promise<number> {
    const doc = value instanceof Uint8Array ? value : encodeJson(value);
    return new Promise<number>((resolve, reject) => {
      const superseded = this.pending;
      this.pending = { doc, resource: options.resource ?? '', resolve, reject, attempt: 0 };
      this.changed();
      this.dispatch(this.pending);
      // The older write never reached the room: it resolves with whatever version the newer gets.
      if (superseded) this.pending.superseded = superseded;
      this.channel.pendingChanged?.();
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal A document from the room. */
  receive(message: MessageOf<'lwwDoc'>): void {
    if (this.pending) {
      if (!this.held || message.version > this.held.version)
        this.held = { version: message.version, doc: message.doc, writer: message.slot };
      return;
    }
    // Not "newer only": after a crash the room may resend the whole document under a lower number.
    this.confirmed = { version: message.version, doc: message.doc, writer: message.slot };
    this.changed();
  }

  /** @internal The unacknowledged write, with the request id it goes under. */
  get unacknowledged(): StoredLwwWrite | undefined {
    const p = this.pending;
    return p?.rid === undefined ? undefined : { doc: p.doc, resource: p.resource, rid: p.rid };
  }

  /**
   * @internal A write kept from before a reload goes back in, unless a newer one of this page
   * supersedes it. Nobody awaits it any more; it is sent with the next admission under its rid.
   */
  restore(write: StoredLwwWrite): void {
    if (this.pending) return;
    this.pending = { ...write, resolve: () => undefined, reject: () => undefined, attempt: 0 };
    this.changed();
  }

  /** @internal A write never sent takes a new request id (its first one was never used). */
  renumber(next: () => number): void {
    if (this.pending) this.pending.rid = next();
  }

  /** @internal Back online: an unacknowledged write is sent again. */
  resubmitPending(): void {
    if (this.pending) this.dispatch(this.pending);
  }

  private dispatch(write: PendingWrite): void {
    const attempt = ++write.attempt;
    const sent = this.channel.submit(write.doc, write.resource, write.rid);
    write.rid = sent.rid;
    sent.done.then(
      (version) => {
        if (this.pending !== write || write.attempt !== attempt) return;
        this.settle(version, write.doc, this.channel.self?.() ?? 0);
        resolveChain(write, version);
      },
      (error: unknown) => {
        if (this.pending !== write || write.attempt !== attempt) return;
        // A dropped connection keeps the write pending: it is sent again after the reconnect.
        if (error instanceof TandemError && error.code === 0) return;
        this.pending = undefined;
        this.applyHeld();
        this.changed();
        this.channel.pendingChanged?.();
        rejectChain(write, error);
      },
    );
  }

  private settle(version: number, doc: Uint8Array, writer: number): void {
    const shown = this.bytes;
    this.pending = undefined;
    if (version > this.confirmed.version) this.confirmed = { version, doc, writer };
    this.applyHeld();
    // The optimistic write already showed this document; only a newer one from others is news.
    if (this.bytes !== shown) this.changed();
    this.channel.pendingChanged?.();
  }

  private applyHeld(): void {
    const h = this.held;
    this.held = undefined;
    if (h && h.version > this.confirmed.version) this.confirmed = h;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** A version of the room's document, and who wrote it. */
interface Confirmed {
  version: number;
  doc: Uint8Array;
  /** The author's slot; 0 for the room or the server's API. */
  writer: number;
}

interface PendingWrite {
  doc: Uint8Array;
  resource: string;
  /** The write's identity in the room, from its first send on. */
  rid?: number;
  resolve: (version: number) => void;
  reject: (error: unknown) => void;
  attempt: number;
  /** Writes this one superseded before they were acknowledged. */
  superseded?: PendingWrite;
}

function resolveChain(write: PendingWrite | undefined, version: number): void {
  for (let w = write; w; w = w.superseded) w.resolve(version);
}

function rejectChain(write: PendingWrite | undefined, error: unknown): void {
  for (let w = write; w; w = w.superseded) w.reject(error);
}
