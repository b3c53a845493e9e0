import { MESSAGES } from '../schema.js';
import { decode, encode } from './message.js';

// Which server frames only ever matter in their latest version per sender, so that a writer whose
// reader has fallen behind may keep just the latest of each instead of queueing them all. Every
// such frame starts `tag, u16 slot (LE)`, the slot being the sender's.

const CURSOR = 0;
const PRESENCE = 1;
const GROUP_OF_TAG = new Map<number, number>([
  [MESSAGES.peerCursor2d.tag, CURSOR],
  [MESSAGES.peerCursor3d.tag, CURSOR],
  [MESSAGES.peerSelection.tag, CURSOR],
  [MESSAGES.peerCursorClear.tag, CURSOR],
  [MESSAGES.presence.tag, PRESENCE],
]);
const NONE: readonly number[] = [];

function slotOf(frame: Uint8Array): number {
  return frame[1]! | (frame[2]! << 8);
}

function keyOf(group: number, slot: number): number {
  return group * 0x10000 + slot;
}

/**
 * The key under which `frame` replaces an earlier frame for a reader that is behind: one per
 * sender for where its pointer is (2D, 3D, text selection, cleared) and one for its presence.
 * Undefined for a frame that must be sent as it is.
 */
export function coalesceKey(frame: Uint8Array): number | undefined {
  const group = GROUP_OF_TAG.get(frame[0]!);
  return group === undefined || frame.length < 3 ? undefined : keyOf(group, slotOf(frame));
}

/** Whether a {@link coalesceKey} is a presence frame's (sent as it is) rather than a cursor's (packed together). */
export function isPresenceKey(key: number): boolean {
  return key >= keyOf(PRESENCE, 0);
}

/**
 * The keys of held frames that `frame` makes stale: a participant that left must not be brought
 * back by its cursor or presence sent after it, nor one that hid by its cursor.
 */
export function staleKeys(frame: Uint8Array): readonly number[] {
  if (frame.length < 3) return NONE;
  const slot = slotOf(frame);
  if (frame[0] === MESSAGES.peerLeave.tag) return [keyOf(CURSOR, slot), keyOf(PRESENCE, slot)];
  if (frame[0] === MESSAGES.peerVisibility.tag) return [keyOf(CURSOR, slot)];
  return NONE;
}

/**
 * The frames a frame that carries several stands for (a `batch`'s items, a `peerCursors2d`'s
 * cursors as `peerCursor2d` frames), so each can be coalesced on its own; undefined for any other.
 */
export function splitFrame(frame: Uint8Array): Uint8Array[] | undefined {
  const tag = frame[0];
  if (tag !== MESSAGES.peerCursors2d.tag && tag !== MESSAGES.batch.tag) return undefined;
  const m = decode(frame);
  if (m.type === 'peerCursors2d') return m.cursors.map((c) => encode({ type: 'peerCursor2d', ...c }));
  if (m.type === 'batch') return m.frames.map((item) => item.frame);
  return [];
}
