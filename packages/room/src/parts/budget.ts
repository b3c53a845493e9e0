import type { MessageName } from '@tandem/protocol';
import type { BudgetKind, RoomLimits } from '../options.js';

const KIND_OF: Partial<Record<MessageName, BudgetKind>> = {
  lwwSet: 'doc',
  opSubmit: 'doc',
  opsSnapshot: 'doc',
  yjs: 'doc',
  cursor2d: 'cursor',
  cursor3d: 'cursor',
  selection: 'cursor',
  cursorClear: 'cursor',
  chatSend: 'chat',
  presenceSet: 'presence',
  awareness: 'presence',
  visibility: 'presence',
};

/** The budget a client message is charged to; everything not listed is `control`. */
export function budgetKindOf(type: MessageName): BudgetKind {
  return KIND_OF[type] ?? 'control';
}

/** What to do with one message against its budget. */
export type BudgetVerdict = 'ok' | 'drop' | 'drop-and-tell' | 'flood';

const SECOND = 1000;

/**
 * One token bucket (capacity = one second's worth, so a burst of `rate` passes) plus flood
 * detection over aligned one-second windows: `floodSeconds` consecutive windows with more than
 * `floodFactor × rate` attempts mean the connection is flooding, whatever was dropped. Also used
 * by placements for their own message budgets (the server's signaling).
 */
export class RateBucket {
  private tokens: number;
  private refilledAt: number;
  private toldAt = Number.NEGATIVE_INFINITY;
  private windowStart: number;
  private windowCount = 0;
  private floodedWindows = 0;

  constructor(
    private readonly rate: number,
    private readonly floodFactor: number,
    private readonly floodSeconds: number,
    now: number,
  ) {
    this.tokens = rate;
    this.refilledAt = now;
    this.windowStart = alignedSecond(now);
  }

  take(now: number): BudgetVerdict {
    if (this.countAttempt(now)) return 'flood';
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.refilledAt) * this.rate) / SECOND);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    if (now - this.toldAt >= SECOND) {
      this.toldAt = now;
      return 'drop-and-tell';
    }
    return 'drop';
  }

  /** True once the current window completes a flood streak. */
  private countAttempt(now: number): boolean {
    const window = alignedSecond(now);
    if (window !== this.windowStart) {
      const consecutive = window === this.windowStart + SECOND;
      const wasFlooded = this.windowCount > this.floodFactor * this.rate;
      this.floodedWindows = consecutive && wasFlooded ? this.floodedWindows + 1 : 0;
      this.windowStart = window;
      this.windowCount = 0;
    }
    this.windowCount++;
    return this.windowCount > this.floodFactor * this.rate && this.floodedWindows + 1 >= this.floodSeconds;
  }
}

function alignedSecond(now: number): number {
  return Math.floor(now / SECOND) * SECOND;
}

/** A connection's budgets, one bucket per kind, created on first use. */
export class ConnectionBudgets {
  private readonly buckets = new Map<BudgetKind, RateBucket>();

  constructor(private readonly limits: RoomLimits) {}

  take(kind: BudgetKind, now: number): BudgetVerdict {
    let bucket = this.buckets.get(kind);
    if (!bucket) {
      bucket = new RateBucket(
        this.limits.budgets[kind],
        this.limits.floodFactor,
        this.limits.floodSeconds,
        now,
      );
      this.buckets.set(kind, bucket);
    }
    return bucket.take(now);
  }
}
