import { isUtf8 } from 'node:buffer';
import { ByteAccumulator } from './byte-accumulator.js';

/** What a {@link FrameReader} hands on, in the order the client sent it. */
export interface FrameSink {
  /** A whole data message (fragments joined), unmasked. */
  message(data: Buffer, isBinary: boolean): void;
  ping(payload: Buffer): void;
  pong(payload: Buffer): void;
  /** The client's close frame: its status code (1005 when it gave none) and reason. Nothing follows. */
  close(code: number, reason: string): void;
  /** The client broke the protocol; the connection should close with `code`. Nothing follows. */
  error(code: number, reason: string): void;
}

const OP_CONTINUATION = 0x0;
/** Text (0x1) is the other data opcode. */
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/**
 * Work limits, as `ws` sets them: a message in countless empty fragments, or a frame dripped in
 * 1-byte reads, costs the server a step each (the bytes held for them are copied into one buffer,
 * so memory follows the bytes, not the count).
 */
export const MAX_FRAGMENTS = 16 * 1024;
export const MAX_HELD_CHUNKS = 256 * 1024;

/** RFC 6455 §7.4: the status codes an endpoint may send in a close frame. */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Reads a client's WebSocket frames (RFC 6455 §5) from the bytes its TCP stream delivers. Every
 * participant sends about 15 cursor frames a second, each in a read of its own; going through `ws`'s
 * receiver (a Writable stream of its own, then two event emitters) cost more per frame than the
 * room's work on it. This reader parses, checks and unmasks in place, and calls the sink directly.
 *
 * Checks, as the RFC requires of a server without extensions: client frames are masked, RSV bits
 * are clear, opcodes are known, control frames are whole and at most 125 bytes, fragments
 * continue a message that was begun, and a close frame carries a valid code and UTF-8 reason. A
 * frame, or a fragmented message, over `maxPayload` is refused (1009) from its header, before its
 * payload is buffered. A message in more than {@link MAX_FRAGMENTS} fragments, or a frame still
 * incomplete after {@link MAX_HELD_CHUNKS} reads, is refused with 1008. Text messages are handed on
 * unvalidated: the server refuses every one.
 */
export class FrameReader {
  /** Bytes of a frame not yet whole, and how many bytes from its start are needed to go on. */
  private readonly partial = new ByteAccumulator();
  private partialReads = 0;
  private need = 0;
  /** A fragmented message being received: its fragments' payloads so far, and how many. */
  private readonly fragments = new ByteAccumulator();
  private fragmentCount = 0;
  private fragmentBinary = false;
  private inMessage = false;
  private done = false;

  constructor(
    private readonly maxPayload: number,
    private readonly sink: FrameSink,
  ) {}

  /**
   * What this reader keeps between reads, for a frame or a message not yet whole: how many buffers,
   * and their bytes of memory. At most two buffers, each at most twice the bytes it holds.
   */
  retained(): { buffers: number; bytes: number } {
    const held = [this.partial, this.fragments].filter((a) => a.capacity > 0);
    return { buffers: held.length, bytes: held.reduce((n, a) => n + a.capacity, 0) };
  }

  /** Feeds the next bytes read from the connection. */
  push(chunk: Buffer): void {
    if (this.done) return;
    let bytes = chunk;
    if (this.partial.length > 0) {
      if (this.partialReads >= MAX_HELD_CHUNKS) return void this.fail(1008, 'too many reads for one frame');
      this.partialReads++;
      this.partial.append(chunk, this.need);
      if (this.partial.length < this.need) return;
      bytes = this.partial.take();
    }
    let at = 0;
    while (at < bytes.length && !this.done) {
      const used = this.frameAt(bytes, at);
      if (used === 0) {
        if (this.done) return;
        this.partial.append(bytes.subarray(at), this.need);
        this.partialReads = 1;
        return;
      }
      at += used;
    }
  }

