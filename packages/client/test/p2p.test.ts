import { closeCodeOf, ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock, MemoryRoomStore, Room } from '../../room/src/index.js';
import { CloseCodeWatcher, sendFrame } from '../src/p2p/channel.js';
import {
  FrameAssembler,
  GOODBYE_MESSAGE,
  isGoodbye,
  MAX_MESSAGE_BYTES,
  toMessages,
} from '../src/p2p/chunks.js';
import { LoopbackSocket } from '../src/p2p/loopback-socket.js';
import { RoomConnection } from '../src/room-connection.js';
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
    tokens: { token: async () => 'unused', ticket: async () => 'unused' },
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

describe('frames over a DataChannel', () => {
  const frameOf = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);

  it('go whole when small and in ordered pieces when large, and come back byte for byte', () => {
    for (const size of [0, 1, 99, 100, 101, 350, 1_000]) {
      const frame = frameOf(size);
      const messages = toMessages(frame, 100);
      expect(messages.every((m) => m.length <= 100)).toBe(true);
      expect(messages.length).toBe(size <= 99 ? 1 : Math.ceil(size / 99));
      const assembler = new FrameAssembler(10_000);
      const out = messages.map((m) => assembler.push(m));
      expect(out.slice(0, -1).every((f) => f === undefined)).toBe(true);
      expect(out.at(-1)).toEqual(frame);
    }
    // A 512 KiB document fits in pieces every browser's DataChannel accepts.
    const doc = frameOf(512 * 1024);
    const pieces = toMessages(doc);
    expect(Math.max(...pieces.map((p) => p.length))).toBe(MAX_MESSAGE_BYTES);
    const assembler = new FrameAssembler(600 * 1024);
    let back: Uint8Array | undefined;
    for (const piece of pieces) back = assembler.push(piece) ?? back;
    expect(back && Buffer.compare(back, doc)).toBe(0);
  });

  it('are told apart from the goodbye a host sends before closing a channel on purpose', () => {
    expect(isGoodbye(GOODBYE_MESSAGE)).toBe(true);
    // A one-byte frame, and the first piece of a frame starting with that byte, are frames.
    expect(isGoodbye(toMessages(GOODBYE_MESSAGE)[0]!)).toBe(false);
    expect(isGoodbye(Uint8Array.of(3, 3))).toBe(false);
    expect(() => new FrameAssembler(100).push(GOODBYE_MESSAGE)).toThrow(/flag 3/);
  });

  it('refuse a frame over the limit, an unknown flag, and a whole frame in the middle of another', () => {
    const big = toMessages(frameOf(500), 100);
    const small = new FrameAssembler(300);
    expect(() => {
      for (const m of big) small.push(m);
    }).toThrow(/larger than allowed/);
    expect(() => new FrameAssembler(300).push(new Uint8Array([9, 1, 2]))).toThrow(/flag 9/);
    const interrupted = new FrameAssembler(10_000);
    interrupted.push(big[0]!);
    expect(() => interrupted.push(toMessages(frameOf(3), 100)[0]!)).toThrow(/flag 0/);
  });

  it('are sent without ever throwing into the room: a channel that refuses a message is closed', () => {
    const channel = (limit: number, state = 'open', bufferedAmount = 0) => {
      const record = { sent: [] as Uint8Array[], closed: 0 };
      const like = {
        binaryType: 'arraybuffer',
        readyState: state,
        bufferedAmount,
        send: (m: Uint8Array) => {
          if (m.length > limit) throw new TypeError('message too large');
          record.sent.push(m);
        },
        close: () => {
          record.closed++;
        },
        onopen: null,
        onmessage: null,
        onclose: null,
        onerror: null,
      };
      return { like, record };
    };
    const frame = frameOf(40_000);
    const accepting = channel(MAX_MESSAGE_BYTES);
    sendFrame(accepting.like, frame);
    expect(accepting.record.sent).toEqual(toMessages(frame));
    expect(accepting.record.closed).toBe(0);

    const refusing = channel(1_000);
    sendFrame(refusing.like, frame);
    expect([refusing.record.sent.length, refusing.record.closed]).toEqual([0, 1]);

    const closing = channel(MAX_MESSAGE_BYTES, 'closing');
    sendFrame(closing.like, frame);
    expect([closing.record.sent.length, closing.record.closed]).toEqual([0, 0]);

    const backedUp = channel(MAX_MESSAGE_BYTES, 'open', 17 * 1024 * 1024);
    sendFrame(backedUp.like, frame);
    expect([backedUp.record.sent.length, backedUp.record.closed]).toEqual([0, 1]);
  });
});
