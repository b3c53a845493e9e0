import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/src/server.js';
import { guestToken, startServer } from '../../server/test/support/server.js';
import { type KeyValueStorage, type TandemClient, WebStorageRoomStore } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';

// No guest is invited in these tests, so no peer connection is ever made.
class NoPeerConnections {
  constructor() {
    throw new Error('no WebRTC in this test');
  }
}

/** `sessionStorage`, as a reload of the page finds it. */
function tabStorage(): KeyValueStorage {
  const entries = new Map<string, string>();
  return {
    getItem: (k) => entries.get(k) ?? null,
    setItem: (k, v) => void entries.set(k, v),
    removeItem: (k) => void entries.delete(k),
  };
}

/**
 * One page's WebSockets: `unload()` drops them as a closing page does (no clean close), and later
 * ones from that page go nowhere, as a page that is gone opens none.
 */
function pageSockets() {
  const open: WebSocket[] = [];
  let gone = false;
  /** Close codes of the page's sockets, and who waits for the next one. */
  const closes: number[] = [];
  let waiting: ((code: number) => void) | undefined;
  class PageSocket extends WebSocket {
    constructor(url: string) {
      super(gone ? 'ws://127.0.0.1:1' : url);
      if (!gone) open.push(this);
      this.once('close', (code: number) => {
        if (waiting) waiting(code);
        else closes.push(code);
        waiting = undefined;
      });
    }
  }
  return {
    WebSocket: PageSocket,
    /** The close code of the page's next socket to close (or of one that closed unawaited). */
    nextClose: (): Promise<number> => {
      const code = closes.shift();
      return code !== undefined ? Promise.resolve(code) : new Promise((resolve) => (waiting = resolve));
    },
    /** The network drops: every open socket is cut, and later ones connect again. */
    drop: () => {
      for (const ws of open.splice(0)) ws.terminate();
    },
    unload: () => {
      gone = true;
      for (const ws of open) ws.terminate();
    },
  };
}

let server: TandemServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

function page(
  token: string | { guest: string },
  sockets = pageSockets(),
  RTCPeerConnection: unknown = NoPeerConnections,
): { client: TandemClient; unload: () => void } {
  const client = nodeClient(server.url, token, {
    WebSocket: sockets.WebSocket as never,
    RTCPeerConnection: RTCPeerConnection as never,
  });
  return { client, unload: sockets.unload };
}

/**
 * A host page's WebRTC as far as these tests need it: `nextInvite()` resolves when the page starts
 * a peer connection for a guest the server introduced, which shows the page is the session's host
 * (the offer then fails: Node has no WebRTC, and the page drops that guest).
 */
function hostPeer() {
  let told: () => void = () => {};
  class Peer {
    constructor() {
      told();
    }
    createDataChannel() {
      return {};
    }
    createOffer() {
      return Promise.reject(new Error('no WebRTC in this test'));
    }
    close() {}
  }
  return {
    Peer,
    nextInvite: () =>
      new Promise<void>((resolve) => {
        told = resolve;
      }),
  };
}

/**
 * Resolves once a guest gets through to the session's host and `invited` says which page that is.
 * Guests are told to try again while no host is connected: each refused one is followed by another.
 */
async function hostedBy(sessionId: string, invited: Promise<void>): Promise<void> {
  for (;;) {
    const guest = await signalingGuest(sessionId);
    guest.on('error', () => undefined);
    const outcome = await Promise.race([
      invited.then(() => 'hosted'),
      new Promise<string>((resolve) => guest.once('close', () => resolve('refused'))),
    ]);
    if (outcome === 'hosted') return;
  }
}

/** A guest's signaling connection, straight to the server. */
async function signalingGuest(sessionId: string): Promise<WebSocket> {
  const { token } = await guestToken(server, 'Grace');
  return new WebSocket(`${server.wsUrl}/p2p/${sessionId}?token=${token}`);
}

/** Resolves when the server forgets the session. */
function sessionEnds(sessionId: string): Promise<void> {
  return new Promise((resolve) => {
    server.signaling.onLive = (id, live) => {
      if (id === sessionId && !live) resolve();
    };
  });
}

