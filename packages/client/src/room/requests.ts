import { TandemError } from '../errors.js';

/** What answers a request: a docAck, lockGranted or accessResult with its rid. */
export type RequestKind = 'doc' | 'lock' | 'access';

interface PendingRequest {
  resolve: (value: never) => void;
  reject: (error: TandemError) => void;
  kind: RequestKind;
}

/** Requests sent and not yet answered, by rid. */
export class PendingRequests {
  private readonly pending = new Map<number, PendingRequest>();

  /** Waits for the answer to `rid`. */
  add<T>(
    rid: number,
    kind: RequestKind,
    resolve: (value: T) => void,
    reject: (error: TandemError) => void,
  ): void {
    this.pending.set(rid, { resolve: resolve as (value: never) => void, reject, kind });
  }

  /** The room answered `rid`; an answer of another kind (a stray rid) settles nothing. */
  settle(rid: number, kind: RequestKind, value: unknown): void {
    const pending = this.pending.get(rid);
    if (!pending || pending.kind !== kind) return;
    this.pending.delete(rid);
    (pending.resolve as (v: unknown) => void)(value);
  }

  /** The room refused `rid`; false when no request of this connection went under it. */
  refused(rid: number, error: TandemError): boolean {
    const pending = this.pending.get(rid);
    if (!pending) return false;
    this.pending.delete(rid);
    pending.reject(error);
    return true;
  }

  /** The connection dropped: nothing pending will be answered on it. */
  failAll(): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(TandemError.disconnected());
  }
}
