import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { writeBinaryFrame } from '../src/transport/frame-writer.js';
import { readFrames } from '../src/transport/read-frames.js';
import { within } from './support/deadline.js';
import { clientFrame } from './support/raw-socket.js';

/**
 * The server upgrades with `ws` and then reads and writes frames on the stream itself
 * (`read-frames.ts`, `frame-writer.ts`). That leans on how `ws` wires a socket, which no semver
 * promise covers, so `ws` is pinned to one exact version and these tests, on real connections,
 * fail when what the server relies on changes.
 */

const require = createRequire(import.meta.url);

interface Taken {
  ws: WebSocket;
  stream: Duplex;
  /** `ws`'s own `data` listeners, as found in the upgrade callback. */
  wsDataListeners: string[];
  /** The names of `ws`'s listeners on the stream, per event. */
  wsListenerNames: Record<'close' | 'end' | 'error', string[]>;
  messages: Buffer[];
  /** Emits `message` as the reader hands one on. */
  events: EventEmitter;
  /** Messages `ws`'s own receiver emitted: none once the reader has taken over. */
  wsMessages: number;
  pongs: Buffer[];
  peerClose?: number;
}

let http: Server | undefined;
/** Upgraded sockets, which the HTTP server no longer tracks. */
const sockets = new Set<Duplex>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => http?.close(resolve) ?? resolve(undefined));
  http = undefined;
});

/** A server wired as the gate wires one (`upgrade.ts`), handing each taken-over socket to the test. */
async function serve(): Promise<{ port: number; next: () => Promise<Taken> }> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const waiting: ((taken: Taken) => void)[] = [];
  http = createServer();
  http.on('upgrade', (req, socket, head) => {
    sockets.add(socket);
    const own = socket.listeners('data');
    const before = new Set(['close', 'end', 'error'].flatMap((event) => socket.listeners(event)));
    const names = (event: string) =>
      socket
        .listeners(event)
        .filter((l) => !own.includes(l) && !before.has(l))
        .map((l) => l.name);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const taken: Taken = {
        ws,
        stream: socket,
        wsDataListeners: names('data'),
        wsListenerNames: { close: names('close'), end: names('end'), error: names('error') },
        messages: [],
        events: new EventEmitter(),
        wsMessages: 0,
        pongs: [],
      };
      ws.on('message', () => taken.wsMessages++);
      ws.on('pong', (payload) => taken.pongs.push(payload));
      readFrames(
        ws,
        socket,
        own,
        1024 * 1024,
        (data) => {
          taken.messages.push(Buffer.from(data));
          taken.events.emit('message');
        },
        () => {},
        (code) => {
          taken.peerClose = code;
        },
      );
      waiting.shift()?.(taken);
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return { port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

async function client(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await once(ws, 'open');
  return ws;
}

/** Resolves once the reader has handed on `count` messages. */
function messages(taken: Taken, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (taken.messages.length < count) return;
      taken.events.off('message', check);
      resolve();
    };
    taken.events.on('message', check);
    check();
  });
}

describe('ws, as the server relies on it', () => {
  it('is installed at the exact version @tandem/server pins', () => {
    const pinned = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).dependencies
      .ws;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(require('ws/package.json').version).toBe(pinned);
  });

  it('adds one data listener of its own in setSocket, which the reader replaces', async () => {
    const { port, next } = await serve();
    const taken = next();
    const peer = await client(port);
    const server = await taken;
    expect(server.wsDataListeners).toEqual(['socketOnData']);
    expect(server.wsListenerNames).toEqual({
      close: ['socketOnClose'],
      end: ['socketOnEnd'],
      error: ['socketOnError'],
    });
    expect(server.stream.listeners('data')).toHaveLength(1);

    peer.send(Buffer.from('first'));
    peer.send(Buffer.from('second'));
    peer.ping('hi');
    const pong = await within(5000, once(peer, 'pong'), 'pong');
    expect(String(pong[0])).toBe('hi');
    await within(5000, messages(server, 2), 'two messages');
    expect(server.messages.map(String)).toEqual(['first', 'second']);
    expect(server.wsMessages).toBe(0);
    peer.terminate();
  });

  it('delivers bytes that arrived with the upgrade request to the reader, not to its receiver', async () => {
    const { port, next } = await serve();
    const taken = next();
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        clientFrame(0x2, Buffer.from('in the head')),
      ]),
    );
    const server = await taken;
    await within(5000, messages(server, 1), 'the head frame');
    expect(server.messages.map(String)).toEqual(['in the head']);
    expect(server.wsMessages).toBe(0);
    socket.destroy();
  });

  it("writes its pings synchronously, so they interleave in order with the server's own frames", async () => {
    const { port, next } = await serve();
    const taken = next();
    const peer = await client(port);
    const server = await taken;
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      const log = (entry: string): void => {
        order.push(entry);
        if (order.length === 3) resolve();
      };
      peer.on('message', (data) => log(`message ${String(data)}`));
      peer.on('ping', (data) => log(`ping ${String(data)}`));
    });
    const before = server.stream.writableLength + (server.stream as { bytesWritten?: number }).bytesWritten!;
    writeBinaryFrame(server.stream, Buffer.from('a'));
    server.ws.ping('b');
    writeBinaryFrame(server.stream, Buffer.from('c'));
    // bytesWritten counts bytes handed to the socket, flushed or not: all three frames are in.
    expect((server.stream as { bytesWritten?: number }).bytesWritten! - before).toBeGreaterThanOrEqual(3 * 3);
    await within(5000, done, 'three frames');
    expect(order).toEqual(['message a', 'ping b', 'message c']);
    // The client's automatic pong goes through the reader, which re-emits it on the ws.
    await within(
      5000,
      new Promise<void>((resolve) => {
        if (server.pongs.length > 0) resolve();
        else server.ws.once('pong', () => resolve());
      }),
      'pong event',
    );
    expect(String(server.pongs[0])).toBe('b');
    peer.terminate();
  });

  it("emits close when the client closes first, though its receiver never saw the client's close frame", async () => {
    const { port, next } = await serve();
    const taken = next();
    const peer = await client(port);
    const server = await taken;
    const serverClosed = once(server.ws, 'close');
    peer.close(4001, 'bye');
    const [code, reason] = await within(5000, once(peer, 'close'), 'client close');
    expect(code).toBe(4001);
    expect(String(reason)).toBe('bye');
    await within(5000, serverClosed, "the server's ws close event");
    expect(server.peerClose).toBe(4001);
    expect(server.ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('emits close when the server closes first and the client answers', async () => {
    const { port, next } = await serve();
    const taken = next();
    const peer = await client(port);
    const server = await taken;
    const serverClosed = once(server.ws, 'close');
    server.ws.close(4002, 'server');
    const [code] = await within(5000, once(peer, 'close'), 'client close');
    expect(code).toBe(4002);
    await within(5000, serverClosed, "the server's ws close event");
    expect(server.peerClose).toBe(4002);
    expect(server.ws.readyState).toBe(WebSocket.CLOSED);
  });
});
