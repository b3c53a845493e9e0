import type { Clock } from '@tandem/room';

/**
 * Events per key in a sliding window, across every room of the process: joins per user; unknown
 * join codes, guest tokens and sessions created per client address. Old timestamps are pruned on
 * each check, and keys with none left are forgotten, so memory follows active keys only.
 */
export class WindowLimiter {
  private readonly events = new Map<string, number[]>();
  private lastPrune: number;

  constructor(
    private readonly perWindow: number,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {
    this.lastPrune = clock.now();
  }

  /** Keys remembered now: those with an event in about the last two windows. */
  get size(): number {
    return this.events.size;
  }

  /** Records an event and says whether it is within the limit. A refused event is not recorded. */
  tryTake(key: string): boolean {
    const recent = this.recent(key);
    if (recent.length >= this.perWindow) return false;
    recent.push(this.clock.now());
    return true;
  }

  /** Whether `key` has used its whole allowance for now; records nothing. */
  exhausted(key: string): boolean {
    return this.recent(key).length >= this.perWindow;
  }

  /** Milliseconds until `key` may take an event again: 0 when it may now. */
  retryAfterMs(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.perWindow) return 0;
    return recent[recent.length - this.perWindow]! + this.windowMs - this.clock.now();
  }

  /** The key's events within the window, kept as its list. */
  private recent(key: string): number[] {
    const now = this.clock.now();
    // Keys that never come back would otherwise stay forever (guest ids are free to mint); one
    // sweep per window keeps the map to the keys of the last two windows at O(1) amortised cost.
    if (now - this.lastPrune >= this.windowMs) this.prune();
    const recent = (this.events.get(key) ?? []).filter((t) => now - t < this.windowMs);
    this.events.set(key, recent);
    return recent;
  }

  /** Drops keys whose window is empty. */
  prune(): void {
    const now = this.clock.now();
    this.lastPrune = now;
    for (const [key, times] of this.events) {
      if (times.every((t) => now - t >= this.windowMs)) this.events.delete(key);
    }
  }
}
