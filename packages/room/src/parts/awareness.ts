import { ErrorCode, type MessageOf } from '@tandem/protocol';
import type { Connection, Participant } from '../connection.js';
import type { RoomContext } from '../context.js';
import { utf8Length } from './ids.js';

/** One Yjs client's awareness entry, as the protocol carries it. */
export type AwarenessEntry = MessageOf<'awareness'>['states'][number];

/**
 * Yjs client ids one connection may speak for. A provider announces only its own document's; a
 * few allow for apps that bind several editors to one connection, while what the room keeps stays
 * bounded.
 */
export const MAX_AWARENESS_CLIENTS = 8;

/**
 * A state not renewed for this long is left out of what a newcomer is sent. Clients renew theirs
 * every 15 s and drop others' after 30 s (y-protocols' `outdatedTimeout`): the room forgets on the
 * same schedule, so a connection that went silent stops showing a caret everywhere at once.
 */
export const AWARENESS_OUTDATED_MS = 30_000;

/**
 * Client ids whose last relayed clock the room remembers after their connection left, at most:
 * enough for every client a room of participants reconnecting for a day would see.
 */
const REMEMBERED_CLIENTS = 1024;

interface KeptEntry extends AwarenessEntry {
  /** When the room last heard of it. */
  seenAt: number;
  /** Added to the client's clock for what the room relays (see {@link Awareness.message}). */
  offset: number;
}

/** The verified name and room colour a participant's states carry. */
interface AwarenessUser {
  readonly name: string;
  readonly color: string;
}

/**
 * Yjs awareness (y-protocols) for a `yjs` room: each participant's states relayed to the others
 * with its verified name and room colour written into `user` (never what the client claimed),
 * replayed to newcomers, and removed for everyone when it leaves. A Yjs client id belongs to the
 * first connection that announced it while that connection lives, so no one can move another
 * participant's caret.
 */
export class Awareness {
  private readonly entries = new Map<Connection, Map<number, KeptEntry>>();
  /** Which connection announced each Yjs client id. */
  private readonly owners = new Map<number, Connection>();
  /** The clock last relayed for each Yjs client id, its oldest forgotten first. */
  private readonly relayedClocks = new Map<number, number>();

  constructor(
    private readonly ctx: RoomContext,
    private readonly enabled: () => boolean,
  ) {}

  /** A participant's `awareness` message. */
  message(conn: Participant, states: readonly AwarenessEntry[]): void {
    if (!this.enabled()) {
      return this.ctx.refuse(conn, ErrorCode.WrongDocMode, 0, 'awareness is carried in yjs rooms only');
    }
    const refusal = this.check(conn, states);
    if (refusal) return this.ctx.refuse(conn, refusal.code, 0, refusal.message);
    const user = { name: conn.seat.name, color: conn.seat.color };
    const verified: AwarenessEntry[] = [];
    for (const entry of states) {
      const checked = withUser(entry, user);
      if (!checked) {
        const message = `awareness state of client ${entry.clientId} is not JSON`;
        return this.ctx.refuse(conn, ErrorCode.BadMessage, 0, message);
      }
      verified.push(checked);
    }
    const kept = this.entries.get(conn) ?? new Map<number, KeptEntry>();
    this.entries.set(conn, kept);
    const now = this.ctx.clock.now();
    const relayed: AwarenessEntry[] = [];
    for (const entry of verified) {
      const id = entry.clientId;
      const before = kept.get(id);
      // Others removed this client at the clock the room last relayed for it, and y-protocols
      // ignores a state no newer than what it holds: a client that comes back (a reconnect
      // announces its state again at the same clock) is relayed above that, on every message of
      // this connection, so the clocks others see keep the order the client's own have.
      const floor = this.relayedClocks.get(id);
      const offset =
        before?.offset ?? (floor !== undefined && entry.clock <= floor ? floor + 1 - entry.clock : 0);
      const clock = entry.clock + offset;
      // An older clock than the kept one changes nothing for any client.
      if (before && before.clock > clock) continue;
      const out = { clientId: id, clock, state: entry.state };
      relayed.push(out);
      kept.set(id, { ...out, seenAt: now, offset });
      this.relayedClocks.delete(id);
      this.relayedClocks.set(id, clock);
      if (this.relayedClocks.size > REMEMBERED_CLIENTS)
        this.relayedClocks.delete(this.relayedClocks.keys().next().value!);
      const owner = this.owners.get(id);
      // The same user's new connection (a reconnect while the old socket lingers) takes it over.
      if (owner && owner !== conn) this.entries.get(owner)?.delete(id);
      this.owners.set(id, conn);
    }
    if (relayed.length > 0) {
      this.ctx.broadcast({ type: 'peerAwareness', slot: conn.seat.slot, states: relayed }, conn);
    }
  }

