import type { Duplex } from 'node:stream';

/**
 * Past this size a payload is written after its header (one corked writev) rather than copied
 * behind it. Below it, `Buffer.allocUnsafe` carves the frame out of Node's shared pool, so the
 * copy is cheap; above it every frame would be a fresh allocation, and a 10 KB document sent to
 * nine peers 800 times a second made the garbage collector a source of 10 ms stalls (the bench's
 * `lww` edit workload).
 */
const COPY_LIMIT = (Buffer.poolSize >>> 1) - 10;

/**
 * Writes unmasked binary WebSocket frames (RFC 6455 §5.2, FIN set, opcode 2) straight to the
 * connection's stream: one `write` per frame (a corked `writev` of header and payload for a frame
 * past {@link COPY_LIMIT}). This is the server's hottest path (a room sends one
 * cursor frame per recipient per tick), and `ws`'s sender spends about twice as long per small
 * frame (header and payload as two corked writes, an options object, a per-frame callback); the
 * bench's cursor workload measures the difference. Only for sockets without permessage-deflate,
 * where `ws` itself writes every frame synchronously too, so frames of both never reorder.
 */
export function writeBinaryFrame(stream: Duplex, payload: Uint8Array): void {
  const length = payload.length;
  const headerSize = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  if (length > COPY_LIMIT) {
    const header = Buffer.allocUnsafe(headerSize);
    putHeader(header, length, headerSize);
    stream.cork();
    stream.write(header);
    stream.write(payload);
    stream.uncork();
    return;
  }
  if (payload !== lastPayload) {
    lastFrame = Buffer.allocUnsafe(headerSize + length);
    putHeader(lastFrame, length, headerSize);
    lastFrame.set(payload, headerSize);
    lastPayload = payload;
  }
  stream.write(lastFrame!);
}

/**
 * The last small frame built, and its payload. A room sends one payload to many recipients in a
 * row (a tick's cursors, a broadcast): they all get the same framed bytes, built once. Sharing is
 * safe because a stream only reads a buffer it was given and a room never changes a frame once sent.
 */
let lastPayload: Uint8Array | undefined;
let lastFrame: Buffer | undefined;

function putHeader(target: Buffer, length: number, headerSize: number): void {
  target[0] = 0x82;
  if (headerSize === 2) {
    target[1] = length;
  } else if (headerSize === 4) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
  } else {
    target[1] = 127;
    target.writeUInt32BE(0, 2);
    target.writeUInt32BE(length, 6);
  }
}
