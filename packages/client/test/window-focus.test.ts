// @vitest-environment jsdom
import { decode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryRoomStore, Room } from '../../room/src/index.js';
import { LoopbackSocket } from '../src/p2p/loopback-socket.js';
import { RoomConnection } from '../src/room-connection.js';
import { reach, until } from './support/clients.js';

const room = new Room({
  id: 'focus',
  store: new MemoryRoomStore(),
  settings: { hostUserId: 'ada', joinCode: '', policy: 'open', docMode: 'lww' },
});

/** The types of the messages each user's connection has sent the room. */
const sent = new Map<string, string[]>();

/**
 * A connection to the room in this process. Ada's watches this page's window, as in a browser;
 * Grace's does not (she stands for another browser). Cursors go out as soon as they move.
 */
function connect(userId: string, name: string, autoVisibility: boolean): RoomConnection {
  const types: string[] = [];
  sent.set(userId, types);
  const connection = new RoomConnection({
    url: 'http://unused.invalid',
    target: { roomId: room.id },
    tokens: { token: async () => 'unused', ticket: async () => 'unused' },
    WebSocket: class {} as never,
    autoVisibility,
    cursorRate: 1_000_000,
    connector: () => {
      const socket = new LoopbackSocket(room, { userId, name });
      const send = socket.send.bind(socket);
      socket.send = (frame) => {
        types.push(decode(frame).type);
        send(frame);
      };
      return socket;
    },
  });
  connection.connect();
  return connection;
}

describe('a window that loses focus but stays visible (alt-tab)', () => {
  it('clears its cursor for the others and sends none until focus is back and it moves', async () => {
    const ada = connect('ada', 'Ada', true);
    const grace = connect('grace', 'Grace', false);
    await reach(ada, 'connected');
    await reach(grace, 'connected');
    await until(grace, 'others', () => grace.others.length === 1);
    const adaSlot = grace.others[0]!.slot;
    const adaCursor = () => grace.cursors.get(adaSlot);

    ada.updateCursor({ kind: '2d', x: 10, y: 20 });
    await until(grace, 'cursor', () => adaCursor() !== undefined);

    window.dispatchEvent(new Event('blur'));
    await until(grace, 'cursor', () => adaCursor() === undefined);
    // Moves while unfocused go nowhere.
    const cursorsSent = () => sent.get('ada')!.filter((type) => type === 'cursor2d').length;
    expect(cursorsSent()).toBe(1);
    ada.updateCursor({ kind: '2d', x: 30, y: 40 });
    ada.setPresence({ note: 'after the move' });
    await until(grace, 'others', () => (grace.others[0]?.presence as { note?: string })?.note !== undefined);
    expect(cursorsSent()).toBe(1);
    expect(adaCursor()).toBeUndefined();
    // Still here, and not taken for a hidden page.
    expect(grace.others.map((p) => [p.name, p.hidden])).toEqual([['Ada', false]]);

    window.dispatchEvent(new Event('focus'));
    ada.updateCursor({ kind: '2d', x: 50, y: 60 });
    await until(grace, 'cursor', () => adaCursor() !== undefined);
    expect(adaCursor()).toEqual({ kind: '2d', x: 50, y: 60 });
    ada.leave();
    grace.leave();
  });
});
