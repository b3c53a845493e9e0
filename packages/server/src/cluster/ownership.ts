import type { Redis } from 'ioredis';

// A lease's value is "<node> <generation>". Claiming takes the next generation from one counter,
// so every claim of a session carries a larger number than the one before it: the store refuses
// writes from an owner whose generation has been passed (see `fence` in ServerStore).
const CLAIM = `local v = redis.call('get', KEYS[1])
if v then return v end
v = ARGV[1] .. ' ' .. redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], v, 'PX', ARGV[2])
return v`;
// Claims again, above `stored`, a session the store has seen a later generation of than this node's
// claim (Redis restarted empty, its counter starting again below what the store holds): only when
// the lease is still that claim, or free. The counter is raised past `stored` first, so the new
// generation fences off every earlier owner.
const CLAIM_ABOVE = `local v = redis.call('get', KEYS[1])
if v and v ~= ARGV[1] .. ' ' .. ARGV[2] then return v end
if tonumber(redis.call('get', KEYS[2]) or '0') < tonumber(ARGV[3]) then redis.call('set', KEYS[2], ARGV[3]) end
v = ARGV[1] .. ' ' .. redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], v, 'PX', ARGV[4])
return v`;
// Only the holder may extend or give up a lease: compare (the node part of the value) and act in
// one step.
const RENEW = `local v = redis.call('get', KEYS[1])
if not (v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. ' ') then return 0 end
return redis.call('pexpire', KEYS[1], ARGV[2])`;
const RELEASE = `local v = redis.call('get', KEYS[1])
if not (v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. ' ') then return 0 end
return redis.call('del', KEYS[1])`;

// A sliding window of one user's joins, across every server: drop entries older than the window,
// refuse when full, else record this join.
const TAKE_JOIN = `redis.call('zremrangebyscore', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[2])
return 1`;

// Counts a user's hosted sessions (and reservations) still current, and takes a place if one is free.
const RESERVE_HOSTING = `if redis.call('zcount', KEYS[1], ARGV[1], '+inf') >= tonumber(ARGV[2]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[3], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[5])
return 1`;

/** Who holds a session, and under which generation. */
export interface Lease {
  owner: string;
  generation: number;
}

function parseLease(value: string): Lease {
  const space = value.lastIndexOf(' ');
  return { owner: value.slice(0, space), generation: Number(value.slice(space + 1)) };
}

/**
 * Session ownership leases in Redis: `<prefix>:owner:<session>` holds the owning node's id and
 * expires unless the owner renews it, so the sessions of a node that dies pass to another node
 * within one lease.
 */
export class Ownership {
  /** Makes each sorted-set member this server adds unique. */
  private uniques = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly nodeId: string,
    readonly leaseMs: number,
  ) {}

  private ownerKey(sessionId: string): string {
    return `${this.prefix}:owner:${sessionId}`;
  }

  /** Takes the session if nobody holds it; resolves to its lease (this node's, or another's). */
  async claim(sessionId: string): Promise<Lease> {
    const value = (await this.redis.eval(
      CLAIM,
      2,
      this.ownerKey(sessionId),
      `${this.prefix}:generation`,
      this.nodeId,
      this.leaseMs,
    )) as string;
    return parseLease(value);
  }

  /**
   * Takes the session again under a generation above `stored`, if this node still holds it under
   * `generation` (or nobody holds it); resolves to its lease (this node's, or another's).
   */
  async claimAbove(sessionId: string, generation: number | undefined, stored: number): Promise<Lease> {
    const value = (await this.redis.eval(
      CLAIM_ABOVE,
      2,
      this.ownerKey(sessionId),
      `${this.prefix}:generation`,
      this.nodeId,
      generation ?? '',
      stored,
      this.leaseMs,
    )) as string;
    return parseLease(value);
  }

  /** The session's owner now, or null when nobody holds it. */
  async owner(sessionId: string): Promise<string | null> {
    const value = await this.redis.get(this.ownerKey(sessionId));
    return value === null ? null : parseLease(value).owner;
  }

  /**
   * Extends this node's leases; resolves to the sessions whose lease it no longer holds. Rejects
   * when Redis did not answer for every one: not knowing is not losing. A connection that drops for
   * a moment must not cost every session its clients; a node that cannot renew for a whole lease
   * stops serving its sessions on its own.
   */
  async renew(sessionIds: readonly string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.eval(RENEW, 1, this.ownerKey(id), this.nodeId, this.leaseMs);
    const results = (await pipeline.exec()) ?? [];
    return sessionIds.filter((_, i) => {
      const [error, renewed] = results[i] ?? [new Error('Redis gave no reply to a lease renewal'), 0];
      if (error) throw error;
      return renewed !== 1;
    });
  }

  /** Gives the session up, if this node holds it. */
  async release(sessionId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.ownerKey(sessionId), this.nodeId);
  }

  /**
   * Counts a join by `userId` against `limit` per `windowMs` across the cluster; false (nothing
   * counted) when the user is at the limit.
   */
  async takeJoin(userId: string, limit: number, windowMs: number): Promise<boolean> {
    const now = Date.now();
    const taken = await this.redis.eval(
      TAKE_JOIN,
      1,
      `${this.prefix}:joins:${userId}`,
      now,
      windowMs,
      limit,
      `${now}:${this.nodeId}:${this.uniques++}`,
    );
    return taken === 1;
  }

  private hostedKey(userId: string): string {
    return `${this.prefix}:hosted:${userId}`;
  }

  /** Records that `userId` hosts `sessionId` for one more lease (it lapses unless renewed). */
  async hosting(entries: readonly { userId: string; sessionId: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const until = Date.now() + this.leaseMs;
    const pipeline = this.redis.pipeline();
    for (const { userId, sessionId } of entries) {
      pipeline.zadd(this.hostedKey(userId), until, sessionId);
      pipeline.pexpire(this.hostedKey(userId), Math.max(60_000, this.leaseMs * 2));
    }
    await pipeline.exec();
  }

  /**
   * Reserves a place among `userId`'s hosted sessions (live ones and other reservations, on every
   * server) if fewer than `limit` are taken; resolves to the reservation's member, or undefined.
   * A reservation lapses by itself after a minute should its server die before releasing it.
   */
  async reserveHosting(userId: string, limit: number): Promise<string | undefined> {
    const now = Date.now();
    const member = `pending:${this.nodeId}:${this.uniques++}`;
    const taken = await this.redis.eval(
      RESERVE_HOSTING,
      1,
      this.hostedKey(userId),
      now,
      limit,
      now + 60_000,
      member,
      Math.max(60_000, this.leaseMs * 2),
    );
    return taken === 1 ? member : undefined;
  }

  /** `userId` no longer hosts `sessionId` (it was unloaded). */
  async notHosting(userId: string, sessionId: string): Promise<void> {
    await this.redis.zrem(this.hostedKey(userId), sessionId);
  }
}
