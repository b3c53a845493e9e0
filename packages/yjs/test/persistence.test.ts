import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ManualClock, MemoryRoomStore, Room, type RoomStore } from '../../room/src/index.js';
import { Peer } from '../../room/test/support/harness.js';
import type { YjsDocumentOptions } from '../src/index.js';
import { contents, Replica, settle } from './support/replica.js';
import { roomDoc, yjsFactory, yjsRoom } from './support/room.js';

function reload(store: RoomStore, options: YjsDocumentOptions = {}): Promise<Room> {
  return Room.load({ id: 'room-1', store, clock: new ManualClock(), documents: yjsFactory(options) });
}

async function storedUpdates(store: RoomStore): Promise<Uint8Array[]> {
  const doc = (await store.load('room-1'))?.doc;
  if (doc?.mode !== 'yjs') throw new Error('no yjs document stored');
  return doc.updates;
}

describe('yjs persistence', () => {
  it('restores the document after the room closes and loads again from the same store', async () => {
    const { join, room, store } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);
    alice.meta.set('title', 'Lesson 7: Erosion');
    alice.text.insert(0, 'Wind and water wear rock down. ');
    bob.text.insert(bob.text.length, 'Rivers carve valleys.');
    settle(alice, bob);
    await room.close();

    const second = await reload(store);
    const carol = new Replica(new Peer(second, { userId: 'carol', name: 'Carol' }).hello());
    settle(carol);
    expect(contents(carol.doc)).toEqual(contents(alice.doc));
    expect(contents(roomDoc(second))).toEqual(contents(alice.doc));
  });

  it('compacts the stored updates after N of them, and restores from the compacted state', async () => {
    const { join, room, store } = yjsRoom({}, { compactAfterUpdates: 5 });
    const alice = new Replica(join('alice'));
    settle(alice);
    for (let i = 0; i < 4; i++) alice.text.insert(alice.text.length, `${i} `);
    await room.idle();
    expect(await storedUpdates(store)).toHaveLength(4);

    alice.text.insert(alice.text.length, '4 ');
    await room.idle();
    const compacted = await storedUpdates(store);
    expect(compacted).toHaveLength(1);
    const fromStore = new Y.Doc();
    Y.applyUpdate(fromStore, compacted[0]!);
    expect(fromStore.getText('notes').toString()).toBe('0 1 2 3 4 ');

    // The compacted state is the base: five more updates after it compact again.
    for (let i = 5; i < 12; i++) alice.text.insert(alice.text.length, `${i} `);
    await room.idle();
    expect(await storedUpdates(store)).toHaveLength(3);
    await room.close();

    const second = await reload(store, { compactAfterUpdates: 5 });
    expect(roomDoc(second).getText('notes').toString()).toBe(alice.text.toString());
  });

  it('compacts once the stored update bytes pass the threshold', async () => {
    const { join, room, store } = yjsRoom({}, { compactAfterBytes: 300 });
    const alice = new Replica(join('alice'));
    settle(alice);
    alice.text.insert(0, 'x'.repeat(150));
    alice.text.insert(0, 'y'.repeat(60));
    await room.idle();
    const [first, second] = alice.sent.slice(-2).map((m) => m.data.length);
    expect(first! + second!).toBeLessThanOrEqual(300);
    expect(await storedUpdates(store)).toHaveLength(2);
    alice.text.insert(0, 'z'.repeat(100));
    await room.idle();
    expect(first! + second! + alice.sent.at(-1)!.data.length).toBeGreaterThan(300);
    expect(await storedUpdates(store)).toHaveLength(1);
    const restored = await reload(store);
    expect(roomDoc(restored).getText('notes').toString()).toBe(alice.text.toString());
  });

  it('lets a document already over a lowered cap take edits that do not grow it', async () => {
    const { join, room, store } = yjsRoom();
    const alice = new Replica(join('alice'));
    settle(alice);
    for (let i = 0; i < 40; i++) alice.text.insert(alice.text.length, `Line ${i} of the old lesson. `);
    await room.close();
    const size = Y.encodeStateAsUpdate(alice.doc).length;

    const second = await Room.load({
      id: 'room-1',
      store,
      clock: new ManualClock(),
      documents: yjsFactory(),
      limits: { maxDocBytes: Math.floor(size / 2), budgets: { doc: 1000 } },
    });
    const bob = new Replica(new Peer(second, { userId: 'bob', name: 'Bob' }).hello());
    settle(bob);
    expect(bob.text.toString()).toBe(alice.text.toString());

    bob.text.insert(0, 'One more line. ');
    settle(bob);
    expect(bob.peer.last('error')).toMatchObject({ code: ErrorCode.DocTooLarge, rid: bob.sent.at(-1)!.rid });
    expect(roomDoc(second).getText('notes').toString()).toBe(alice.text.toString());

    bob.text.delete(0, bob.text.length - 10);
    const rid = bob.sent.at(-1)!.rid;
    settle(bob);
    await second.idle();
    expect(bob.peer.last('docAck')).toEqual({ type: 'docAck', rid, version: 0 });
    expect(roomDoc(second).getText('notes').toString()).toBe(bob.text.toString());
  });

  it('refuses to load a stored update it cannot apply, and leaves the store untouched', async () => {
    const { join, room, store } = yjsRoom();
    const alice = new Replica(join('alice'));
    settle(alice);
    alice.text.insert(0, 'Keep me.');
    await room.idle();
    await room.close();
    await store.write('room-1', [{ kind: 'yjs-update', update: new Uint8Array([0xff, 0xff, 0xff]) }]);
    const before = await store.load('room-1');

    await expect(reload(store)).rejects.toThrow(/stored yjs update 2 of 2 .*cannot be applied/);
    expect(await store.load('room-1')).toEqual(before);
  });

  it('refuses to build a yjs room over a document stored in another mode', async () => {
    const store = new MemoryRoomStore();
    const first = new Room({ id: 'room-1', store, settings: { docMode: 'lww' } });
    await first.close();
    await store.write('room-1', [
      { kind: 'settings', settings: { ...first.getSettings(), docMode: 'yjs' } },
      { kind: 'lww', version: 1, doc: new Uint8Array([1]) },
    ]);
    await expect(reload(store)).rejects.toThrow(/stored document is lww but the room is yjs/);
  });
});
