import { ErrorCode, encode, type MessageOf, peerCursor2dFrame, type ServerMessage } from '@tandem/protocol';
import type { Participant } from '../connection.js';
import type { RoomContext } from '../context.js';
import { type CursorFanout, combineCursorFrames } from './cursors.js';
import { utf8Length } from './ids.js';

type RosterEntry = MessageOf<'roster'>['participants'][number];

/**
 * Pointer messages a participant sends through dispatch. Not `cursor2d`: a decoded one is always a
 * 9-byte cursor frame, and a participant's such frame takes the short cut to {@link Presence.cursor2d}.
 */
export type PointerMessage = MessageOf<'cursor3d' | 'selection' | 'cursorClear'>;

/** The client messages the presence part answers. */
export type PresenceMessage = MessageOf<'presenceSet' | 'visibility'> | PointerMessage;

/**
 * What others see of a participant besides its edits: its opaque presence bytes, whether its page
 * is visible, and its pointer. A hidden page keeps its presence; its cursor is cleared and further
 * pointers are ignored until it is visible again.
 */
export class Presence {
  constructor(
    private readonly ctx: RoomContext,
    private readonly cursors: CursorFanout,
  ) {}

  /** A presence, visibility or pointer message from a participant. */
  message(conn: Participant, m: PresenceMessage): void {
    switch (m.type) {
      case 'presenceSet':
        return this.set(conn, m.presence);
      case 'visibility':
        return this.visibility(conn, m.hidden);
      default:
        return this.pointer(conn, m);
    }
  }

  set(conn: Participant, presence: Uint8Array): void {
    const { maxPresenceBytes } = this.ctx.limits;
    if (presence.length > maxPresenceBytes) {
      this.ctx.refuse(conn, ErrorCode.PayloadTooLarge, 0, `presence over ${maxPresenceBytes} bytes`);
      return;
    }
    conn.phase.presence = presence;
    this.ctx.broadcast({ type: 'presence', slot: conn.seat.slot, presence }, conn);
  }

  visibility(conn: Participant, hidden: boolean): void {
    const p = conn.phase;
    if (p.hidden === hidden) return;
    p.hidden = hidden;
    if (hidden) {
      p.cursor = undefined;
      this.cursors.drop(conn);
    }
    this.ctx.broadcast({ type: 'peerVisibility', slot: conn.seat.slot, hidden }, conn);
  }

  pointer(conn: Participant, m: PointerMessage): void {
    const p = conn.phase;
    if (p.hidden) return;
    const slot = conn.seat.slot;
    let out: ServerMessage;
    switch (m.type) {
      case 'cursor3d':
        if (!Number.isFinite(m.x) || !Number.isFinite(m.y) || !Number.isFinite(m.z)) {
          return this.ctx.refuse(conn, ErrorCode.BadMessage, 0, 'cursor coordinates must be finite');
        }
        out = { type: 'peerCursor3d', slot, x: m.x, y: m.y, z: m.z };
        break;
      case 'selection': {
        const max = this.ctx.limits.maxResourceIdBytes;
        if (utf8Length(m.element) > max) {
          return this.ctx.refuse(conn, ErrorCode.PayloadTooLarge, 0, `element id over ${max} bytes`);
        }
        out = { type: 'peerSelection', slot, element: m.element, anchor: m.anchor, head: m.head };
        break;
      }
      case 'cursorClear':
        p.cursor = undefined;
        this.cursors.drop(conn);
        return this.ctx.broadcast({ type: 'peerCursorClear', slot }, conn);
      default:
        return m satisfies never;
    }
    this.keep(conn, encode(out));
  }

  /** A participant's `cursor2d`, as received: its bytes become the peers' frame, never decoded. */
  cursor2d(conn: Participant, frame: Uint8Array): void {
    // The phase is read once: this runs for every 2D cursor move of every participant.
    const p = conn.phase;
    if (p.hidden) return;
    const out = peerCursor2dFrame(frame, p.seat.slot);
    if (!out) return this.ctx.refuse(conn, ErrorCode.BadMessage, 0, 'cursor coordinates must be finite');
    p.cursor = out;
    this.cursors.move(conn, out);
  }

  /** Keeps `frame` as the participant's latest pointer and queues it for the room's next tick. */
  private keep(conn: Participant, frame: Uint8Array): void {
    conn.phase.cursor = frame;
    this.cursors.move(conn, frame);
  }
}

/** A participant as the roster and `peerJoin` describe it. */
export function participantOf(conn: Participant): RosterEntry {
  const { slot, name, color, role } = conn.seat;
  const p = conn.phase;
  return { slot, userId: conn.userId, name, color, role, hidden: p.hidden, presence: p.presence };
}

/** The roster a newly admitted connection is sent: everyone admitted, itself included. */
export function rosterMessage(admitted: Iterable<Participant>): MessageOf<'roster'> {
  return { type: 'roster', participants: [...admitted].map(participantOf) };
}

/** Every other participant's last pointer in one frame, replayed to `to` as it joins. */
export function latestPointers(admitted: Iterable<Participant>, to: Participant): Uint8Array | undefined {
  const cursors: Uint8Array[] = [];
  for (const other of admitted) {
    const cursor = other.phase.cursor;
    if (other !== to && cursor) cursors.push(cursor);
  }
  return combineCursorFrames(cursors);
}
