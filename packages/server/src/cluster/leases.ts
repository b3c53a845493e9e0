import { ErrorCode } from '@tandem/protocol';
import type { Logger } from '../observability/logger.js';
import { Refusal } from '../refusal.js';
import type { HostingReservation } from '../rooms/hosting.js';
import type { OwnerClaim } from '../rooms/server-store.js';
import type { SessionClaims } from '../rooms/session-claims.js';
import type { Lease, Ownership } from './ownership.js';

/** A session this node has claimed. */
interface Held {
  generation: number;
  /** When this node last had it loaded (or claimed it). */
  seen: number;
  /**
   * The lease was lost. The session keeps its generation until its rooms here have closed, so
   * their last writes are still fenced (and refused if another server has taken the session).
   */
  lost: boolean;
  host?: string | undefined;
}

/** What the leases need of the sessions this node serves. */
export interface LiveSessions {
  /** Every session live here: rooms' sessions, and peer-to-peer sessions with their host here. */
  live(): Set<string>;
  /** The host of a session loaded here. */
  hostOf(session: string): string | undefined;
  /** Closes a session here at once: this node no longer holds its lease. */
  evict(session: string): void;
}

/**
 * The sessions this node holds the lease of: claimed when a session is first needed here, renewed
 * every round while it is live, given up a lease after it was last seen, and counted against their
 * host's hosted-session limit on every server while the lease lasts.
 */
export class Leases implements SessionClaims {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly ownership: Ownership,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** Sessions whose lease this node holds. */
  get owned(): number {
    return [...this.held.values()].filter((h) => !h.lost).length;
  }

  async claim(sessionId: string): Promise<string | undefined> {
    return this.took(sessionId, await this.ownership.claim(sessionId));
  }

  async claimAbove(sessionId: string, stored: number): Promise<string | undefined> {
    const held = this.held.get(sessionId);
    const lease = await this.ownership.claimAbove(sessionId, held?.generation, stored);
    return this.took(sessionId, lease, held?.host);
  }

  /** Records `lease` when it is this node's; else resolves to its owner. */
  private took(sessionId: string, lease: Lease, host?: string): string | undefined {
    if (lease.owner !== this.nodeId) return lease.owner;
    this.held.set(sessionId, { generation: lease.generation, seen: Date.now(), lost: false, host });
    return undefined;
  }

  claimOf(sessionId: string): OwnerClaim | undefined {
    const held = this.held.get(sessionId);
    return held && { generation: held.generation, node: this.nodeId };
  }

  async reserveHosting(userId: string, limit: number): Promise<HostingReservation> {
    // The count is Redis's, across every server, reserved atomically.
    const member = await this.ownership.reserveHosting(userId, limit);
    if (member === undefined)
      throw new Refusal(ErrorCode.HostLimit, 'you already host the most sessions allowed');
    return { release: () => this.ownership.notHosting(userId, member) };
  }

  async hosted(sessionId: string, userId: string): Promise<void> {
    const held = this.held.get(sessionId);
    if (held) held.host = userId;
    await this.ownership.hosting([{ userId, sessionId }]);
  }

  async ownedElsewhere(sessionId: string): Promise<boolean> {
    return (await this.ownerElsewhere(sessionId)) !== undefined;
  }

  async ownerElsewhere(sessionId: string): Promise<string | undefined> {
    const owner = await this.ownership.owner(sessionId);
    return owner !== null && owner !== this.nodeId ? owner : undefined;
  }

  /** The node holding `sessionId`'s lease, or null when nobody does. */
  owner(sessionId: string): Promise<string | null> {
    return this.ownership.owner(sessionId);
  }

  /** Gives up a session at once (a peer-to-peer session that ended). */
  async release(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    await this.ownership.release(sessionId);
  }

  /** Renews what this node hosts and gives up what it no longer does; evicts sessions it lost. */
  async renew(sessions: LiveSessions): Promise<void> {
    const now = Date.now();
    const live = sessions.live();
    const keep: string[] = [];
    for (const [session, held] of this.held) {
      if (held.lost) {
        // Forgotten once its rooms here have closed (their last writes carried its fence).
        if (!live.has(session)) this.held.delete(session);
        continue;
      }
      if (live.has(session)) {
        held.seen = now;
        held.host ??= sessions.hostOf(session);
      }
      // A session claimed moments ago may not be loaded yet: keep it for one lease.
      if (now - held.seen < this.leaseMs) keep.push(session);
      else {
        this.held.delete(session);
        await this.ownership.release(session);
        if (held.host) await this.ownership.notHosting(held.host, session);
      }
    }
    const lost = await this.ownership.renew(keep);
    // Hosted sessions count against their host's limit on every server while their lease lasts.
    const hosting = keep.flatMap((session) => {
      const userId = this.held.get(session)?.host;
      return userId && !lost.includes(session) ? [{ userId, sessionId: session }] : [];
    });
    await this.ownership.hosting(hosting);
    for (const session of lost) {
      const held = this.held.get(session);
      if (held) held.lost = true;
      this.logger.warn({ session }, 'lost the lease of a session; closing it here');
      sessions.evict(session);
    }
  }

  /** Leases not renewed for a whole lease may already be someone else's: stop serving them. */
  loseAll(sessions: LiveSessions): void {
    for (const held of this.held.values()) held.lost = true;
    for (const session of sessions.live()) sessions.evict(session);
  }

  /** Gives up every lease (the rooms here have closed). */
  async releaseAll(): Promise<void> {
    for (const session of this.held.keys()) await this.ownership.release(session);
    this.held.clear();
  }
}
