import type { RoomWrite } from '@tandem/room';
import type { OwnerClaim } from '../rooms/server-store.js';

/** A room's batch waiting for the next group commit. */
export interface QueuedWrite {
  roomId: string;
  writes: readonly RoomWrite[];
  /** The writer's cluster claim, for stores that fence cluster owners. */
  claim?: OwnerClaim | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the batches rooms write during one event-loop turn, so a store commits them together
 * (one transaction, one flush to disk) after the turn's I/O phase, when every message read in it
 * has queued its room's writes. A store's reads take the queue first, so they see every write made
 * before them.
 */
export class GroupCommitQueue {
  private queued: QueuedWrite[] = [];
  private scheduled = false;

  /** @param commit - Runs once per turn that queued something; it calls {@link take}. */
  constructor(private readonly commit: () => void) {}

  /** Queues a batch; resolves or rejects when the store settles it. */
  add(roomId: string, writes: readonly RoomWrite[], claim?: OwnerClaim): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ roomId, writes, claim, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.commit());
    });
  }

  /** Every batch queued so far, leaving none. */
  take(): QueuedWrite[] {
    this.scheduled = false;
    const batches = this.queued;
    this.queued = [];
    return batches;
  }
}

/**
 * Settles a committed group: each batch resolves, except those that failed on their own (rolled
 * back to their savepoint), which reject with their own error.
 */
export function settleGroup(
  batches: readonly QueuedWrite[],
  failed: ReadonlyMap<QueuedWrite, unknown>,
): void {
  for (const batch of batches) {
    if (failed.has(batch)) batch.reject(failed.get(batch));
    else batch.resolve();
  }
}
