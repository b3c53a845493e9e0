/** Least time between two document updates passed to the room: under its default of 8 edits a second. */
export const Y_UPDATE_INTERVAL_MS = 150;

/** Least time between two awareness updates passed to the room: under its presence budget of 15 a second. */
export const Y_AWARENESS_INTERVAL_MS = 100;

/**
 * Merges what a y-websocket client sends and hands it on at most once per interval. Why: the
 * provider sends an update per keystroke and an awareness update per caret move, while the room
 * drops messages over the connection's budgets; merged, a fast typist stays within them. What is
 * queued when the connection drops is forgotten on purpose: the next handshake sends the room
 * everything it lacks, and the client announces its awareness again.
 */
export class Pacer<T> {
  private queued: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private notBefore = 0;

  /**
   * @param merge makes one item of those queued (called with at least two).
   * @param send hands the merged item on.
   */
  constructor(
    private readonly merge: (queued: T[]) => T,
    private readonly send: (item: T) => void,
    private readonly intervalMs: number,
  ) {}

  /** Queues `item`; it goes with the next send. */
  push(item: T): void {
    this.queued.push(item);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.notBefore - Date.now()));
  }

  /** Drops what is queued and stops. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = [];
  }

  private flush(): void {
    this.timer = undefined;
    if (this.queued.length === 0) return;
    const item = this.queued.length === 1 ? this.queued[0]! : this.merge(this.queued);
    this.queued = [];
    this.notBefore = Date.now() + this.intervalMs;
    this.send(item);
  }
}
