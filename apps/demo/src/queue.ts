import type { CanvasOp } from './canvas.js';

type Send = (op: CanvasOp, options?: { resource?: string }) => Promise<number>;

interface Item {
  key: string | undefined;
  op: CanvasOp;
  resource: string | undefined;
}

/**
 * Paces edits under the server's budget (8 document edits per second per connection by default):
 * at most one op per `gapMs`, and a slider dragged in between merges into the op still waiting
 * (same key: the same property set of the same target).
 */
export class OpQueue {
  private readonly items: Item[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = 0;

  constructor(
    private readonly send: Send,
    private readonly onError: (error: unknown) => void,
    private readonly gapMs = 140,
  ) {}

  push(op: CanvasOp, resource?: string, key?: string): void {
    const waiting = key === undefined ? undefined : this.items.find((i) => i.key === key);
    if (waiting && 'set' in waiting.op && 'set' in op) {
      waiting.op = { ...waiting.op, set: { ...waiting.op.set, ...op.set } } as CanvasOp;
    } else this.items.push({ key, op, resource });
    this.schedule();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.length = 0;
  }

  private schedule(): void {
    if (this.timer || this.items.length === 0) return;
    const wait = Math.max(0, this.last + this.gapMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const item = this.items.shift();
    if (!item) return;
    this.last = Date.now();
    this.send(item.op, item.resource === undefined ? undefined : { resource: item.resource }).catch(
      this.onError,
    );
    this.schedule();
  }
}