  /** Handles the frame starting at `at`: the bytes it took, or 0 when it is not whole yet. */
  private frameAt(bytes: Buffer, at: number): number {
    const available = bytes.length - at;
    if (available < 2) return this.wait(2);
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    let length = b1 & 0x7f;
    const lengthBytes = length === 126 ? 2 : length === 127 ? 8 : 0;
    const headerSize = 2 + lengthBytes + 4;
    if ((b0 & 0x70) !== 0) return this.fail(1002, 'RSV bits must be clear');
    if ((b1 & 0x80) === 0) return this.fail(1002, 'client frames must be masked');
    const control = opcode >= OP_CLOSE;
    if (control) {
      if (opcode > OP_PONG) return this.fail(1002, `invalid opcode ${opcode}`);
      if (!fin) return this.fail(1002, 'control frames must not be fragmented');
      if (length > 125) return this.fail(1002, 'control frame payload over 125 bytes');
    } else if (opcode > OP_BINARY) {
      return this.fail(1002, `invalid opcode ${opcode}`);
    } else if (opcode === OP_CONTINUATION ? !this.inMessage : this.inMessage) {
      return this.fail(
        1002,
        this.inMessage ? 'expected a continuation frame' : 'unexpected continuation frame',
      );
    }
    if (available < headerSize) return this.wait(headerSize);
    if (lengthBytes === 2) {
      length = bytes.readUInt16BE(at + 2);
    } else if (lengthBytes === 8) {
      // Past 4 GiB is past any maxPayload this server allows.
      if (bytes.readUInt32BE(at + 2) !== 0) return this.fail(1009, 'message too large');
      length = bytes.readUInt32BE(at + 6);
    }
    if (!control && (opcode === OP_CONTINUATION ? this.fragments.length : 0) + length > this.maxPayload)
      return this.fail(1009, 'message too large');
    const frameSize = headerSize + length;
    if (available < frameSize) return this.wait(frameSize);

    const start = at + headerSize;
    const payload = bytes.subarray(start, start + length);
    unmask(payload, bytes, start - 4);
    if (control) this.controlFrame(opcode, payload);
    else this.dataFrame(opcode, fin, payload);
    return frameSize;
  }

  private dataFrame(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode !== OP_CONTINUATION) {
      if (fin) return this.sink.message(payload, opcode === OP_BINARY);
      this.inMessage = true;
      this.fragmentBinary = opcode === OP_BINARY;
    }
    if (this.fragmentCount >= MAX_FRAGMENTS) return void this.fail(1008, 'too many fragments');
    this.fragmentCount++;
    this.fragments.append(payload);
    if (!fin) return;
    const data = this.fragments.take();
    this.fragmentCount = 0;
    this.inMessage = false;
    this.sink.message(data, this.fragmentBinary);
  }

  private controlFrame(opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) return this.sink.ping(payload);
    if (opcode === OP_PONG) return this.sink.pong(payload);
    if (payload.length === 0) return this.finish(() => this.sink.close(1005, ''));
    if (payload.length === 1) return void this.fail(1002, 'close frame payload of 1 byte');
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) return void this.fail(1002, `invalid close code ${code}`);
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) return void this.fail(1007, 'close reason is not UTF-8');
    this.finish(() => this.sink.close(code, reason.toString('utf8')));
  }

  private wait(need: number): number {
    this.need = need;
    return 0;
  }

  private fail(code: number, reason: string): number {
    this.finish(() => this.sink.error(code, reason));
    return 0;
  }

  /** Stops reading (nothing a client sends after its close, or after an error, counts) and tells the sink. */
  private finish(tell: () => void): void {
    this.done = true;
    this.partial.clear();
    this.fragments.clear();
    tell();
  }
}

/** XORs `payload` in place with the 4-byte key at `bytes[keyAt]` (RFC 6455 §5.3). */
function unmask(payload: Buffer, bytes: Buffer, keyAt: number): void {
  const k0 = bytes[keyAt]!;
  const k1 = bytes[keyAt + 1]!;
  const k2 = bytes[keyAt + 2]!;
  const k3 = bytes[keyAt + 3]!;
  const n = payload.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    payload[i] = payload[i]! ^ k0;
    payload[i + 1] = payload[i + 1]! ^ k1;
    payload[i + 2] = payload[i + 2]! ^ k2;
    payload[i + 3] = payload[i + 3]! ^ k3;
  }
  if (i < n) payload[i] = payload[i]! ^ k0;
  if (i + 1 < n) payload[i + 1] = payload[i + 1]! ^ k1;
  if (i + 2 < n) payload[i + 2] = payload[i + 2]! ^ k2;
}
