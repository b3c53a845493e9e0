import type { Clock, TimerHandle } from '@tandem/room';
import type { Logger } from '../observability/logger.js';
import { isAppRoom } from './app-rooms.js';
import type { ServerStore } from './server-store.js';

/** How often stale rooms are looked for, and how many one step deletes before yielding. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 200;

/** What the sweep needs of the store and of the rooms loaded here. */
export interface RetentionOptions {
  store: ServerStore;
  clock: Clock;
  logger: Logger;
  /** Rooms untouched for this long are deleted; 0 keeps every room forever (no sweep runs). */
  retentionMs: number;
  /** Whether a room is loaded, or being loaded or unloaded, here: such a room is never deleted. */
  inUse(roomId: string): boolean;
  /** Whether another server of the cluster runs the room's session now: its room is not ours to delete. */
  ownedElsewhere(roomId: string): Promise<boolean>;
  /** Runs `work` as a transition of the room, as its loads and unloads are. */
  track<T>(roomId: string, work: Promise<T>): Promise<T>;
  isClosing(): boolean;
}

/**
 * Deletes session rooms nobody has used for the retention period, hourly, so guest sessions do not
 * pile up in the store. App rooms (`doc:<name>`) are never swept: they go when the app deletes them. Never a room in use: each deletion is a transition of its room, so a connection
 * arriving meanwhile waits and then finds the room gone, instead of loading it while it is deleted.
 */
export class RetentionSweep {
  private timer: TimerHandle | undefined;

  constructor(private readonly options: RetentionOptions) {
    if (options.retentionMs > 0) this.schedule();
  }

  /** Deletes every stored room untouched for the retention period; resolves to how many. */
  async sweep(): Promise<number> {
    const { store, clock, retentionMs } = this.options;
    if (retentionMs <= 0) return 0;
    const cutoff = clock.now() - retentionMs;
    let total = 0;
    const skipped = new Set<string>();
    for (;;) {
      const stale = await store.listUntouchedSince(cutoff, SWEEP_BATCH + skipped.size);
      const candidates = stale.filter((id) => !skipped.has(id));
      for (const roomId of candidates) {
        if (this.options.isClosing()) return total;
        // An app room is the app's document: kept until the app deletes it, however long unused.
        if (isAppRoom(roomId) || this.options.inUse(roomId) || (await this.options.ownedElsewhere(roomId))) {
          skipped.add(roomId);
          continue;
        }
        if (await this.options.track(roomId, store.deleteIfUntouchedSince(roomId, cutoff))) total++;
      }
      if (candidates.length === 0 || stale.length < SWEEP_BATCH + skipped.size) break;
    }
    if (total > 0) this.options.logger.info({ rooms: total }, 'deleted rooms past their retention');
    return total;
  }

  /** No more sweeps (shutdown). */
  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.sweep()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'room retention sweep failed'))
        .finally(() => {
          if (!this.options.isClosing()) this.schedule();
        });
    }, SWEEP_EVERY_MS);
  }
}
