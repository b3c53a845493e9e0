import {
  type AwarenessEntry,
  decodeAwarenessUpdate,
  encodeAwareness,
  encodeAwarenessUpdate,
} from './y-frames.js';

/** Largest awareness update a connection may send: a caret, a selection, a name and a colour fit many times. */
export const MAX_AWARENESS_BYTES = 8 * 1024;
/**
 * Yjs client ids one connection may speak for. A provider announces only its own document's; a
 * few allow for apps that share one socket, while the states the hub keeps stay bounded.
 */
export const MAX_AWARENESS_CLIENTS = 8;
/** Awareness updates a connection may send per second, with a burst of twice as many. */
export const AWARENESS_PER_SECOND = 30;

/** One y-websocket connection as the hub sees it. */
export interface AwarenessPeer {
  /** Sends a whole y-websocket frame to the connection's client. */
  send(frame: Uint8Array): void;
}

/** Who a connection is in its room, as awareness shows it: never what the client claims. */
export interface AwarenessUser {
  name: string;
  /** The participant's room colour. */
  color: string;
}

/** Why an awareness update was not relayed. */
export type AwarenessRefusal = 'malformed' | 'too-large' | 'rate-limited';

interface PeerState {
  /** Whether the room has admitted the connection: only then are its states shown to others. */
  admitted: boolean;
  /** Its verified name and room colour, once admitted: written into every state it announces. */
  user?: AwarenessUser;
  /** The latest entry of each Yjs client id this peer announced. */
  entries: Map<number, AwarenessEntry>;
  tokens: number;
  refilledAt: number;
}

/**
 * y-protocols awareness relayed among the y-websocket connections of each room on this server,
 * as y-websocket's own server does: each update goes to the room's admitted connections, its
 * sender's included (the echo is what keeps a provider alone in a room from taking the silence
 * for a dead connection); a newcomer's query is answered with everyone's latest states; a
 * connection that leaves takes its states with it (the others are told they are removed).
 *
 * A connection the room has not admitted yet hears only its own echo: nothing of the room. Its
 * states reach the others once it is admitted. Updates are capped in size and rate per connection.
 */
export class AwarenessHub {
  private readonly rooms = new Map<string, Map<AwarenessPeer, PeerState>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds `peer` to `roomId`'s relay, not admitted yet. */
  join(roomId: string, peer: AwarenessPeer): void {
    const room = this.rooms.get(roomId) ?? new Map<AwarenessPeer, PeerState>();
    this.rooms.set(roomId, room);
    room.set(peer, {
      admitted: false,
      entries: new Map(),
      tokens: 2 * AWARENESS_PER_SECOND,
      refilledAt: this.now(),
    });
  }

  /**
   * The room admitted `peer` as `user`: the others now see its states, and it theirs. Its states
   * carry `user`'s name and colour from now on, whatever the client put there.
   */
  admit(roomId: string, peer: AwarenessPeer, user: AwarenessUser): void {
    const state = this.rooms.get(roomId)?.get(peer);
    if (!state || state.admitted) return;
    state.admitted = true;
    state.user = user;
    for (const [id, entry] of state.entries) state.entries.set(id, withUser(entry, user));
    const entries = [...state.entries.values()];
    if (entries.length > 0) this.broadcast(roomId, peer, encodeAwareness(encodeAwarenessUpdate(entries)));
  }

  /** Relays `update` from `peer`; a refusal says why it was not. */
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
    // A provider sends on every state it applies, the others' too: those come back at the clock
    // the room already has. They are not news, and not the sender's to keep or to remove when it
    // leaves (y-websocket's server drops them the same way, by clock).
    entries = entries.filter((e) => this.isNews(roomId, state, e));
    if (entries.length === 0) return undefined;
    const known = new Set([...state.entries.keys(), ...entries.map((e) => e.clientId)]);
    if (known.size > MAX_AWARENESS_CLIENTS) return 'too-large';
    const user = state.user;
    if (user) entries = entries.map((e) => withUser(e, user));
    for (const entry of entries) state.entries.set(entry.clientId, entry);
    const frame = encodeAwareness(user ? encodeAwarenessUpdate(entries) : update);
    peer.send(frame);
    if (state.admitted) this.broadcast(roomId, peer, frame);
    return undefined;
  }

  /** Every other admitted peer's latest states in `roomId`, as one awareness frame (undefined: none, or not admitted). */
  snapshot(roomId: string, peer: AwarenessPeer): Uint8Array | undefined {
    const room = this.rooms.get(roomId);
    if (!room?.get(peer)?.admitted) return undefined;
    const entries: AwarenessEntry[] = [];
    for (const [other, state] of room)
      if (other !== peer && state.admitted) entries.push(...state.entries.values());
    return entries.length > 0 ? encodeAwareness(encodeAwarenessUpdate(entries)) : undefined;
  }

  /** Removes `peer`; the others are told its clients' states are gone. */
  leave(roomId: string, peer: AwarenessPeer): void {
    const room = this.rooms.get(roomId);
    const state = room?.get(peer);
    if (!room || !state) return;
    room.delete(peer);
    if (room.size === 0) this.rooms.delete(roomId);
    if (!state.admitted) return;
    const removed = [...state.entries.values()]
      .filter((e) => e.state !== 'null')
      .map((e) => ({ clientId: e.clientId, clock: e.clock + 1, state: 'null' }));
    if (removed.length > 0) this.broadcast(roomId, peer, encodeAwareness(encodeAwarenessUpdate(removed)));
  }

  /** To every admitted peer of `roomId` but `from`. */
  private broadcast(roomId: string, from: AwarenessPeer, frame: Uint8Array): void {
    for (const [other, state] of this.rooms.get(roomId) ?? [])
      if (other !== from && state.admitted) other.send(frame);
  }

  /**
   * Whether `entry` from `sender` is news: a state of a client id no other connection of the room
   * announces, or at a later clock than the one that does (a provider that reconnected: the id
   * moves to `sender`). A removal is news only from the connection that announced the client.
   */
  private isNews(roomId: string, sender: PeerState, entry: AwarenessEntry): boolean {
    if (entry.state === 'null') return sender.entries.has(entry.clientId);
    for (const state of this.rooms.get(roomId)?.values() ?? []) {
      const held = state === sender ? undefined : state.entries.get(entry.clientId);
      if (!held) continue;
      if (entry.clock <= held.clock) return false;
      state.entries.delete(entry.clientId);
    }
    return true;
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

/**
 * `entry` with the verified name and colour in its state's `user` (the field y-prosemirror, Tiptap
 * and y-codemirror read a collaborator's caret label from), the client's other fields kept. A
 * state that is not an object carries no name to take over, and is left as it is.
 */
function withUser(entry: AwarenessEntry, user: AwarenessUser): AwarenessEntry {
  if (entry.state === 'null') return entry;
  const state: unknown = JSON.parse(entry.state);
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return entry;
  const claimed = (state as { user?: unknown }).user;
  const own = typeof claimed === 'object' && claimed !== null && !Array.isArray(claimed) ? claimed : {};
  return {
    ...entry,
    state: JSON.stringify({ ...state, user: { ...own, name: user.name, color: user.color } }),
  };
}
