import type { Clock } from '@tandem/room';

/**
 * Joins per user in a sliding window, across every room of the process. Old timestamps are pruned
 * on each check, and users with none left are forgotten, so memory follows active users only.
 */
export class JoinLimiter {
  private readonly joins = new Map<string, number[]>();
  private lastPrune: number;

  constructor(
    private readonly perWindow: number,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {
    this.lastPrune = clock.now();
  }

  /** Users remembered now: those with a join in about the last two windows. */
  get size(): number {
    return this.joins.size;
  }

  /** Records a join and says whether it is within the limit. A refused join is not recorded. */
  tryJoin(userId: string): boolean {
    const now = this.clock.now();
    // Users who never join again would otherwise stay forever (guest ids are free to mint); one
    // sweep per window keeps the map to the users of the last two windows at O(1) amortised cost.
    if (now - this.lastPrune >= this.windowMs) this.prune();
    const recent = (this.joins.get(userId) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.perWindow) {
      this.joins.set(userId, recent);
      return false;
    }
    recent.push(now);
    this.joins.set(userId, recent);
    return true;
  }

  /** Drops users whose window is empty. */
  prune(): void {
    const now = this.clock.now();
    this.lastPrune = now;
    for (const [user, times] of this.joins) {
      if (times.every((t) => now - t >= this.windowMs)) this.joins.delete(user);
    }
  }
}
