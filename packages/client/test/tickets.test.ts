import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { guestToken, startServer } from '../../server/test/support/server.js';
import type { RoomConnection } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';
import { RecordingProxy } from './support/recording-proxy.js';

// No guest is invited to the peer-to-peer session here, so no peer connection is ever made.
class NoPeerConnections {
  constructor() {
    throw new Error('no WebRTC in this test');
  }
}

let server: TandemServer;
let proxy: RecordingProxy;
const open: RoomConnection[] = [];
beforeEach(async () => {
  server = await startServer();
  proxy = await RecordingProxy.start(server.port);
});
afterEach(async () => {
  for (const room of open.splice(0)) room.leave();
  await proxy.close();
  await server.close();
});

/** No URL the proxy saw carries a token: only single-use tickets, on the upgrades. */
function expectNoTokenInUrls(): void {
  expect(proxy.seen.filter((line) => /[?&]token=/.test(line))).toEqual([]);
  expect(proxy.upgrades.length).toBeGreaterThan(0);
  for (const line of proxy.upgrades) expect(line).toMatch(/\?ticket=[A-Za-z0-9_-]{43}$/);
}

describe('the SDK keeps tokens out of URLs', () => {
  it('connects rooms, by id and by code, with single-use tickets', async () => {
    const ada = nodeClient(proxy.url, { guest: 'Ada' });
    const hosted = await ada.host({ policy: 'open' });
    const host = ada.join({ roomId: hosted.roomId });
    open.push(host);
    await reach(host, 'connected');
    const { token } = await guestToken(server, 'Grace');
    const grace = nodeClient(proxy.url, token).join({ code: hosted.joinCode });
    open.push(grace);
    await reach(grace, 'connected');
    expect(grace.self?.name).toBe('Grace');
    expectNoTokenInUrls();
    expect(proxy.upgrades).toHaveLength(2);
  });

  it("connects a peer-to-peer host's signaling with a ticket, and ends the session through one", async () => {
    const ada = nodeClient(proxy.url, { guest: 'Ada' }, { RTCPeerConnection: NoPeerConnections as never });
    const session = await ada.hostPeerToPeer({ policy: 'open' });
    await reach(session.room, 'connected');
    // The server forgets a session when its host's signaling connection closes cleanly: that
    // connection was made.
    const ended = new Promise<string>((resolve) => {
      server.signaling.onLive = (id, live) => {
        if (!live) resolve(id);
      };
    });
    session.end();
    expect(await ended).toBe(session.sessionId);
    expect(proxy.upgrades.some((line) => line.startsWith(`GET /p2p/${session.sessionId}?`))).toBe(true);
    expectNoTokenInUrls();
  });
});
