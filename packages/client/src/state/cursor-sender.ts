import type { ClientMessage } from '@tandem/protocol';
import type { Cursor } from '../types.js';

/**
 * Sends the local cursor at most `rate` times a second: the latest position wins, and the last
 * one is always sent (trailing edge), so a cursor that stops moving is shown where it stopped.
 */
export class CursorSender {
  private latest: Cursor | undefined;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly intervalMs: number;

  constructor(
    rate: number,
    private readonly send: (message: ClientMessage) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.intervalMs = 1000 / rate;
  }

  update(cursor: Cursor): void {
    this.latest = cursor;
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** The last position given, to restore after a reconnect. */
  get current(): Cursor | undefined {
    return this.latest;
  }

  clear(): void {
    this.cancel();
    this.latest = undefined;
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const c = this.latest;
    if (!c) return;
    this.lastSentAt = this.now();
    this.send(toMessage(c));
  }
}

function toMessage(c: Cursor): ClientMessage {
  switch (c.kind) {
    case '2d':
      return { type: 'cursor2d', x: c.x, y: c.y };
    case '3d':
      return { type: 'cursor3d', x: c.x, y: c.y, z: c.z };
    case 'selection':
      return { type: 'selection', element: c.element, anchor: c.anchor, head: c.head };
  }
}