describe('a peer-to-peer host whose page reloads', () => {
  it('hosts its session again with the room as it was, from Web Storage', async () => {
    const storage = tabStorage();
    const first = page({ guest: 'Ada' });
    const token = await first.client.token();
    const session = await first.client.hostPeerToPeer({
      policy: 'open',
      store: new WebStorageRoomStore(storage),
    });
    await reach(session.room, 'connected');
    await session.room.lww.set({ title: 'before the reload' });
    expect(server.signaling.size).toBe(1);

    first.unload();
    // The server keeps the session for its host; the next page (same tab, same user) resumes it.
    const second = page(token);
    const resumed = await second.client.resumePeerToPeer(session.sessionId, {
      store: new WebStorageRoomStore(storage),
    });
    await reach(resumed.room, 'connected');
    expect(resumed.sessionId).toBe(session.sessionId);
    expect(resumed.room.lww.json()).toEqual({ title: 'before the reload' });
    expect(resumed.room.self?.role).toBe('host');
    expect(server.signaling.size).toBe(1);
    const ended = sessionEnds(resumed.sessionId);
    resumed.end();
    await ended;
    expect(server.signaling.size).toBe(0);
  });

  it('cannot be taken over by another user: that page’s room ends, and the session still waits for its host', async () => {
    const storage = tabStorage();
    const first = page({ guest: 'Ada' });
    const session = await first.client.hostPeerToPeer({ store: new WebStorageRoomStore(storage) });
    await reach(session.room, 'connected');
    first.unload();
    // Someone else in the same tab, with the room's state at hand.
    const mallory = page({ guest: 'Mallory' });
    const taken = await mallory.client.resumePeerToPeer(session.sessionId, {
      store: new WebStorageRoomStore(storage),
    });
    await reach(taken.room, 'disconnected');
    expect(server.signaling.size).toBe(1);
  });

  it('with nothing of the room stored, ends the session rather than start an empty room under its id', async () => {
    const first = page({ guest: 'Ada' });
    const token = await first.client.token();
    const session = await first.client.hostPeerToPeer({ store: new WebStorageRoomStore(tabStorage()) });
    await reach(session.room, 'connected');
    await session.room.lww.set({ title: 'held by the guests' });
    first.unload();
    const ended = sessionEnds(session.sessionId);
    await expect(
      page(token).client.resumePeerToPeer(session.sessionId, {
        store: new WebStorageRoomStore(tabStorage()),
      }),
    ).rejects.toMatchObject({ code: ErrorCode.RoomNotFound });
    await ended;
    expect(server.signaling.size).toBe(0);
  });

  it('takes over from its previous connection, which the server has not found dead yet', async () => {
    const storage = tabStorage();
    const before = pageSockets();
    const firstRtc = hostPeer();
    const first = page({ guest: 'Ada' }, before, firstRtc.Peer);
    const token = await first.client.token();
    const session = await first.client.hostPeerToPeer({ store: new WebStorageRoomStore(storage) });
    await hostedBy(session.sessionId, firstRtc.nextInvite());
    // The next page (a reload the server has not noticed yet, its old connection still open)
    // hosts at once: the old connection is told the session is hosted elsewhere, and that page's
    // room stops.
    const secondRtc = hostPeer();
    const invited = secondRtc.nextInvite();
    const second = page(token, pageSockets(), secondRtc.Peer);
    const resumed = await second.client.resumePeerToPeer(session.sessionId, {
      store: new WebStorageRoomStore(storage),
    });
    expect(await before.nextClose()).toBe(closeCodeOf(ErrorCode.HostAway));
    await reach(session.room, 'disconnected');
    await hostedBy(session.sessionId, invited);
    expect(resumed.room.status).toBe('connected');
    // Ending now ends it on the server.
    const ended = sessionEnds(session.sessionId);
    resumed.end();
    await ended;
  });

  it('keeps connecting its signaling again when a fresh token does not come at once', async () => {
    const { token } = await guestToken(server, 'Ada');
    // Once the network drops, the next two requests for a token fail too (offline, say).
    let failing = 0;
    let failed = 0;
    const auth = async () => {
      if (failing > 0) {
        failing--;
        failed++;
        throw new Error('offline');
      }
      return token;
    };
    const sockets = pageSockets();
    const rtc = hostPeer();
    const client = nodeClient(server.url, auth, {
      WebSocket: sockets.WebSocket as never,
      RTCPeerConnection: rtc.Peer as never,
    });
    const session = await client.hostPeerToPeer();
    await hostedBy(session.sessionId, rtc.nextInvite());
    failing = 2;
    sockets.drop();
    // Hosting again (a guest is introduced to this page) takes a token that came on a later try.
    await hostedBy(session.sessionId, rtc.nextInvite());
    expect(failed).toBe(2);
    session.end();
  });

  it('ends the session on the server when ended while its signaling is down', async () => {
    const sockets = pageSockets();
    const first = page({ guest: 'Ada' }, sockets);
    const session = await first.client.hostPeerToPeer();
    await reach(session.room, 'connected');
    const ended = sessionEnds(session.sessionId);
    sockets.drop();
    session.end();
    await ended;
    expect(server.signaling.size).toBe(0);
  });

  it('is told the session ended when it comes back too late or it was ended', async () => {
    const first = page({ guest: 'Ada' });
    const token = await first.client.token();
    const session = await first.client.hostPeerToPeer({ store: new WebStorageRoomStore(tabStorage()) });
    await reach(session.room, 'connected');
    const ended = sessionEnds(session.sessionId);
    session.end();
    await ended;
    await expect(page(token).client.resumePeerToPeer(session.sessionId)).rejects.toMatchObject({
      code: ErrorCode.RoomNotFound,
    });
  });
});

describe('a peer-to-peer host ending its session from the room', () => {
  it('ends it on the signaling server too, as session.end() does', async () => {
    const first = page({ guest: 'Ada' });
    const token = await first.client.token();
    const session = await first.client.hostPeerToPeer();
    await reach(session.room, 'connected');
    const ended = sessionEnds(session.sessionId);
    await session.room.endSession();
    await ended;
    expect(server.signaling.size).toBe(0);
    await expect(page(token).client.resumePeerToPeer(session.sessionId)).rejects.toMatchObject({
      code: ErrorCode.RoomNotFound,
    });
  });
});
