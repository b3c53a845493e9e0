import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameReader } from '../src/transport/frame-reader.js';
import { clientFrame } from './support/raw-socket.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Received, kept: the most a reader held after each read while a frame was dripped into it. */
interface Drip {
  messages: Buffer[];
  /** Per read: bytes received so far, and what the reader held then. */
  samples: { received: number; buffers: number; bytes: number }[];
}

/**
 * Sends `bytes` over a real TCP connection on 127.0.0.1 one byte per write, each written only once
 * the server has read the one before (so every byte is a read of its own), into a FrameReader.
 */
async function drip(bytes: Buffer, reads = bytes.length): Promise<Drip> {
  const result: Drip = { messages: [], samples: [] };
  let serverSide: Socket | undefined;
  server = createServer((socket) => {
    serverSide = socket;
    socket.setNoDelay(true);
    const reader = new FrameReader(1 << 20, {
      message: (data) => result.messages.push(Buffer.from(data)),
      ping: () => {},
      pong: () => {},
      close: () => {},
      error: (code, reason) => {
        throw new Error(`unexpected ${code} ${reason}`);
      },
    });
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      received += chunk.length;
      result.samples.push({ received, ...reader.retained() });
      socket.write('k');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise((resolve) => client.once('connect', resolve));
  await new Promise<void>((resolve) => {
    let sent = 0;
    const next = (): void => {
      if (sent === reads) return resolve();
      client.write(bytes.subarray(sent, sent + 1));
      sent++;
    };
    client.on('data', (acks: Buffer) => {
      for (let i = 0; i < acks.length; i++) next();
    });
    next();
  });
  client.destroy();
  serverSide?.destroy();
  return result;
}

describe('FrameReader holding a frame dripped a byte per read', () => {
  it('keeps it in memory proportional to its bytes, in one buffer, not one object per read', async () => {
    const payload = Buffer.from(Array.from({ length: 2_000 }, (_, i) => i & 0xff));
    const frame = clientFrame(2, payload);
    const { messages, samples } = await drip(frame);
    expect(messages).toEqual([payload]);
    // Every byte arrived in a read of its own (the test is about reads, not about bytes).
    expect(samples).toHaveLength(frame.length);
    for (const { received, buffers, bytes } of samples.slice(0, -1)) {
      expect(buffers).toBeLessThanOrEqual(1);
      expect(bytes).toBeLessThanOrEqual(Math.max(2 * received, 256));
    }
    expect(samples.at(-1)).toMatchObject({ buffers: 0, bytes: 0 });
  });

  it('keeps a fragmented message in one buffer too, however many frames and reads it came in', async () => {
    const parts = Array.from({ length: 200 }, (_, i) => Buffer.from([i, i, i]));
    const stream = Buffer.concat(
      parts.map((part, i) => clientFrame(i === 0 ? 2 : 0, part, { fin: i === parts.length - 1 })),
    );
    const { messages, samples } = await drip(stream);
    expect(messages).toEqual([Buffer.concat(parts)]);
    for (const { received, buffers, bytes } of samples.slice(0, -1)) {
      expect(buffers).toBeLessThanOrEqual(2);
      expect(bytes).toBeLessThanOrEqual(Math.max(2 * received, 512));
    }
  });
});
