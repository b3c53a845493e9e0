import { closeCodeOf, ErrorCode, MESSAGES } from '@tandem/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { WsRoomSocket } from '../src/transport/ws-socket.js';
import { hostSession, joinAs, startServer } from './support/server.js';

let server: TandemServer;
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

describe('a defect met inside one room', () => {
  it('closes that room when one of its timers throws (Internal: its clients reconnect), and the server carries on', async () => {
    server = await startServer();
    const { host, session } = await hostSession(server, { policy: 'open' });
    const guest = await joinAs(server, session.roomId, 'Grace');
    const other = await hostSession(server, { policy: 'open' }, 'Linus');
    // A defect on the cursor tick (a timer of the room): sending the tick's frame throws.
    const send = WsRoomSocket.prototype.send;
    vi.spyOn(WsRoomSocket.prototype, 'send').mockImplementation(function (this: WsRoomSocket, frame) {
      if (frame[0] === MESSAGES.peerCursor2d.tag) throw new Error('a defect');
      send.call(this, frame);
    });
    guest.send({ type: 'cursor2d', x: 1, y: 2 });
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.Internal));
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.Internal));
    vi.restoreAllMocks();
    // Other rooms are untouched, and the closed one loads again for whoever comes back.
    other.host.send({ type: 'ping', nonce: 5 });
    await other.host.next('pong', (p) => p.nonce === 5);
    const back = await joinAs(server, session.roomId, 'Grace');
    expect(back.welcome.slot).toBeGreaterThan(0);
  });
});
