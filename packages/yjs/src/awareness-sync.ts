import { type Clock, systemClock, type TimerHandle } from '@tandem/room';
import { type Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { type AwarenessEntry, encodeAwarenessUpdate } from './awareness-codec.js';

/** Least time between two sends of the local state: within the room's presence budget (15/s). */
export const AWARENESS_SEND_INTERVAL_MS = 100;

/** Changes y-protocols reports with its `update` event. */
interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

/**
 * The client half of Yjs awareness: binds a y-protocols `Awareness` (the object y-prosemirror,
 * Tiptap's collaboration caret, y-codemirror and y-monaco take from a provider) to a room. The
 * local state goes to the room whenever it changes or y-protocols renews it, paced to at most one
 * send per {@link AWARENESS_SEND_INTERVAL_MS} with the latest always sent; others' states from the
 * room are applied with this binding as the origin.
 *
 * @example
 * const sync = new AwarenessSync(new Awareness(ydoc), (states) => send({ type: 'awareness', states }));
 * // on admission: sync.connected(); on `peerAwareness`: sync.receive(m.states); on a drop: sync.disconnected()
 */
export class AwarenessSync {
  private live = false;
  private timer: TimerHandle | undefined;
  private sentAt = Number.NEGATIVE_INFINITY;
  private destroyed = false;

  /**
   * @param awareness the local awareness; the binding listens to it until {@link destroy}.
   * @param send puts the local entry on the wire (called only between {@link connected} and
   *   {@link disconnected}).
   * @param clock the clock pacing uses. Default: the system's.
   */
  constructor(
    readonly awareness: Awareness,
    private readonly send: (states: AwarenessEntry[]) => void,
    private readonly clock: Clock = systemClock,
  ) {
    awareness.on('update', this.onUpdate);
  }

  /** Admitted over a live connection: the local state goes at once, and on every change after. */
  connected(): void {
    if (this.destroyed) return;
    this.live = true;
    this.flush();
  }

  /** Others' entries from the room (`peerAwareness`): applied, with this binding as origin. */
  receive(states: readonly AwarenessEntry[]): void {
    if (this.destroyed || states.length === 0) return;
    const own = this.awareness.clientID;
    const others = states.filter((e) => e.clientId !== own);
    if (others.length > 0) applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(others), this);
  }

  /**
   * The connection dropped: everyone else's states are removed, since nothing keeps them current
   * (carets do not linger over text that moves on without them); the local state stays and goes
   * again on the next {@link connected}.
   */
  disconnected(): void {
    this.live = false;
    this.cancel();
    const own = this.awareness.clientID;
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== own);
    if (others.length > 0) removeAwarenessStates(this.awareness, others, this);
  }

  /** Stops listening and sending. The awareness itself is left to its owner. */
  destroy(): void {
    if (this.destroyed) return;
    this.disconnected();
    this.destroyed = true;
    this.awareness.off('update', this.onUpdate);
  }

  private readonly onUpdate = ({ added, updated, removed }: AwarenessChanges, origin: unknown): void => {
    if (origin === this || !this.live) return;
    const own = this.awareness.clientID;
    if (!added.includes(own) && !updated.includes(own) && !removed.includes(own)) return;
    const wait = this.sentAt + AWARENESS_SEND_INTERVAL_MS - this.clock.now();
    if (wait <= 0) return this.flush();
    this.timer ??= this.clock.setTimeout(() => this.flush(), wait);
  };

  private flush(): void {
    this.cancel();
    if (!this.live) return;
    const own = this.awareness.clientID;
    const meta = this.awareness.meta.get(own);
    if (!meta) return;
    this.sentAt = this.clock.now();
    const state = this.awareness.getLocalState();
    this.send([{ clientId: own, clock: meta.clock, state: JSON.stringify(state) }]);
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
