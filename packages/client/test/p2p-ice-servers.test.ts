import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { IceServer } from '../src/index.js';
import { nodeClient } from './support/clients.js';

let server: TandemServer;
beforeEach(async () => {
  server = await startServer({ iceServers: 'stun:stun.example.org:3478' });
});
afterEach(async () => {
  await server.close();
});

/**
 * A WebRTC implementation that only tells which STUN/TURN servers a peer connection was made with
 * (Node has no WebRTC; nothing is contacted).
 */
function recordingPeer() {
  let told: (servers: RTCIceServer[]) => void = () => {};
  const made = new Promise<RTCIceServer[]>((resolve) => {
    told = resolve;
  });
  class Peer {
    constructor(configuration: RTCConfiguration) {
      told(configuration.iceServers ?? []);
    }
    createDataChannel() {
      return {};
    }
    createOffer() {
      return Promise.reject(new Error('no WebRTC in this test'));
    }
    close() {}
  }
  return { Peer, made };
}

/** The servers a guest's peer connection is made with, the guest's client having `iceServers`. */
async function guestServers(iceServers?: IceServer[]): Promise<RTCIceServer[]> {
  const host = nodeClient(server.url, { guest: 'Ada' }, { RTCPeerConnection: recordingPeer().Peer as never });
  const session = await host.hostPeerToPeer();
  const rtc = recordingPeer();
  const guest = nodeClient(
    server.url,
    { guest: 'Grace' },
    {
      RTCPeerConnection: rtc.Peer as never,
      ...(iceServers ? { iceServers } : {}),
    },
  );
  const room = guest.joinPeerToPeer(session.sessionId);
  const servers = await rtc.made;
  room.leave();
  session.end();
  return servers;
}

describe('the STUN/TURN servers of a peer-to-peer session', () => {
  it('are the server’s by default', async () => {
    expect(await guestServers()).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
  });

  it('are the client’s when it names its own, or none at all', async () => {
    const turn = { urls: 'turn:turn.example.org:3478', username: 'u', credential: 'p' };
    expect(await guestServers([turn])).toEqual([turn]);
    expect(await guestServers([])).toEqual([]);
  });
});
