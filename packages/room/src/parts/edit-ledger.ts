import type { ErrorCode } from '@tandem/protocol';
import { copyClient, type RoomWrite, type StoredClient } from '../storage.js';

/** What became of an edit the room has seen before. */
export type EarlierEdit =
  /** Not seen: apply it. */
  | { readonly kind: 'new' }
  | { readonly kind: 'applied'; readonly version: number }
  | { readonly kind: 'refused'; readonly code: ErrorCode }
  /** Handled, but too long ago to know how: it must not be applied again. */
  | { readonly kind: 'forgotten' };

/** A client id: what `hello.clientId` may hold (empty: the client asks for no retry identity). */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The key a client's edits are remembered under: its id within its verified user, so one user can
 * never answer for, or shadow, another user's client.
 */
export function retryKey(userId: string, clientId: string): string {
  return `${clientId} ${userId}`;
}

/**
 * Every edit has an identity: the client's id and the request id it gave the edit, which the SDK
 * keeps across reconnects. The ledger remembers, per client, the latest edits and what became of
 * each, and is stored with the room (written in the same batch as the edits it describes), so a
 * retry after a lost ack, a compaction of the ops log or a restart is answered with the original
 * outcome instead of being applied twice.
 *
 * Request ids only grow within a client, so an id older than every edit in the window is a retry of
 * one handled long ago. Inside the window only the ids it holds were handled: a frame can be lost
 * while later ones arrive (a connection carried between servers), and its edit, sent again, is new.
 */
export class EditLedger {
  private readonly clients = new Map<string, StoredClient>();
  private readonly dirty = new Set<string>();
  private readonly forgotten = new Set<string>();

  constructor(
    stored: readonly StoredClient[],
    private readonly limits: { readonly maxRetryClients: number; readonly retryWindow: number },
  ) {
    // Oldest first, so the map's order is the order of last activity and eviction takes the front.
    for (const c of [...stored].sort((a, b) => a.at - b.at)) this.clients.set(c.key, c);
  }

  /** What became of edit `rid` from the client `key`, if the room has seen it. */
  lookup(key: string, rid: number): EarlierEdit {
    const client = this.clients.get(key);
    if (!client || rid > client.lastRid) return { kind: 'new' };
    const outcome = client.outcomes.find(([r]) => r === rid);
    if (!outcome) {
      // The window holds every edit handled since its oldest: an id after that one and not in it
      // was never handled (lost on its way, say in a forwarded stream, while later ones arrived),
      // so it is new. Only an id from before the window is ambiguous, and taken as handled.
      const oldest = client.outcomes[0]?.[0];
      return oldest !== undefined && rid > oldest ? { kind: 'new' } : { kind: 'forgotten' };
    }
    const result = outcome[1];
    return result >= 0
      ? { kind: 'applied', version: result }
      : { kind: 'refused', code: -result as ErrorCode };
  }

  /** Records what became of a new edit: applied at `version`, or refused with `code`. */
  record(key: string, rid: number, outcome: { version: number } | { code: ErrorCode }, now: number): void {
    const result = 'version' in outcome ? outcome.version : -outcome.code;
    const previous = this.clients.get(key);
    const outcomes = previous ? previous.outcomes : [];
    outcomes.push([rid, result]);
    if (outcomes.length > this.limits.retryWindow)
      outcomes.splice(0, outcomes.length - this.limits.retryWindow);
    const client: StoredClient = { key, lastRid: Math.max(rid, previous?.lastRid ?? 0), outcomes, at: now };
    // Re-inserted, so the map stays in order of last activity.
    this.clients.delete(key);
    this.clients.set(key, client);
    this.dirty.add(key);
    this.forgotten.delete(key);
    while (this.clients.size > this.limits.maxRetryClients) {
      const oldest = this.clients.keys().next().value as string;
      this.clients.delete(oldest);
      this.dirty.delete(oldest);
      this.forgotten.add(oldest);
    }
  }

  /** True when records changed since the last {@link takeWrites}. */
  get changed(): boolean {
    return this.dirty.size > 0 || this.forgotten.size > 0;
  }

  /** The writes that store what changed since the last call: one per client, however many edits. */
  takeWrites(): RoomWrite[] {
    const writes: RoomWrite[] = [];
    for (const key of this.forgotten) writes.push({ kind: 'forget-client', key });
    for (const key of this.dirty) {
      const c = this.clients.get(key)!;
      writes.push({ kind: 'client', client: copyClient(c) });
    }
    this.dirty.clear();
    this.forgotten.clear();
    return writes;
  }
}
