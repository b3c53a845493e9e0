import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import {
  EPOCH_SPAN,
  ManualClock,
  MemoryRoomStore,
  Room,
  type RoomStore,
  type RoomWrite,
} from '../src/index.js';
import { bytes, Peer } from './support/harness.js';
import { seededRandom } from './support/random.js';

async function restart(store: RoomStore, clock: ManualClock, previous?: Room): Promise<Room> {
  await previous?.close();
  return Room.load({ id: 'lesson', store, clock, random: seededRandom(2) });
}

function join(room: Room, userId: string, email?: string): Peer {
  return new Peer(room, { userId, name: userId, ...(email ? { email } : {}) }).hello();
}

describe('persistence through the storage interface', () => {
  it('restores document, settings, trusted list, host and admitted users after a restart; never chat', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = new Room({
      id: 'lesson',
      store,
      clock,
      settings: { trusted: ['t@example.com'], joinCode: 'ABC234' },
    });
    const host = join(first, 'alice');
    const bob = join(first, 'bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"lesson":1}') });
    host.send({ type: 'chatSend', rid: 2, body: bytes('"ephemeral"') });
    host.send({ type: 'setPolicy', policy: 'host-approval' });

    const second = await restart(store, clock, first);
    const settings = second.getSettings();
    expect(settings).toMatchObject({
      hostUserId: 'alice',
      joinCode: 'ABC234',
      trusted: ['t@example.com'],
      policy: 'host-approval',
    });
    const hostAgain = join(second, 'alice');
    expect(hostAgain.welcome.role).toBe('host');
    expect(hostAgain.last('lwwDoc')).toMatchObject({ version: 1, doc: bytes('{"lesson":1}') });
    expect(hostAgain.last('chatHistory')?.messages).toEqual([]);
    expect(join(second, 'bob').admitted).toBe(true);
    expect(join(second, 'trusty', 't@example.com').admitted).toBe(true);
    expect(join(second, 'stranger').admitted).toBe(false);
  });

  it('restores held locks with their lease, and keeps fencing tokens increasing across restarts', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = new Room({ id: 'lesson', store, clock, settings: { policy: 'open' } });
    const alice = join(first, 'alice');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'a' });
    alice.send({ type: 'lockAcquire', rid: 2, resource: 'b' });
    const lockA = alice.lockId('a');

    clock.advance(10_000);
    const second = await restart(store, clock, first);
    const back = join(second, 'alice');
    expect(back.of('lockGranted').find((g) => g.resource === 'a')).toMatchObject({
      lockId: lockA,
      fence: 1,
      ttlMs: 50_000,
    });
    back.send({ type: 'lockRelease', rid: 3, resource: 'b', lockId: back.lockId('b') });
    const bob = join(second, 'bob');
    bob.send({ type: 'lockAcquire', rid: 4, resource: 'b' });
    expect(bob.last('lockGranted')?.fence).toBe(EPOCH_SPAN + 1);
    clock.advance(50_000);
    expect(bob.last('lockState')).toMatchObject({ resource: 'a', reason: 'expired' });
  });

  it('drops locks whose lease ran out while the room was down', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = new Room({ id: 'lesson', store, clock, settings: { policy: 'open' } });
    join(first, 'alice').send({ type: 'lockAcquire', rid: 1, resource: 'a' });
    await first.close();
    clock.advance(61_000);
    const second = await restart(store, clock);
    expect(join(second, 'bob').last('lockList')?.locks).toEqual([]);
    await second.idle();
    expect((await store.load('lesson'))?.locks).toEqual([]);
  });

  it('restores the ops log and its snapshot', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = new Room({ id: 'lesson', store, clock, settings: { policy: 'open', docMode: 'ops' } });
    const alice = join(first, 'alice');
    for (let i = 1; i <= 3; i++) alice.send({ type: 'opSubmit', rid: i, resource: 'r', op: bytes(`op${i}`) });
    alice.send({ type: 'opsSnapshot', rid: 4, seq: 2, snapshot: bytes('s2') });
    const second = await restart(store, clock, first);
    const sync = join(second, 'bob').last('opsSync')!;
    expect(sync).toMatchObject({ baseSeq: 2, base: bytes('s2') });
    expect(sync.ops.map((o) => [o.seq, o.resource])).toEqual([[3, 'r']]);
    join(second, 'carol').send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('op4') });
    expect(second.documentVersion).toBe(EPOCH_SPAN + 1);
  });

  it('batches the writes of one tick into one store transaction, acking only after it is durable', async () => {
    const writes: RoomWrite[][] = [];
    const inner = new MemoryRoomStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const secondWriteStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const store: RoomStore = {
      load: (id) => inner.load(id),
      delete: (id) => inner.delete(id),
      async write(id, batch) {
        writes.push([...batch]);
        if (writes.length > 1) {
          started();
          await gate;
        }
        await inner.write(id, batch);
      },
    };
    const room = new Room({ id: 'lesson', store, clock: new ManualClock(), settings: { policy: 'open' } });
    const alice = join(room, 'alice');
    await room.idle();
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('a') });
    alice.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('b') });
    const flushed = room.flush();
    await secondWriteStarted;
    expect(writes).toHaveLength(2);
    expect(writes.at(-1)?.map((w) => w.kind)).toEqual(['lww', 'lww']);
    expect(alice.of('docAck')).toEqual([]);
    release();
    await flushed;
    expect(alice.of('docAck').map((a) => [a.rid, a.version])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('tells the author when a write fails instead of acking it, reports it, and closes the room so clients reload', async () => {
    const inner = new MemoryRoomStore();
    let fail = false;
    const store: RoomStore = {
      load: (id) => inner.load(id),
      delete: (id) => inner.delete(id),
      write: (id, batch) => (fail ? Promise.reject(new Error('disk full')) : inner.write(id, batch)),
    };
    const room = new Room({ id: 'lesson', store, clock: new ManualClock(), settings: { policy: 'open' } });
    const failures: unknown[] = [];
    room.onActivity((e) => e.type === 'store-failed' && failures.push(e.error));
    const alice = join(room, 'alice');
    await room.idle();
    fail = true;
    alice.send({ type: 'lwwSet', rid: 7, resource: '', doc: bytes('x') });
    await room.idle();
    expect(alice.of('docAck')).toEqual([]);
    expect(alice.errors().find((e) => e.rid === 7)).toMatchObject({ code: ErrorCode.Internal });
    expect(failures).toHaveLength(1);
    // Memory is now ahead of the store: the room closes and everyone reconnects to a fresh load.
    expect(alice.socket.closed?.code).toBe(4000 + ErrorCode.ServerShutdown);
    fail = false;
    const reloaded = await Room.load({ id: 'lesson', store, clock: new ManualClock() });
    expect(join(reloaded, 'bob').last('lwwDoc')).toMatchObject({ version: 0 });
  });
});

