/** Opaque handle of a scheduled timer. */
export type TimerHandle = { readonly __timer: unique symbol } | number | object;

/**
 * Time as the room sees it. Injected so tests drive TTLs, timeouts and rate budgets with
 * {@link ManualClock} instead of waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin; only differences matter). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Host timer functions exist in every browser and in Node; declared module-scoped so the room
// package compiles without DOM or Node type libraries, which keeps it honest about isomorphism.
declare const setTimeout: (fn: () => void, ms: number) => TimerHandle;
declare const clearTimeout: (handle: TimerHandle) => void;

/** The real clock. Timers never hold a Node process open. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms) as { unref?: () => void };
    handle.unref?.();
    return handle as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle),
};

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. `advance` fires due timers in order of due time (ties
 * in scheduling order), with `now()` set to each timer's due time while it runs.
 *
 * @example
 * const clock = new ManualClock();
 * const room = new Room({ id: 'r1', clock });
 * clock.advance(60_000); // every 60 s lease expires now
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      const due = next;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.length;
  }
}
