import type { MessageOf } from '@tandem/protocol';
import * as Y from 'yjs';

type YjsMessage = MessageOf<'yjs'>;

/** Default of {@link YjsOutboxOptions.intervalMs}: under the room's default of 8 document edits a second. */
export const YJS_SEND_INTERVAL_MS = 150;

/** What the outbox needs from its connection. */
export interface YjsOutboxIo {
  /** Puts one message on the wire (dropped by the connection when it is not live). */
  send(message: YjsMessage): void;
  /** The connection's request id allocator, shared with its other requests. */
  nextRid(): number;
}

export interface YjsOutboxOptions {
  /** Least time between two local updates sent. Default {@link YJS_SEND_INTERVAL_MS}. */
  intervalMs?: number;
}

/**
 * Paces a connection's outgoing Yjs messages and keeps each one until the room has taken it.
 *
 * Why: an editor emits a Yjs update per keystroke, while the room drops document messages over
 * its budget and answers them with `RateLimited`. So local updates are merged and sent at most once
 * per interval, and an update or diff the room refused for its rate goes back to the queue, merged
 * into the next send instead of being lost. A refused state vector is sent again as it was (same
 * request id), so the handshake still completes.
 *
 * What is queued or unacknowledged when the connection drops is forgotten on purpose: the
 * handshake of the next connection sends the room everything it lacks.
 */
export class YjsOutbox {
  private queued: Uint8Array[] = [];
  private resend: YjsMessage[] = [];
  private readonly inFlight = new Map<number, YjsMessage>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private notBefore = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly io: YjsOutboxIo,
    options: YjsOutboxOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? YJS_SEND_INTERVAL_MS;
  }

  /** Takes a message from the sync client: handshake messages go out at once, updates are paced. */
  send(message: YjsMessage): void {
    if (message.step !== 'update') {
      this.transmit(message);
      return;
    }
    this.queued.push(message.data);
    this.schedule();
  }

  /** True when nothing is waiting to go or for the room's answer. */
  get idle(): boolean {
    return this.queued.length === 0 && this.resend.length === 0 && this.inFlight.size === 0;
  }

  /** True when `rid` was one of this outbox's messages (a `docAck`, or the diff answering a state vector). */
  taken(rid: number): boolean {
    return this.inFlight.delete(rid);
  }

  /** True when `rid` was one of this outbox's messages. A refusal for the rate is retried later. */
  refused(rid: number, rateLimited: boolean): boolean {
    const message = this.inFlight.get(rid);
    if (!message) return false;
    this.inFlight.delete(rid);
    if (!rateLimited) return true; // too large or malformed: sending it again cannot help
    if (message.step === 'state-vector') this.resend.push(message);
    else this.queued.unshift(message.data);
    // The room's budget refills over a second; back off for a few intervals.
    this.notBefore = Date.now() + this.intervalMs * 4;
    this.schedule();
    return true;
  }

  /** The connection closed: forget everything (the next handshake covers it). */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = [];
    this.resend = [];
    this.inFlight.clear();
    this.notBefore = 0;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.notBefore - Date.now()));
  }

  private flush(): void {
    this.timer = undefined;
    for (const message of this.resend.splice(0)) this.transmit(message);
    if (this.queued.length === 0) return;
    const data = this.queued.length === 1 ? this.queued[0]! : Y.mergeUpdates(this.queued);
    this.queued = [];
    this.transmit({ type: 'yjs', step: 'update', rid: this.io.nextRid(), data });
  }

  private transmit(message: YjsMessage): void {
    this.inFlight.set(message.rid, message);
    this.notBefore = Math.max(this.notBefore, Date.now() + this.intervalMs);
    this.io.send(message);
  }
}
