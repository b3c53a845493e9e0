import { MESSAGES } from '../schema.js';
import type { Message } from '../types.js';
import { EncodeError } from './decode-error.js';
import { decode } from './message.js';
import { Writer } from './writer.js';

const CURSOR_2D = MESSAGES.peerCursor2d.tag;
/** An encoded `peerCursor2d`: tag, u16 slot, f32 x, f32 y. */
const CURSOR_2D_BYTES = 11;

/**
 * Packs encoded `peerCursor2d` frames into one `peerCursors2d` frame by copying their bytes, with
 * no decode and re-encode: a room sends one of these per recipient per tick, so this sits on the
 * hottest path of cursor fan-out. The result is byte-identical to `encode` of the same cursors.
 */
export function packCursors2d(frames: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(2 + 8 + frames.length * (CURSOR_2D_BYTES - 1));
  w.u8(MESSAGES.peerCursors2d.tag);
  w.varuint(frames.length);
  for (const frame of frames) {
    if (frame.length !== CURSOR_2D_BYTES || frame[0] !== CURSOR_2D) {
      throw new EncodeError('packCursors2d takes encoded peerCursor2d frames only');
    }
    w.raw(frame.subarray(1));
  }
  return w.finish();
}

/**
 * Decodes a frame into the messages it carries, as a client applies them: a `batch` as its items,
 * a `peerCursors2d` as one `peerCursor2d` per entry, anything else as itself. Throws
 * {@link DecodeError} like {@link decode}.
 */
export function decodeAll(frame: Uint8Array): Message[] {
  const m = decode(frame);
  if (m.type === 'batch') return m.frames.flatMap((item) => decodeAll(item.frame));
  if (m.type === 'peerCursors2d') return m.cursors.map((c) => ({ type: 'peerCursor2d', ...c }));
  return [m];
}
