import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@tandem/room';
import { WindowLimiter } from '../rooms/window-limiter.js';
import { AuthError } from './errors.js';
import { hasExpired } from './expiry.js';
import { restoreRoomGrants } from './room-claims.js';
import type { VerifiedIdentity } from './verifier.js';

/** Default lifetime of a connection ticket: 30 seconds, enough to open the socket it was asked for. */
export const DEFAULT_TICKET_TTL_SEC = 30;
/** Default tickets one user may be issued within one ticket lifetime. */
export const DEFAULT_TICKETS_PER_USER = 20;

/** 32 random bytes as base64url: 43 characters, 256 bits nobody can guess. */
const TICKET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Where tickets wait to be used: this server's memory, or Redis in a cluster (so a ticket issued by
 * one server opens a connection on another). Keys are hashes of tickets, never tickets.
 */
export interface TicketStore {
  /**
   * Keeps `value` under `key` for the ticket lifetime, unless `user` was issued the store's limit
   * of tickets within the last lifetime.
   *
   * @returns false when over the limit (nothing stored).
   */
  put(key: string, value: string, user: string): Promise<boolean>;
  /** Removes and returns what `key` holds, atomically: of concurrent takers, one at most gets it. */
  take(key: string): Promise<string | undefined>;
}

/** A user asked for more tickets than {@link DEFAULT_TICKETS_PER_USER} (or the configured limit). */
export class TicketLimitError extends Error {
  override readonly name = 'TicketLimitError';
}

/** A ticket as {@link ConnectionTickets.issue} hands it out. */
export interface IssuedTicket {
  /** Opaque, single use: `?ticket=<ticket>` on the WebSocket URL. */
  readonly ticket: string;
  /** When it stops being accepted, ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Single-use connection tickets, so bearer tokens need not travel in WebSocket URLs (which proxies
 * and access logs keep): an authenticated request exchanges its token for a random ticket bound to
 * the verified identity, and the upgrade takes the ticket once. A ticket in a log is worthless: it
 * was used, or it expires within seconds.
 */
export class ConnectionTickets {
  /**
   * @param store - Where tickets wait.
   * @param ttlMs - Lifetime of a ticket; the store must keep entries at least this long.
   * @param now - The server's time, ms since the epoch.
   */
  constructor(
    private readonly store: TicketStore,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * A ticket for `identity`, which the caller verified just now.
   *
   * @throws TicketLimitError when the user has had its share of tickets for now.
   * @throws AuthError `tickets-unavailable` when the store cannot be reached.
   */
  async issue(identity: VerifiedIdentity): Promise<IssuedTicket> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const stored = await unavailableOnFailure(
      this.store.put(keyOf(ticket), JSON.stringify({ identity, expiresAt }), identity.userId),
    );
    if (!stored) {
      throw new TicketLimitError(
        `too many connection tickets for this user in ${Math.round(this.ttlMs / 1000)} s; use the ones issued`,
      );
    }
    return { ticket, expiresAt };
  }

  /**
   * The identity a ticket was issued for; the ticket is gone from then on, on every server.
   *
   * @throws AuthError `invalid-ticket` for a malformed, unknown, used or expired ticket, `expired`
   *   when the token it was issued for has expired since, `tickets-unavailable` when the store
   *   cannot be reached.
   */
  async redeem(ticket: string): Promise<VerifiedIdentity> {
    if (!TICKET.test(ticket)) throw new AuthError('invalid-ticket', 'Connection ticket is malformed');
    const raw = await unavailableOnFailure(this.store.take(keyOf(ticket)));
    const entry = raw === undefined ? undefined : parseEntry(raw);
    if (entry === undefined || hasExpired(entry.expiresAt, this.now())) {
      throw new AuthError(
        'invalid-ticket',
        'Connection ticket is unknown, used or expired; ask for a new one (POST /tickets)',
      );
    }
    if (hasExpired(entry.identity.expiresAt, this.now())) {
      throw new AuthError('expired', 'Access token has expired');
    }
    return entry.identity;
  }
}

/**
 * Tickets in this server's memory. Every ticket lives equally long, so entries expire in the
 * order they were made: each `put` drops the expired ones from the front of the map.
 */
export class MemoryTicketStore implements TicketStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly issued: WindowLimiter;

  /**
   * @param clock - The server's clock.
   * @param ttlMs - How long an entry is kept.
   * @param perUser - Tickets one user may be issued within `ttlMs`.
   */
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    perUser: number,
  ) {
    this.issued = new WindowLimiter(perUser, clock, ttlMs);
  }

  /** Tickets waiting now (expired ones not yet dropped included). */
  get size(): number {
    return this.entries.size;
  }

  async put(key: string, value: string, user: string): Promise<boolean> {
    const now = this.clock.now();
    for (const [k, entry] of this.entries) {
      if (!hasExpired(entry.expiresAt, now)) break;
      this.entries.delete(k);
    }
    if (!this.issued.tryTake(user)) return false;
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    return true;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry === undefined || hasExpired(entry.expiresAt, this.clock.now()) ? undefined : entry.value;
  }
}

/** The store's key of a ticket: its SHA-256, so whoever reads the store cannot use what is in it. */
function keyOf(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}

async function unavailableOnFailure<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new AuthError('tickets-unavailable', 'Connection tickets cannot be checked right now; try again', {
      cause: error,
    });
  }
}

function parseEntry(raw: string): { identity: VerifiedIdentity; expiresAt: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { identity, expiresAt } = parsed as { identity?: unknown; expiresAt?: unknown };
  if (typeof expiresAt !== 'number' || typeof identity !== 'object' || identity === null) return undefined;
  const i = identity as Record<string, unknown>;
  const claims = (typeof i.claims === 'object' && i.claims !== null ? i.claims : {}) as Record<
    string,
    unknown
  >;
  if (typeof i.userId !== 'string' || typeof i.name !== 'string') return undefined;
  return {
    expiresAt,
    identity: {
      userId: i.userId,
      name: i.name,
      ...(typeof i.email === 'string' ? { email: i.email } : {}),
      expiresAt: typeof i.expiresAt === 'number' ? i.expiresAt : undefined,
      guest: i.guest === true,
      claims: {
        issuer: typeof claims.issuer === 'string' ? claims.issuer : undefined,
        role: typeof claims.role === 'string' ? claims.role : undefined,
        rooms: restoreRoomGrants(claims.rooms),
      },
    },
  };
}
