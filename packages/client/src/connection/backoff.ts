/** Reconnect delays: exponential with full jitter, capped. */
export interface BackoffOptions {
  /** First delay ceiling, ms. Default 250. */
  baseMs?: number;
  /** Largest delay ceiling, ms. Default 30 000. */
  maxMs?: number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * "Full jitter": each delay is uniform in [0, min(max, base × 2^attempt)], which spreads a crowd
 * of clients reconnecting after a server restart instead of having them retry in lockstep.
 */
export class Backoff {
  private attempt = 0;
  private readonly base: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.base = options.baseMs ?? 250;
    this.max = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** The next delay, growing the ceiling. */
  next(): number {
    const ceiling = Math.min(this.max, this.base * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * ceiling);
  }

  /** Connected: start again from the base. */
  reset(): void {
    this.attempt = 0;
  }
}
