import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One frame as the server sent it (server frames are never masked). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Options for {@link clientFrame}; the defaults make a valid final, masked frame. */
export interface FrameShape {
  fin?: boolean;
  masked?: boolean;
  rsv?: number;
  /** Announce this length instead of the payload's (the payload is still what is sent). */
  declaredLength?: number;
}

/** Encodes a client frame (RFC 6455 §5.2), valid unless `shape` says otherwise. */
export function clientFrame(opcode: number, payload: Uint8Array, shape: FrameShape = {}): Buffer {
  const { fin = true, masked = true, rsv = 0 } = shape;
  const length = shape.declaredLength ?? payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  head[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2);
  const body = Buffer.from(payload);
  if (masked) {
    const key = randomBytes(4);
    key.copy(head, head.length - 4);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  }
  return Buffer.concat([head, body]);
}

/**
 * A WebSocket client on a bare TCP socket, for what a well-behaved client library never sends:
 * frames split anywhere, unmasked or malformed frames, fragments, pings and close codes.
 */
export class RawSocket {
  readonly frames: ServerFrame[] = [];
  /** Resolves when the server ends or closes the TCP connection. */
  readonly ended: Promise<void>;
  private buffered = Buffer.alloc(0);
  private waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => {
      socket.once('end', resolve);
      socket.once('close', resolve);
    });
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  /** Connects and completes the upgrade to `path` (with its query). */
  static async open(port: number, path: string): Promise<RawSocket> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) reject(new Error(`upgrade refused: ${status}`));
        resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
    });
    const raw = new RawSocket(socket);
    if (rest.length > 0) raw.read(rest);
    return raw;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first frame (already received or still to come) that matches. */
  next(match: (f: ServerFrame) => boolean): Promise<ServerFrame> {
    const ready = this.frames.find(match);
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The server's close frame: its code (1005 when it gave none) and reason. */
  async closeFrame(): Promise<{ code: number; reason: string }> {
    const frame = await this.next((f) => f.opcode === 0x8);
    if (frame.payload.length < 2) return { code: 1005, reason: '' };
    return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString() };
  }

  private read(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.buffered.length < 2) return;
      let length = this.buffered[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (this.buffered.length < 4) return;
        length = this.buffered.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (this.buffered.length < 10) return;
        length = Number(this.buffered.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buffered.length < at + length) return;
      const frame = { opcode: this.buffered[0]! & 0x0f, payload: this.buffered.subarray(at, at + length) };
      this.buffered = this.buffered.subarray(at + length);
      this.frames.push(frame);
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) {
        if (w.match(frame)) w.resolve(frame);
        else this.waiters.push(w);
      }
    }
  }
}
