import { closeCodeOf, ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock, MemoryRoomStore, Room } from '../../room/src/index.js';
import { CloseCodeWatcher } from '../src/p2p/channel.js';
import { LoopbackSocket } from '../src/p2p/loopback-socket.js';
import { RoomConnection } from '../src/room.js';
import { reach, until } from './support/clients.js';

/** A room as a peer-to-peer host runs it: in this process, in memory. */
function hostRoom(policy: 'open' | 'host-approval' = 'open') {
  return new Room({
    id: 'nss-ab12cd-3xy7',
    clock: new ManualClock(),
    store: new MemoryRoomStore(),
    settings: { hostUserId: 'ada', joinCode: '', policy, docMode: 'ops' },
  });
}

/** A connection to `room` over the loopback, as the host's own client (or a guest, in these tests). */
function connect(room: Room, userId: string, name: string): RoomConnection {
  const connection = new RoomConnection({
    url: 'http://unused.invalid',
    target: { roomId: room.id },
    tokens: { token: async () => 'unused' },
    WebSocket: WebSocket as never,
    autoVisibility: false,
    connector: () => new LoopbackSocket(room, { userId, name }),
  });
  connection.connect();
  return connection;
}

describe('the host’s loopback to the room in its page', () => {
  it('carries a connection as a socket would: admission, roster, operations and leaving', async () => {
    const room = hostRoom('host-approval');
    const ada = connect(room, 'ada', 'Ada');
    await reach(ada, 'connected');
    expect(ada.self?.name).toBe('Ada');
    expect(ada.settings?.hostUserId).toBe('ada');

    const grace = connect(room, 'grace', 'Grace');
    await reach(grace, 'waiting');
    await until(ada, 'admission', () => ada.waitingList.length === 1);
    expect(ada.waitingList[0]?.name).toBe('Grace');
    ada.admit(ada.waitingList[0]!.slot);
    await reach(grace, 'connected');

    const log = { initial: [] as string[], apply: (s: string[], op: string) => [...s, op] };
    ada.ops.use(log);
    grace.ops.use(log);
    await ada.ops.submit('from ada');
    await until(grace, 'activity', () => grace.ops.version === ada.ops.version);
    expect(grace.ops.state).toEqual(['from ada']);

    grace.leave();
    await until(ada, 'others', () => ada.others.length === 0);
    expect(room.size).toBe(1);
  });

  it('reports the close code of the room’s fatal error, as a WebSocket close would', async () => {
    const room = hostRoom('host-approval');
    const ada = connect(room, 'ada', 'Ada');
    await reach(ada, 'connected');
    const grace = connect(room, 'grace', 'Grace');
    await until(ada, 'admission', () => ada.waitingList.length === 1);
    const closed = new Promise<string | undefined>((resolve) =>
      grace.on('status', ({ status, error }) => {
        if (status === 'disconnected') resolve(error?.codeName);
      }),
    );
    ada.decline(ada.waitingList[0]!.slot);
    expect(await closed).toBe('Declined');
  });
});

describe('a guest’s close code over a DataChannel', () => {
  it('is the room’s last fatal error, or 1006 when the link was lost', () => {
    const watcher = new CloseCodeWatcher();
    expect(watcher.code()).toBe(1006);
    watcher.saw(encode({ type: 'error', code: ErrorCode.RateLimited, rid: 3, message: 'slow down' }));
    watcher.saw(new Uint8Array([MESSAGES.error.tag, 0xff, 0xff]));
    watcher.saw(encode({ type: 'pong', nonce: 1 }));
    expect(watcher.code()).toBe(1006);
    watcher.saw(encode({ type: 'error', code: ErrorCode.Removed, rid: 0, message: 'removed' }));
    expect(watcher.code()).toBe(closeCodeOf(ErrorCode.Removed));
  });
});
