import { MESSAGES } from '../schema.js';
import type { Message } from '../types.js';
import { EncodeError } from './decode-error.js';
import { decode } from './message.js';

const CURSOR_2D = MESSAGES.peerCursor2d.tag;
const CLIENT_CURSOR_2D = MESSAGES.cursor2d.tag;
/** An encoded `peerCursor2d`: tag, u16 slot, f32 x, f32 y. */
const CURSOR_2D_BYTES = 11;
/** An encoded `cursor2d` from a client: tag, f32 x, f32 y. */
const CLIENT_CURSOR_2D_BYTES = 9;

/** Whether `frame` is a well-formed `cursor2d` (the one message a room gets 15 times a second per person). */
export function isCursor2dFrame(frame: Uint8Array): boolean {
  return frame[0] === CLIENT_CURSOR_2D && frame.length === CLIENT_CURSOR_2D_BYTES;
}

/**
 * The `peerCursor2d` frame announcing a client's `cursor2d` frame as `slot`'s, built by copying the
 * coordinates' bytes (byte-identical to `encode` of the decoded message), or undefined when either
 * coordinate is not finite. `frame` must satisfy {@link isCursor2dFrame}.
 */
export function peerCursor2dFrame(frame: Uint8Array, slot: number): Uint8Array | undefined {
  if (!finiteF32(frame, 1) || !finiteF32(frame, 5)) return undefined;
  const out = new Uint8Array(CURSOR_2D_BYTES);
  out[0] = CURSOR_2D;
  out[1] = slot & 0xff;
  out[2] = slot >>> 8;
  // byte by byte: a subarray for `set` would cost an object per move
  for (let i = 1; i < CLIENT_CURSOR_2D_BYTES; i++) out[i + 2] = frame[i]!;
  return out;
}

/** A little-endian f32 at `at` is finite unless its eight exponent bits are all set. */
function finiteF32(bytes: Uint8Array, at: number): boolean {
  return (bytes[at + 3]! & 0x7f) !== 0x7f || (bytes[at + 2]! & 0x80) === 0;
}

/**
 * Packs encoded `peerCursor2d` frames into one `peerCursors2d` frame by copying their bytes, with
 * no decode and re-encode: a room sends one of these per recipient per tick, so this sits on the
 * hottest path of cursor fan-out. The result is byte-identical to `encode` of the same cursors.
 */
export function packCursors2d(frames: readonly Uint8Array[]): Uint8Array {
  let count = frames.length;
  let countBytes = 1;
  while (count >= 0x80) {
    count = Math.floor(count / 0x80);
    countBytes++;
  }
  const out = new Uint8Array(1 + countBytes + frames.length * (CURSOR_2D_BYTES - 1));
  out[0] = MESSAGES.peerCursors2d.tag;
  let pos = 1;
  for (let n = frames.length; ; n = Math.floor(n / 0x80)) {
    out[pos++] = n >= 0x80 ? (n & 0x7f) | 0x80 : n;
    if (n < 0x80) break;
  }
  for (const frame of frames) {
    if (frame.length !== CURSOR_2D_BYTES || frame[0] !== CURSOR_2D) {
      throw new EncodeError('packCursors2d takes encoded peerCursor2d frames only');
    }
    out.set(frame.subarray(1), pos);
    pos += CURSOR_2D_BYTES - 1;
  }
  return out;
}

/**
 * `packed` (a `peerCursors2d` frame from {@link packCursors2d}, fewer than 128 cursors) without its
 * `index`-th cursor: what a tick sends to a sender that moved, everyone else's cursors but its own.
 * Byte-identical to packing the other cursors again, without the re-pack. With two cursors the
 * other one's own `peerCursor2d` frame is returned, as packing one cursor would; `frames` are the
 * frames that were packed.
 */
export function packedWithout(packed: Uint8Array, frames: readonly Uint8Array[], index: number): Uint8Array {
  const count = packed[1]!;
  if (
    packed[0] !== MESSAGES.peerCursors2d.tag ||
    count >= 0x80 ||
    count !== frames.length ||
    index >= count
  ) {
    throw new EncodeError(
      'packedWithout takes a packCursors2d frame of fewer than 128 cursors and its frames',
    );
  }
  if (count === 2) return frames[1 - index]!;
  const out = new Uint8Array(packed.length - (CURSOR_2D_BYTES - 1));
  out[0] = packed[0]!;
  out[1] = count - 1;
  const cut = 2 + index * (CURSOR_2D_BYTES - 1);
  for (let i = 2; i < cut; i++) out[i] = packed[i]!;
  for (let i = cut + CURSOR_2D_BYTES - 1; i < packed.length; i++) out[i - (CURSOR_2D_BYTES - 1)] = packed[i]!;
  return out;
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
