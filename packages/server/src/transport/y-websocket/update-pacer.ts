import * as Y from 'yjs';

/** Least time between two updates passed to the room: under its default of 8 document edits a second. */
export const Y_UPDATE_INTERVAL_MS = 150;

/**
 * Merges a y-websocket client's updates and hands them on at most once per interval. Why: the
 * provider sends an update per keystroke, while the room drops document messages over the
 * connection's budget; merged, a fast typist stays within it. What is queued when the connection
 * drops is forgotten on purpose: the next handshake sends the room everything it lacks.
 */
export class UpdatePacer {
  private queued: Uint8Array[] = [];
  private timer: NodeJS.Timeout | undefined;
  private notBefore = 0;

  constructor(
    private readonly send: (update: Uint8Array) => void,
    private readonly intervalMs = Y_UPDATE_INTERVAL_MS,
  ) {}

  /** Queues `update`; it goes with the next send. */
  push(update: Uint8Array): void {
    this.queued.push(update);
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
    const update = this.queued.length === 1 ? this.queued[0]! : Y.mergeUpdates(this.queued);
    this.queued = [];
    this.notBefore = Date.now() + this.intervalMs;
    this.send(update);
  }
}
