import { ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
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
  class PageSocket extends WebSocket {
    constructor(url: string) {
      super(gone ? 'ws://127.0.0.1:1' : url);
      if (!gone) open.push(this);
    }
  }
  return {
    WebSocket: PageSocket,
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
): { client: TandemClient; unload: () => void } {
  const client = nodeClient(server.url, token, {
    WebSocket: sockets.WebSocket as never,
    RTCPeerConnection: NoPeerConnections as never,
  });
  return { client, unload: sockets.unload };
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
    const first = page({ guest: 'Ada' });
    const session = await first.client.hostPeerToPeer();
    await reach(session.room, 'connected');
    first.unload();
    const mallory = page({ guest: 'Mallory' });
    const taken = await mallory.client.resumePeerToPeer(session.sessionId);
    await reach(taken.room, 'disconnected');
    expect(server.signaling.size).toBe(1);
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