describe('a crash before the flush', () => {
  /** A room whose writes only reach the store when told, so a "crash" can drop what was announced. */
  async function crashable(
    store: MemoryRoomStore,
    clock: ManualClock,
    docMode: 'lww' | 'ops' = 'lww',
  ): Promise<Room> {
    return Room.load({
      id: 'lesson',
      store,
      clock,
      settings: { policy: 'open', docMode },
      manualFlush: true,
    });
  }

  it('never reissues a fencing token that was announced but never stored', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = await crashable(store, clock);
    await first.flush();
    const alice = join(first, 'alice');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'r1' });
    const lost = alice.last('lockGranted')!.fence;
    // Crash: the room object is dropped with its grant never flushed.
    const second = await crashable(store, clock);
    const bob = join(second, 'bob');
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'r1' });
    expect(bob.last('lockGranted')!.fence).toBeGreaterThan(lost);
  });

  it('resyncs an ops client that saw an operation the crashed room never stored', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = await crashable(store, clock, 'ops');
    const alice = join(first, 'alice');
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('kept') });
    await first.flush();
    alice.send({ type: 'opSubmit', rid: 2, resource: '', op: bytes('lost') });
    const aliceSeq = alice.last('op')!.seq;

    const second = await crashable(store, clock, 'ops');
    join(second, 'bob').send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('after') });
    const back = new Peer(second, { userId: 'alice', name: 'alice' }).hello(aliceSeq);
    const sync = back.last('opsSync')!;
    expect(sync.baseSeq).toBe(0);
    expect(sync.ops.map((o) => new TextDecoder().decode(o.op))).toEqual(['kept', 'after']);
  });

  it('resends the document to an lww client whose version the crashed room never stored', async () => {
    const store = new MemoryRoomStore();
    const clock = new ManualClock();
    const first = await crashable(store, clock);
    const alice = join(first, 'alice');
    const carol = join(first, 'carol');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('lost') });
    const seen = carol.last('lwwDoc')!;
    expect(seen.doc).toEqual(bytes('lost'));

    const second = await crashable(store, clock);
    join(second, 'bob').send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('winner') });
    const back = new Peer(second, { userId: 'carol', name: 'carol' }).hello(seen.version);
    expect(back.last('lwwDoc')?.doc).toEqual(bytes('winner'));
  });
});

describe('closing a room', () => {
  it('tells every connection to reconnect and stores what is pending', async () => {
    const store = new MemoryRoomStore();
    const room = new Room({ id: 'lesson', store, clock: new ManualClock(), settings: { policy: 'open' } });
    const alice = join(room, 'alice');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('last words') });
    await room.close();
    expect(alice.socket.closed?.code).toBe(4000 + ErrorCode.ServerShutdown);
    expect(alice.socket.sentAfterClose).toBe(0);
    expect((await store.load('lesson'))?.doc).toMatchObject({ version: 1, doc: bytes('last words') });
    expect(() => room.connect(alice.socket, { userId: 'x', name: '' })).toThrow(/closed/);
  });
});