  /** Every other participant's live states, one message each, for `conn`'s admission snapshot. */
  snapshotFor(conn: Connection): MessageOf<'peerAwareness'>[] {
    const now = this.ctx.clock.now();
    const out: MessageOf<'peerAwareness'>[] = [];
    for (const [other, kept] of this.entries) {
      const slot = other.seat?.slot;
      if (other === conn || slot === undefined) continue;
      const states: AwarenessEntry[] = [];
      for (const { clientId, clock, state, seenAt } of kept.values()) {
        if (state !== 'null' && now - seenAt < AWARENESS_OUTDATED_MS) states.push({ clientId, clock, state });
      }
      if (states.length > 0) out.push({ type: 'peerAwareness', slot, states });
    }
    return out;
  }

  /**
   * `conn` left: its states are removed for everyone, as a y-websocket server removes a closed
   * connection's (`null` at the clock last relayed, which y-protocols takes as a removal).
   */
  left(conn: Connection): void {
    const kept = this.entries.get(conn);
    if (!kept) return;
    this.entries.delete(conn);
    const removed: AwarenessEntry[] = [];
    for (const { clientId, clock, state } of kept.values()) {
      if (this.owners.get(clientId) === conn) this.owners.delete(clientId);
      if (state !== 'null') removed.push({ clientId, clock, state: 'null' });
    }
    const slot = conn.seat?.slot;
    if (removed.length > 0 && slot !== undefined) {
      this.ctx.broadcast({ type: 'peerAwareness', slot, states: removed }, conn);
    }
  }

  private check(
    conn: Connection,
    states: readonly AwarenessEntry[],
  ): { code: ErrorCode; message: string } | undefined {
    const max = this.ctx.limits.maxAwarenessBytes;
    let bytes = 0;
    for (const entry of states) bytes += utf8Length(entry.state);
    if (bytes > max)
      return { code: ErrorCode.PayloadTooLarge, message: `awareness states over ${max} bytes` };
    const known = new Set(this.entries.get(conn)?.keys());
    for (const { clientId } of states) {
      const owner = this.owners.get(clientId);
      if (owner && owner !== conn && owner.userId !== conn.userId) {
        return {
          code: ErrorCode.Forbidden,
          message: `awareness client ${clientId} belongs to another participant`,
        };
      }
      known.add(clientId);
    }
    if (known.size > MAX_AWARENESS_CLIENTS) {
      return {
        code: ErrorCode.PayloadTooLarge,
        message: `awareness for more than ${MAX_AWARENESS_CLIENTS} Yjs clients on one connection`,
      };
    }
    return undefined;
  }
}

/**
 * `entry` with the verified name and colour in its state's `user` (where y-prosemirror, Tiptap and
 * y-codemirror read a collaborator's caret label from), the client's other fields kept. A state
 * that is not an object has no `user` to take over, and is relayed as it is; one that is not JSON
 * (every receiving client would throw parsing it) is undefined.
 */
function withUser(entry: AwarenessEntry, user: AwarenessUser): AwarenessEntry | undefined {
  if (entry.state === 'null') return entry;
  let state: unknown;
  try {
    state = JSON.parse(entry.state);
  } catch {
    return undefined;
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return entry;
  const claimed = (state as { user?: unknown }).user;
  const own = typeof claimed === 'object' && claimed !== null && !Array.isArray(claimed) ? claimed : {};
  return {
    clientId: entry.clientId,
    clock: entry.clock,
    state: JSON.stringify({ ...state, user: { ...own, name: user.name, color: user.color } }),
  };
}
