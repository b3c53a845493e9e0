import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryRoomStore, Room, type RoomStore, type RoomWrite } from '../src/index.js';
import { bytes, Peer } from './support/harness.js';
import { seededRandom } from './support/random.js';

/** A store that keeps every batch it was handed, to see what the room stored and when. */
class WatchedStore extends MemoryRoomStore {
  readonly batches: RoomWrite[][] = [];
  override async write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    this.batches.push([...writes]);
    await super.write(roomId, writes);
  }
}

async function open(
  store: RoomStore,
  docMode: 'lww' | 'ops',
  limits: { maxRetryClients?: number; retryWindow?: number } = {},
): Promise<Room> {
  return Room.load({
    id: 'doc',
    store,
    clock: new ManualClock(),
    random: seededRandom(3),
    settings: { policy: 'open', docMode },
    limits,
  });
}

function join(room: Room, userId: string, clientId = ''): Peer {
  return new Peer(room, { userId, name: userId }).hello(0, '', clientId);
}

describe('every edit has an identity', () => {
  it('an ops submit whose echo was lost and that a snapshot compacted is answered on resend, not sequenced again', async () => {
    const store = new MemoryRoomStore();
    const room = await open(store, 'ops');
    const alice = join(room, 'alice', 'tab-a');
    const bob = join(room, 'bob', 'tab-b');
    bob.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"first"') });
    alice.send({ type: 'opSubmit', rid: 7, resource: '', op: bytes('"X"') });
    await room.idle();
    const seqX = alice.of('op').find((o) => o.rid === 7)!.seq;
    bob.send({ type: 'opsSnapshot', rid: 2, seq: seqX, snapshot: bytes('["first","X"]') });
    await room.idle();

    // Alice's connection dropped before she saw anything; her SDK sends the op again.
    alice.disconnect();
    const again = join(room, 'alice', 'tab-a');
    const opsBefore = bob.of('op').length;
    again.send({ type: 'opSubmit', rid: 7, resource: '', op: bytes('"X"') });
    await room.idle();

    expect(again.of('docAck')).toEqual([{ type: 'docAck', rid: 7, version: seqX }]);
    expect(bob.of('op').length).toBe(opsBefore);
    expect(room.documentVersion).toBe(seqX);
  });

  it('a resent lww write whose ack was lost does not overwrite a later write by someone else', async () => {
    const room = await open(new MemoryRoomStore(), 'lww');
    const alice = join(room, 'alice', 'tab-a');
    const bob = join(room, 'bob', 'tab-b');
    alice.send({ type: 'lwwSet', rid: 3, resource: '', doc: bytes('"alice"') });
    await room.idle();
    const aliceVersion = bob.last('lwwDoc')!.version;
    bob.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('"bob, later"') });
    await room.idle();

    alice.disconnect();
    const again = join(room, 'alice', 'tab-a');
    const seenByBob = bob.of('lwwDoc').length;
    again.send({ type: 'lwwSet', rid: 3, resource: '', doc: bytes('"alice"') });
    await room.idle();

    expect(again.last('docAck')).toEqual({ type: 'docAck', rid: 3, version: aliceVersion });
    expect(bob.of('lwwDoc')).toHaveLength(seenByBob);
    const late = join(room, 'carol');
    expect(late.last('lwwDoc')?.doc).toEqual(bytes('"bob, later"'));
  });

  it('remembers edits across a restart: the ledger is stored in the same batch as the edit', async () => {
    const store = new WatchedStore();
    const first = await open(store, 'ops');
    const alice = join(first, 'alice', 'tab-a');
    alice.send({ type: 'opSubmit', rid: 4, resource: '', op: bytes('"X"') });
    await first.idle();
    const withOp = store.batches.find((b) => b.some((w) => w.kind === 'op'))!;
    expect(withOp.map((w) => w.kind)).toContain('client');
    const seq = alice.last('docAck')!.version;
    await first.close();

    const second = await open(store, 'ops');
    const again = join(second, 'alice', 'tab-a');
    const watcher = join(second, 'bob');
    again.send({ type: 'opSubmit', rid: 4, resource: '', op: bytes('"X"') });
    await second.idle();
    expect(again.last('docAck')).toEqual({ type: 'docAck', rid: 4, version: seq });
    expect(watcher.of('op')).toEqual([]);
    expect(second.documentVersion).toBe(seq);
    // The next edit is new, and is applied.
    again.send({ type: 'opSubmit', rid: 5, resource: '', op: bytes('"Y"') });
    await second.idle();
    expect(watcher.of('op').map((o) => o.rid)).toEqual([5]);
  });

  it('waits for the first attempt to be durable before answering its retry', async () => {
    const store = new MemoryRoomStore();
    const room = await Room.load({
      id: 'doc',
      store,
      clock: new ManualClock(),
      settings: { policy: 'open', docMode: 'lww' },
      manualFlush: true,
    });
    const alice = join(room, 'alice', 'tab-a');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('"a"') });
    alice.disconnect();
    const again = join(room, 'alice', 'tab-a');
    again.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('"a"') });
    expect(again.of('docAck')).toEqual([]);
    await room.flush();
    expect(again.of('docAck')).toEqual([{ type: 'docAck', rid: 1, version: 1 }]);
    expect((await store.load('doc'))?.doc).toMatchObject({ mode: 'lww', version: 1 });
  });

  it('answers a retried refusal with the same refusal, even when the edit would pass now', async () => {
    const room = await open(new MemoryRoomStore(), 'lww');
    const bob = join(room, 'bob', 'tab-b');
    const alice = join(room, 'alice', 'tab-a');
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'title' });
    alice.send({ type: 'lwwSet', rid: 2, resource: 'title', doc: bytes('"mine"') });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 2 });
    bob.send({ type: 'lockRelease', rid: 2, resource: 'title', lockId: bob.lockId('title') });

    alice.send({ type: 'lwwSet', rid: 2, resource: 'title', doc: bytes('"mine"') });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 2 });
    expect(alice.last('error')?.message).toMatch(/when first sent/);
    await room.idle();
    expect(room.documentVersion).toBe(0);
  });

  it("keys the ledger by verified user: another user's client id neither answers for nor blocks it", async () => {
    const room = await open(new MemoryRoomStore(), 'ops');
    const alice = join(room, 'alice', 'shared');
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"a"') });
    const mallory = join(room, 'mallory', 'shared');
    mallory.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"m"') });
    await room.idle();
    expect(alice.of('op').map((o) => [o.slot, o.rid])).toEqual([
      [alice.slot, 1],
      [mallory.slot, 1],
    ]);
  });

  it('posts a resent chat message once and echoes it again to its sender only', async () => {
    const room = await open(new MemoryRoomStore(), 'lww');
    const alice = join(room, 'alice', 'tab-a');
    const bob = join(room, 'bob');
    alice.send({ type: 'chatSend', rid: 9, body: bytes('{"text":"hi"}') });
    const first = alice.last('chat')!;
    alice.disconnect();
    const again = join(room, 'alice', 'tab-a');
    again.send({ type: 'chatSend', rid: 9, body: bytes('{"text":"hi"}') });
    expect(again.last('chat')).toEqual(first);
    expect(bob.of('chat')).toHaveLength(1);
    expect(join(room, 'carol').last('chatHistory')?.messages).toHaveLength(1);
  });

  it('without a client id a resent edit is a new edit, as before', async () => {
    const room = await open(new MemoryRoomStore(), 'ops');
    const alice = join(room, 'alice');
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"X"') });
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"X"') });
    await room.idle();
    expect(alice.of('op')).toHaveLength(2);
  });

  it('refuses a malformed client id at hello', async () => {
    const room = await open(new MemoryRoomStore(), 'lww');
    for (const clientId of ['has space', 'x'.repeat(65), 'tab\u0000']) {
      const peer = join(room, 'alice', clientId);
      expect(peer.last('error')).toMatchObject({ code: ErrorCode.BadMessage });
      expect(peer.socket.closed).toBeDefined();
    }
  });

  it('answers a retry whose outcome left the window as handled (version 0), never applying it again', async () => {
    const room = await open(new MemoryRoomStore(), 'ops', { retryWindow: 2 });
    const alice = join(room, 'alice', 'tab-a');
    for (const rid of [1, 2, 3]) alice.send({ type: 'opSubmit', rid, resource: '', op: bytes(`${rid}`) });
    await room.idle();
    const seq = room.documentVersion;
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('1') });
    alice.send({ type: 'opSubmit', rid: 3, resource: '', op: bytes('3') });
    await room.idle();
    expect(alice.of('docAck').slice(-2)).toEqual([
      { type: 'docAck', rid: 1, version: 0 },
      { type: 'docAck', rid: 3, version: seq },
    ]);
    expect(room.documentVersion).toBe(seq);
  });

  it('forgets the least recently active client past maxRetryClients, in the store too', async () => {
    const store = new MemoryRoomStore();
    const room = await open(store, 'lww', { maxRetryClients: 2 });
    for (const user of ['u1', 'u2', 'u3']) {
      join(room, user, 'tab').send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes(`"${user}"`) });
      await room.idle();
    }
    expect((await store.load('doc'))?.clients.map((c) => c.key).sort()).toEqual(['tab u2', 'tab u3']);
  });
});

describe('an edit that never arrived', () => {
  it('is applied when it comes again after later edits of its client were handled', async () => {
    const room = await open(new MemoryRoomStore(), 'ops');
    const alice = join(room, 'alice', 'tab-a');
    const watcher = join(room, 'bob');
    // rid 2 was lost on its way (a forwarded stream with a gap); 1 and 3 arrived.
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('"one"') });
    alice.send({ type: 'opSubmit', rid: 3, resource: '', op: bytes('"three"') });
    await room.idle();
    alice.disconnect();
    const again = join(room, 'alice', 'tab-a');
    again.send({ type: 'opSubmit', rid: 2, resource: '', op: bytes('"two"') });
    again.send({ type: 'opSubmit', rid: 3, resource: '', op: bytes('"three"') });
    await room.idle();
    expect(watcher.of('op').map((o) => o.rid)).toEqual([1, 3, 2]);
    expect(again.of('docAck').map((a) => a.rid)).toEqual([2, 3]);
  });
});
