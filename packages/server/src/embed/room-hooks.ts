import type { Clock, RoomActivity, RoomWrite, TimerHandle } from '@tandem/room';
import type { Logger } from '../observability/logger.js';
import type { ServerStore } from '../rooms/server-store.js';
import type { RoomParticipant, TandemHooks } from './hooks.js';

const DEFAULT_DEBOUNCE_MS = 2_000;
/** How long a hook may take when the app does not say. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5_000;
const DOC_WRITES = new Set<RoomWrite['kind']>(['lww', 'op', 'ops-snapshot', 'yjs-update', 'yjs-compact']);

/**
 * Calls the app's room hooks: `onJoin`/`onLeave` from each room's activity, `onChange` once a
 * room's stored document has stopped changing for the debounce time. A hook's throw or rejection is
 * logged and goes no further: it runs outside the room's own call stack, so it cannot break it.
 */
export class RoomHooks {
  /** Who holds each slot of each room, so a leave (which names only a user id) has its name. */
  private readonly present = new Map<string, Map<number, RoomParticipant>>();
  private readonly pending = new Map<string, TimerHandle>();
  private readonly debounceMs: number;

  constructor(
    private readonly hooks: TandemHooks,
    private readonly store: ServerStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.debounceMs = hooks.changeDebounceMs ?? DEFAULT_DEBOUNCE_MS;
  }

  /** Whether any room hook is set (else nothing needs observing). */
  get active(): boolean {
    return Boolean(this.hooks.onJoin || this.hooks.onLeave || this.hooks.onChange);
  }

  /** A room's activity event: admissions and departures become `onJoin`/`onLeave`. */
  activity(roomId: string, event: RoomActivity): void {
    if (event.type === 'admitted') {
      const participant = { userId: event.userId, name: event.name };
      const slots = this.present.get(roomId) ?? new Map<number, RoomParticipant>();
      this.present.set(roomId, slots);
      slots.set(event.slot, participant);
      this.call('onJoin', roomId, () => this.hooks.onJoin?.(roomId, participant));
    } else if (event.type === 'left') {
      const slots = this.present.get(roomId);
      const participant = slots?.get(event.slot);
      slots?.delete(event.slot);
      if (slots?.size === 0) this.present.delete(roomId);
      if (event.wasAdmitted && participant)
        this.call('onLeave', roomId, () => this.hooks.onLeave?.(roomId, participant));
    }
  }

  /** Writes to `roomId` were stored: when they touched its document, (re)start its debounce. */
  stored(roomId: string, writes: readonly RoomWrite[]): void {
    if (!this.hooks.onChange || !writes.some((w) => DOC_WRITES.has(w.kind))) return;
    const previous = this.pending.get(roomId);
    if (previous !== undefined) this.clock.clearTimeout(previous);
    this.pending.set(
      roomId,
      this.clock.setTimeout(() => {
        this.pending.delete(roomId);
        void this.reportChange(roomId);
      }, this.debounceMs),
    );
  }

  /**
   * Reports every change still waiting for its debounce, now; for shutdown, before the store
   * closes. Waits for the app at most the hook timeout: a hung `onChange` must not hang shutdown.
   */
  async flush(): Promise<void> {
    const waiting = [...this.pending.entries()];
    this.pending.clear();
    const reported = Promise.all(
      waiting.map(([roomId, timer]) => {
        this.clock.clearTimeout(timer);
        return this.reportChange(roomId);
      }),
    );
    let timer: TimerHandle | undefined;
    const limit = this.hooks.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    const late = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(() => {
        this.logger.warn(
          { hook: 'onChange', timeoutMs: limit },
          'hook still running at shutdown; not waited for',
        );
        resolve();
      }, limit);
    });
    await Promise.race([reported, late]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
  }

  private async reportChange(roomId: string): Promise<void> {
    const onChange = this.hooks.onChange;
    if (!onChange) return;
    try {
      const record = await this.store.load(roomId);
      if (!record?.doc) return;
      await onChange({ roomId, docMode: record.settings.docMode, doc: record.doc });
    } catch (error) {
      this.logger.error({ err: error, roomId, hook: 'onChange' }, 'hook failed');
    }
  }

  private call(hook: string, roomId: string, run: () => void | Promise<void> | undefined): void {
    // Deferred: the room is mid-way through its own bookkeeping when it reports activity.
    queueMicrotask(() => {
      Promise.resolve()
        .then(run)
        .catch((error: unknown) => this.logger.error({ err: error, roomId, hook }, 'hook failed'));
    });
  }
}

/**
 * `store`, telling `hooks` of every write it stores, so `onChange` sees the document as stored.
 * Every other call passes straight through.
 */
export function observedStore(store: ServerStore, hooks: RoomHooks): ServerStore {
  return {
    load: (roomId, claim) => store.load(roomId, claim),
    write: async (roomId, writes, claim) => {
      await store.write(roomId, writes, claim);
      hooks.stored(roomId, writes);
    },
    delete: (roomId) => store.delete(roomId),
    roomIdForJoinCode: (code) => store.roomIdForJoinCode(code),
    hostedRooms: (userId) => store.hostedRooms(userId),
    listUntouchedSince: (cutoff, limit) => store.listUntouchedSince(cutoff, limit),
    deleteIfUntouchedSince: (roomId, cutoff) => store.deleteIfUntouchedSince(roomId, cutoff),
    close: () => store.close(),
  };
}
