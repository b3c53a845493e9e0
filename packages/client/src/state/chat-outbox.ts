import type { TandemError } from '../errors.js';

interface PendingChat<T> {
  readonly body: Uint8Array;
  readonly resolve: (message: T) => void;
  readonly reject: (error: TandemError) => void;
}

/**
 * Chat messages sent and not yet echoed by the room. A connection that drops before the echo keeps
 * them; after the reconnect they go again under the same request id, which the room recognises, so
 * each message is posted once however often its echo is lost.
 */
export class ChatOutbox<T> {
  private readonly pending = new Map<number, PendingChat<T>>();

  constructor(private readonly send: (rid: number, body: Uint8Array) => void) {}

  /** Sends `body` as request `rid`; resolves with the room's echo. */
  add(rid: number, body: Uint8Array): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { body, resolve, reject });
      this.send(rid, body);
    });
  }

  has(rid: number): boolean {
    return this.pending.has(rid);
  }

  /** The room echoed request `rid`. */
  echoed(rid: number, message: T): void {
    const p = this.pending.get(rid);
    if (!p) return;
    this.pending.delete(rid);
    p.resolve(message);
  }

  /** The room refused request `rid`; false when it is not a chat of this outbox. */
  refused(rid: number, error: TandemError): boolean {
    const p = this.pending.get(rid);
    if (!p) return false;
    this.pending.delete(rid);
    p.reject(error);
    return true;
  }

  /** Back in the room: everything not yet echoed goes again, in the order it was first sent. */
  resend(): void {
    for (const [rid, p] of this.pending) this.send(rid, p.body);
  }

  /** The connection ended for good. */
  failAll(error: TandemError): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}
