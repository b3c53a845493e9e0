import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/src/server.js';
import { guestToken, startServer } from '../../server/test/support/server.js';
import { type PeerChannel, type PeerChannelState, peerChannelOf } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';
import { FailingPeer } from './support/failing-peer.js';

let server: TandemServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** Every state `channel` goes through from now on. */
function statesOf(channel: PeerChannel): PeerChannelState[] {
  const seen: PeerChannelState[] = [];
  channel.on((state) => seen.push(state));
  return seen;
}

/** Resolves once `channel` is in `status`. */
function reachChannel(channel: PeerChannel, status: PeerChannelState['status']): Promise<PeerChannelState> {
  if (channel.state.status === status) return Promise.resolve(channel.state);
  return new Promise((resolve) => {
    const off = channel.on((state) => {
      if (state.status !== status) return;
      off();
      resolve(state);
    });
  });
}

describe('a peer-to-peer host’s channel', () => {
  it('is idle while no guest has come, connecting while one is reached, failed with why when none could be', async () => {
    const host = nodeClient(server.url, { guest: 'Ada' }, { RTCPeerConnection: FailingPeer as never });
    const session = await host.hostPeerToPeer({ policy: 'open' });
    await reach(session.room, 'connected');
    expect(session.channel.state).toEqual({ status: 'idle' });
    expect(peerChannelOf(session.room)).toBe(session.channel);
    const states = statesOf(session.channel);

    // A guest the server introduces; the host's offer to it fails.
    const { token } = await guestToken(server, 'Grace');
    const guest = new WebSocket(`${server.wsUrl}/p2p/${session.sessionId}?token=${token}`);
    guest.on('error', () => undefined);
    const failed = await reachChannel(session.channel, 'failed');
    expect(failed.reason).toMatch(/could not offer a connection: no route/);
    expect(states.map((s) => s.status)).toEqual(['connecting', 'failed']);

    // Ending the session leaves nothing to tell.
    session.end();
    expect(session.channel.state).toEqual({ status: 'idle' });
    guest.close();
  });
});

describe('a peer-to-peer guest’s channel', () => {
  it('is connecting while it reaches the host, and idle once it leaves, even between attempts', async () => {
    // The session exists, but its host never connects: the guest is told HostAway and keeps trying.
    const host = nodeClient(server.url, { guest: 'Ada' }, { RTCPeerConnection: FailingPeer as never });
    const res = await fetch(`${server.url}/p2p`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await host.token()}` },
      body: '{}',
    });
    const { sessionId } = (await res.json()) as { sessionId: string };
    const guest = nodeClient(server.url, { guest: 'Grace' }, { RTCPeerConnection: FailingPeer as never });
    const room = guest.joinPeerToPeer(sessionId);
    const channel = peerChannelOf(room)!;
    const away = await new Promise<string>((resolve) =>
      room.on('status', ({ status, error }) => {
        if (status === 'reconnecting' && error) resolve(error.codeName ?? '');
      }),
    );
    expect(away).toBe('HostAway');
    // Each attempt says why the one before did not get through.
    await new Promise<void>((resolve) => {
      const off = room.on('status', ({ status }) => {
        if (status !== 'reconnecting') return;
        off();
        resolve();
      });
    });
    expect(channel.state.status).toBe('connecting');
    expect(channel.state.reason).toMatch(/host/);
    room.leave();
    expect(channel.state).toEqual({ status: 'idle' });
  });

  it('has failed, with the reason, when the session does not exist', async () => {
    const guest = nodeClient(server.url, { guest: 'Grace' }, { RTCPeerConnection: FailingPeer as never });
    const room = guest.joinPeerToPeer('nss-nobody-home');
    const failed = await reachChannel(peerChannelOf(room)!, 'failed');
    expect(failed.reason).toMatch(/no peer-to-peer session with that id/);
    // The room gives up too: nobody hosts that id.
    await reach(room, 'disconnected');
  });
});
