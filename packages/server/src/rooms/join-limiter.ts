import type { Clock } from '@tandem/room';

/**
 * Joins per user in a sliding window, across every room of the process. Old timestamps are pruned
 * on each check, and users with none left are forgotten, so memory follows active users only.
 */
export class JoinLimiter {
  private readonly joins = new Map<string, number[]>();

  constructor(
    private readonly perWindow: number,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Records a join and says whether it is within the limit. A refused join is not recorded. */
  tryJoin(userId: string): boolean {
    const now = this.clock.now();
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
    for (const [user, times] of this.joins) {
      if (times.every((t) => now - t >= this.windowMs)) this.joins.delete(user);
    }
  }
}
