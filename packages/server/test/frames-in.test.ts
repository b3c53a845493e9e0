import { decodeAll, encode, type Message, PROTOCOL_VERSION } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { clientFrame, RawSocket, type ServerFrame } from './support/raw-socket.js';
import { guestToken, hostSession, joinAs, startServer } from './support/server.js';

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** A raw socket signed in as a new guest, connected to `roomId`, before its hello. */
async function rawGuest(roomId: string, name: string): Promise<RawSocket> {
  const { token } = await guestToken(server!, name);
  const port = Number(new URL(server!.url).port);
  return RawSocket.open(port, `/rooms/${roomId}?token=${encodeURIComponent(token)}`);
}

const messagesOf = (frame: ServerFrame): Message[] =>
  frame.opcode === BINARY ? decodeAll(new Uint8Array(frame.payload)) : [];

/** An open room with its host and a watcher, and a raw socket that has said hello and joined. */
async function rawJoinsWatcher() {
  const { host, session } = await hostSession(server!, { policy: 'open' });
  const watcher = await joinAs(server!, session.roomId, 'Watcher');
  const raw = await rawGuest(session.roomId, 'Raw');
  raw.write(
    clientFrame(
      BINARY,
      encode({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 }),
    ),
  );
  const joined = await watcher.next('peerJoin');
  return { host, watcher, raw, joined };
}

function closePayload(code: number, reason: string): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(code);
  return Buffer.concat([out, Buffer.from(reason)]);
}

describe('frames in', () => {
  it('reads fragmented messages, frames split anywhere and frames sharing a read, and answers pings', async () => {
    server = await startServer({ cursorRate: 100_000 });
    const { session } = await hostSession(server, { policy: 'open' });
    const watcher = await joinAs(server, session.roomId, 'Watcher');
    const raw = await rawGuest(session.roomId, 'Raw');

    // hello in three fragments, with a ping between two of them (control frames may interleave)
    const hello = encode({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 });
    raw.write(clientFrame(BINARY, hello.subarray(0, 3), { fin: false }));
    raw.write(clientFrame(PING, Buffer.from('are you there')));
    raw.write(clientFrame(CONTINUATION, hello.subarray(3, 5), { fin: false }));
    raw.write(clientFrame(CONTINUATION, hello.subarray(5)));
    const pong = await raw.next((f) => f.opcode === PONG);
    expect(pong.payload.toString()).toBe('are you there');
    await raw.next((f) => messagesOf(f).some((m) => m.type === 'admission' && m.state === 'admitted'));

    // two cursors in one write, then a third written a byte at a time
    raw.write(
      Buffer.concat([
        clientFrame(BINARY, encode({ type: 'cursor2d', x: 1, y: 1 })),
        clientFrame(BINARY, encode({ type: 'cursor2d', x: 2, y: 2 })),
      ]),
    );
    await watcher.next('peerCursor2d', (c) => c.x === 2);
    for (const byte of clientFrame(BINARY, encode({ type: 'cursor2d', x: 3, y: 4 })))
      raw.write(Buffer.from([byte]));
    const last = await watcher.next('peerCursor2d', (c) => c.x === 3);
    expect(last.y).toBe(4);
    raw.socket.destroy();
  });

  it('answers a client’s close with the same code, ends the connection, and the room sees it leave', async () => {
    server = await startServer();
    const { watcher, raw, joined } = await rawJoinsWatcher();
    raw.write(clientFrame(CLOSE, closePayload(4001, 'bye')));
    expect(await raw.closeFrame()).toEqual({ code: 4001, reason: 'bye' });
    await raw.ended;
    await watcher.next('peerLeave', (l) => l.slot === joined.slot);
  });

  it.each([
    ['an unmasked frame', clientFrame(BINARY, Buffer.from([1, 2]), { masked: false }), 1002],
    ['RSV bits without an extension', clientFrame(BINARY, Buffer.from([1, 2]), { rsv: 4 }), 1002],
    ['an unknown opcode', clientFrame(3, Buffer.from([1, 2])), 1002],
    ['a continuation of nothing', clientFrame(CONTINUATION, Buffer.from([1, 2])), 1002],
    ['a fragmented ping', clientFrame(PING, Buffer.from([1]), { fin: false }), 1002],
    ['an invalid close code', clientFrame(CLOSE, closePayload(999, '')), 1002],
    ['a close reason that is not UTF-8', clientFrame(CLOSE, Buffer.from([0x03, 0xe8, 0xc3, 0x28])), 1007],
    // only the header: refused before the payload would have to be held
    [
      'a frame announcing more than the largest message',
      clientFrame(BINARY, Buffer.alloc(0), { declaredLength: 200e6 }),
      1009,
    ],
  ])('closes on %s with code %d, and the room carries on', async (_what, bad, code) => {
    server = await startServer();
    const { host, watcher, raw } = await rawJoinsWatcher();
    raw.write(bad);
    expect((await raw.closeFrame()).code).toBe(code);
    await raw.ended;
    await watcher.next('peerLeave');
    host.send({ type: 'cursor2d', x: 7, y: 7 });
    await watcher.next('peerCursor2d', (c) => c.x === 7);
  });
});
