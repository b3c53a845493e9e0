import type { Redis } from 'ioredis';

// Only the holder may extend or give up a lease: compare and act in one step.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Session ownership leases in Redis: `<prefix>:owner:<session>` holds the owning node's id and
 * expires unless the owner renews it, so the sessions of a node that dies pass to another node
 * within one lease. Node liveness keys (`<prefix>:alive:<node>`) work the same way, for the nodes
 * that hold connections to a room they do not own.
 */
export class Ownership {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly nodeId: string,
    readonly leaseMs: number,
  ) {}

  private ownerKey(sessionId: string): string {
    return `${this.prefix}:owner:${sessionId}`;
  }

  private aliveKey(nodeId: string): string {
    return `${this.prefix}:alive:${nodeId}`;
  }

  /** Takes the session if nobody holds it; resolves to its owner's id (this node's, or another's). */
  async claim(sessionId: string): Promise<string> {
    const key = this.ownerKey(sessionId);
    // A lease released between the two steps is simply taken on the next turn.
    for (let attempt = 0; attempt < 5; attempt++) {
      const taken = await this.redis.set(key, this.nodeId, 'PX', this.leaseMs, 'NX');
      if (taken === 'OK') return this.nodeId;
      const owner = await this.redis.get(key);
      if (owner !== null) return owner;
    }
    throw new Error(`could not claim session ${sessionId}`);
  }

  /** The session's owner now, or null when nobody holds it. */
  owner(sessionId: string): Promise<string | null> {
    return this.redis.get(this.ownerKey(sessionId));
  }

  /** Extends this node's leases; resolves to the sessions whose lease it no longer holds. */
  async renew(sessionIds: readonly string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.eval(RENEW, 1, this.ownerKey(id), this.nodeId, this.leaseMs);
    const results = (await pipeline.exec()) ?? [];
    return sessionIds.filter((_, i) => {
      const [error, renewed] = results[i] ?? [new Error('no reply'), 0];
      return error !== null || renewed !== 1;
    });
  }

  /** Gives the session up, if this node holds it. */
  async release(sessionId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.ownerKey(sessionId), this.nodeId);
  }

  /** Says this node is alive for another lease. */
  async heartbeat(): Promise<void> {
    await this.redis.set(this.aliveKey(this.nodeId), '1', 'PX', this.leaseMs);
  }

  /** Of `nodeIds`, those not alive (their liveness key has expired or was removed). */
  async dead(nodeIds: readonly string[]): Promise<string[]> {
    if (nodeIds.length === 0) return [];
    const values = await this.redis.mget(...nodeIds.map((id) => this.aliveKey(id)));
    return nodeIds.filter((_, i) => values[i] === null);
  }

  /** Says this node is gone, so others need not wait for its key to expire. */
  async retire(): Promise<void> {
    await this.redis.del(this.aliveKey(this.nodeId));
  }
}
