import {
  type AwarenessEntry,
  decodeAwarenessUpdate,
  encodeAwareness,
  encodeAwarenessUpdate,
} from './y-frames.js';

/** Largest awareness update a connection may send: a caret, a selection, a name and a colour fit many times. */
export const MAX_AWARENESS_BYTES = 8 * 1024;
/** Awareness updates a connection may send per second, with a burst of twice as many. */
export const AWARENESS_PER_SECOND = 30;

/** One y-websocket connection as the hub sees it. */
export interface AwarenessPeer {
  /** Sends a whole y-websocket frame to the connection's client. */
  send(frame: Uint8Array): void;
}

/** Why an awareness update was not relayed. */
export type AwarenessRefusal = 'malformed' | 'too-large' | 'rate-limited';

interface PeerState {
  /** The latest entry of each Yjs client id this peer announced. */
  entries: Map<number, AwarenessEntry>;
  tokens: number;
  refilledAt: number;
}

/**
 * y-protocols awareness relayed among the y-websocket connections of each room on this server:
 * each update goes to the room's other admitted connections; a newcomer's query is answered with
 * everyone's latest states; a connection that leaves takes its states with it (the others are told
 * they are removed). Updates are capped in size and rate per connection.
 */
export class AwarenessHub {
  private readonly rooms = new Map<string, Map<AwarenessPeer, PeerState>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds `peer` to `roomId`'s relay. */
  join(roomId: string, peer: AwarenessPeer): void {
    const room = this.rooms.get(roomId) ?? new Map<AwarenessPeer, PeerState>();
    this.rooms.set(roomId, room);
    room.set(peer, { entries: new Map(), tokens: 2 * AWARENESS_PER_SECOND, refilledAt: this.now() });
  }

  /** Relays `update` from `peer` to the others in its room; a refusal says why it was not. */
  publish(roomId: string, peer: AwarenessPeer, update: Uint8Array): AwarenessRefusal | undefined {
    const state = this.rooms.get(roomId)?.get(peer);
    if (!state) return undefined;
    if (update.length > MAX_AWARENESS_BYTES) return 'too-large';
    if (!this.spend(state)) return 'rate-limited';
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwarenessUpdate(update);
    } catch {
      return 'malformed';
    }
    for (const entry of entries) state.entries.set(entry.clientId, entry);
    this.broadcast(roomId, peer, encodeAwareness(update));
    return undefined;
  }

  /** Every other peer's latest states in `roomId`, as one awareness frame (undefined: none). */
  snapshot(roomId: string, peer: AwarenessPeer): Uint8Array | undefined {
    const entries: AwarenessEntry[] = [];
    for (const [other, state] of this.rooms.get(roomId) ?? [])
      if (other !== peer) entries.push(...state.entries.values());
    return entries.length > 0 ? encodeAwareness(encodeAwarenessUpdate(entries)) : undefined;
  }

  /** Removes `peer`; the others are told its clients' states are gone. */
  leave(roomId: string, peer: AwarenessPeer): void {
    const room = this.rooms.get(roomId);
    const state = room?.get(peer);
    if (!room || !state) return;
    room.delete(peer);
    if (room.size === 0) this.rooms.delete(roomId);
    const removed = [...state.entries.values()]
      .filter((e) => e.state !== 'null')
      .map((e) => ({ clientId: e.clientId, clock: e.clock + 1, state: 'null' }));
    if (removed.length > 0) this.broadcast(roomId, peer, encodeAwareness(encodeAwarenessUpdate(removed)));
  }

  private broadcast(roomId: string, from: AwarenessPeer, frame: Uint8Array): void {
    for (const other of this.rooms.get(roomId)?.keys() ?? []) if (other !== from) other.send(frame);
  }

  private spend(state: PeerState): boolean {
    const now = this.now();
    const burst = 2 * AWARENESS_PER_SECOND;
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * AWARENESS_PER_SECOND);
    state.refilledAt = now;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }
}
