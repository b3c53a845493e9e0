import type { PendingAck } from './context.js';
import type { RoomStore, RoomWrite } from './storage.js';

/** What a room's write-behind queue asks of its room. */
export interface WriteBehindRoom {
  /** Writes that must join the batch being cut, stored with it or not at all (the edit ledger's). */
  takeWrites(): readonly RoomWrite[];
  /** An acknowledgement owed now that its batch is stored. */
  acknowledge(ack: PendingAck): void;
  /** An edit whose batch could not be stored is refused instead of acknowledged. */
  unstored(ack: PendingAck): void;
  /** The store refused a batch: memory has moved past it for good. */
  failed(error: unknown): void;
}

/**
 * The room's persistence: writes are queued as the room decides, and all writes of one tick go to
 * {@link RoomStore.write} together, in one batch, one after another. What was owed once they are
 * durable (docAcks, announcements) follows its batch.
 */
export class WriteBehind {
  private writes: RoomWrite[] = [];
  /** Owed once the writes queued before them are stored: docAcks, announcements, and waiters. */
  private acks: (PendingAck | (() => void) | Waiter)[] = [];
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private broken = false;

  constructor(
    private readonly store: RoomStore,
    private readonly roomId: string,
    /** When true, batches wait for an explicit {@link flush}. */
    private readonly manual: boolean,
    private readonly room: WriteBehindRoom,
  ) {}

  /** Queues a write (or, with `write` undefined, only an ack that must follow earlier writes). */
  queue(write: RoomWrite | undefined, ack?: PendingAck): void {
    if (write) this.writes.push(write);
    if (ack) this.acks.push(ack);
    this.schedule();
  }

  /** Runs `announce` once everything queued so far is stored. */
  afterStored(announce: () => void): void {
    this.acks.push(announce);
    this.schedule();
  }

  /** Resolves once everything queued so far is stored; rejects if it never will be. */
  stored(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.acks.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything queued so far and sends the acks it owes. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeBatch());
    return this.chain;
  }

  /** Resolves once no write is queued or in flight. */
  async idle(): Promise<void> {
    do await this.flush();
    while (this.writes.length > 0);
  }

  /** Flushes on the next microtask, once for everything queued this tick (or waits for `flush`). */
  private schedule(): void {
    if (this.manual || this.scheduled) return;
    this.scheduled = true;
    void Promise.resolve().then(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** One batch, one store transaction; acks only after it is durable. */
  private async writeBatch(): Promise<void> {
    this.writes.push(...this.room.takeWrites());
    if (this.writes.length === 0 && this.acks.length === 0) return;
    const writes = this.writes;
    const acks = this.acks;
    this.writes = [];
    this.acks = [];
    try {
      if (this.broken) throw new Error('an earlier write of this room failed');
      if (writes.length > 0) await this.store.write(this.roomId, writes);
    } catch (error) {
      // An announcement of what could not be stored is never made.
      for (const ack of acks) {
        if (isWaiter(ack)) ack.reject(error);
        else if (typeof ack !== 'function') this.room.unstored(ack);
      }
      if (this.broken) return;
      // Memory has moved past what the store holds, and later writes would leave gaps in it.
      this.broken = true;
      this.room.failed(error);
      return;
    }
    for (const ack of acks) {
      if (typeof ack === 'function') ack();
      else if (isWaiter(ack)) ack.resolve();
      else this.room.acknowledge(ack);
    }
  }
}

/** Someone awaiting the writes queued before it: the host process, not a connection. */
interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

function isWaiter(ack: PendingAck | (() => void) | Waiter): ack is Waiter {
  return typeof ack === 'object' && 'resolve' in ack;
}
