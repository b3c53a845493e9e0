import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contents, Replica, settle } from './support/replica.js';
import { roomDoc, yjsRoom } from './support/room.js';

/** An update that writes `text` into a fresh client's view of `base`. */
function edit(base: Y.Doc, apply: (doc: Y.Doc) => void, clientId?: number): Uint8Array {
  const doc = new Y.Doc();
  if (clientId !== undefined) doc.clientID = clientId;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(doc);
  apply(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

/** Characters that do not compress: a fresh random-ish string of `n` ASCII letters. */
function noise(n: number, seed = 7): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += String.fromCharCode(97 + (x % 26));
  }
  return out;
}

describe('yjs updates in the room', () => {
  it('acknowledges an update only once it is stored', async () => {
    const { join, room, store } = yjsRoom();
    const alice = new Replica(join('alice'));
    settle(alice);
    alice.text.insert(0, 'Gravity pulls.');
    const rid = alice.sent.at(-1)!.rid;
    const acksFor = () => alice.peer.of('docAck').filter((a) => a.rid === rid);
    expect(acksFor()).toEqual([]);
    await room.idle();
    expect(acksFor()).toEqual([{ type: 'docAck', rid, version: 0 }]);
    const stored = (await store.load('room-1'))?.doc;
    expect(stored?.mode).toBe('yjs');
    expect(room.documentVersion).toBe(0);
  });

  it('acks a redundant update without storing or broadcasting it', async () => {
    const { join, room, store } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);
    alice.text.insert(0, 'Volcanoes erupt.');
    const update = alice.sent.at(-1)!.data;
    settle(alice, bob);
    await room.idle();
    const storedBefore = (await store.load('room-1'))?.doc;
    const bobFramesBefore = bob.peer.socket.frames.length;

    // Bob already has it (it reached him as a broadcast) and sends it back.
    bob.peer.send({ type: 'yjs', step: 'update', rid: 77, data: update });
    expect(bob.peer.errors()).toEqual([]);
    expect(alice.pump()).toBe(false);
    await room.idle();
    expect(bob.peer.last('docAck')).toEqual({ type: 'docAck', rid: 77, version: 0 });
    expect((await store.load('room-1'))?.doc).toEqual(storedBefore);
    expect(bob.peer.socket.frames.length).toBe(bobFramesBefore + 1);
  });

  it('acks a redundant update only after the write that brought its content is stored', async () => {
    const { join, room } = yjsRoom({ manualFlush: true });
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);
    await room.flush();
    alice.text.insert(0, 'Not yet stored.');
    const update = alice.sent.at(-1)!.data;
    settle(alice, bob);
    bob.peer.send({ type: 'yjs', step: 'update', rid: 78, data: update });
    expect(bob.peer.of('docAck').filter((a) => a.rid === 78)).toEqual([]);
    await room.flush();
    expect(bob.peer.last('docAck')).toEqual({ type: 'docAck', rid: 78, version: 0 });
  });

  it('refuses an update over maxDocBytes with DocTooLarge, leaving the document as it was', async () => {
    const { join, room, store } = yjsRoom({ limits: { maxDocBytes: 4096 } });
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    alice.text.insert(0, 'Short notes.');
    settle(alice, bob);
    await room.idle();
    const before = contents(roomDoc(room));
    const storedBefore = (await store.load('room-1'))?.doc;

    const big = edit(roomDoc(room), (d) => d.getText('notes').insert(0, noise(5000)));
    expect(big.length).toBeGreaterThan(4096);
    alice.peer.send({ type: 'yjs', step: 'update', rid: 9, data: big });
    expect(alice.peer.last('error')).toMatchObject({ code: ErrorCode.DocTooLarge, rid: 9 });
    expect(bob.pump()).toBe(false);
    expect(contents(roomDoc(room))).toEqual(before);
    await room.idle();
    expect((await store.load('room-1'))?.doc).toEqual(storedBefore);
  });

  it('refuses an update that would take the merged document over maxDocBytes, and rolls it back', async () => {
    const { join, room } = yjsRoom({ limits: { maxDocBytes: 4096 } });
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);
    // Each piece fits the cap on its own; together they do not.
    const pieces = [0, 1, 2, 3, 4].map((i) =>
      edit(roomDoc(room), (d) => d.getMap('meta').set(`p${i}`, noise(1000, i + 1)), 100 + i),
    );
    const refused: number[] = [];
    pieces.forEach((data, i) => {
      const errorsBefore = alice.peer.errors().length;
      const snapshot = contents(roomDoc(room));
      alice.peer.send({ type: 'yjs', step: 'update', rid: i + 1, data });
      if (alice.peer.errors().length > errorsBefore) {
        refused.push(i);
        expect(alice.peer.last('error')).toMatchObject({ code: ErrorCode.DocTooLarge, rid: i + 1 });
        expect(contents(roomDoc(room))).toEqual(snapshot);
      }
    });
    expect(refused).toEqual([4]);
    expect(Y.encodeStateAsUpdate(roomDoc(room)).length).toBeLessThanOrEqual(4096);
    settle(alice, bob);
    expect(Object.keys(bob.meta.toJSON()).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);

    // The room keeps working for edits that fit, and stores them.
    alice.peer.send({
      type: 'yjs',
      step: 'update',
      rid: 6,
      data: edit(roomDoc(room), (d) => d.getText('notes').insert(0, 'ok'), 200),
    });
    await room.idle();
    expect(alice.peer.last('docAck')).toEqual({ type: 'docAck', rid: 6, version: 0 });
    expect(roomDoc(room).getText('notes').toString()).toBe('ok');
  });

  it('refuses garbage with BadMessage and keeps working', async () => {
    const { join, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    alice.text.insert(0, 'Atoms bond.');
    settle(alice, bob);
    const before = contents(roomDoc(room));

    alice.peer.send({
      type: 'yjs',
      step: 'update',
      rid: 21,
      data: new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]),
    });
    alice.peer.send({ type: 'yjs', step: 'diff', rid: 22, data: new Uint8Array([1, 5, 9]) });
    alice.peer.send({ type: 'yjs', step: 'state-vector', rid: 23, data: new Uint8Array([3, 1]) });
    expect(alice.peer.errors().map((e) => [e.rid, e.code])).toEqual([
      [21, ErrorCode.BadMessage],
      [22, ErrorCode.BadMessage],
      [23, ErrorCode.BadMessage],
    ]);
    expect(bob.pump()).toBe(false);
    expect(contents(roomDoc(room))).toEqual(before);

    alice.text.insert(alice.text.length, ' Molecules form.');
    settle(alice, bob);
    expect(bob.text.toString()).toBe('Atoms bond. Molecules form.');
    await room.idle();
    expect(alice.peer.last('docAck')?.rid).toBe(alice.sent.at(-1)!.rid);
  });

  it('rolls back an update that decodes but breaks while being applied', () => {
    const { join, room } = yjsRoom();
    const alice = join('alice');
    const bob = new Replica(join('bob'));
    settle(bob);
    const lesson = new Y.Doc();
    lesson.clientID = 1;
    lesson.getText('notes').insert(0, 'Photosynthesis');
    lesson.getMap('meta').set('title', 'Plants');
    alice.send({ type: 'yjs', step: 'update', rid: 1, data: Y.encodeStateAsUpdate(lesson) });
    const before = Y.encodeStateAsUpdate(roomDoc(room));

    const valid = edit(
      lesson,
      (d) =>
        d.transact(() => {
          d.getText('notes').insert(5, ' and ');
          d.getText('notes').insert(0, 'A');
          d.getMap('meta').set('x', 1);
          d.getText('notes').delete(8, 2);
        }),
      2,
    );
    // One flipped info byte: still decodes, but Yjs throws half-way through integrating it.
    const broken = valid.slice();
    broken[12] = 0xc7;
    expect(() => Y.decodeUpdate(broken)).not.toThrow();
    const scratch = new Y.Doc();
    Y.applyUpdate(scratch, before);
    expect(() => Y.applyUpdate(scratch, broken)).toThrow();
    expect(scratch.getText('notes').toString()).not.toBe('Photosynthesis');

    alice.send({ type: 'yjs', step: 'update', rid: 2, data: broken });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.BadMessage, rid: 2 });
    expect(Y.encodeStateAsUpdate(roomDoc(room))).toEqual(before);
    expect(roomDoc(room).getText('notes').toString()).toBe('Photosynthesis');

    alice.send({ type: 'yjs', step: 'update', rid: 3, data: valid });
    settle(bob);
    expect(bob.text.toString()).toBe(roomDoc(room).getText('notes').toString());
    expect(bob.meta.toJSON()).toEqual({ title: 'Plants', x: 1 });
  });

  it('answers a state vector with the diff, echoing its rid', () => {
    const { join, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    alice.text.insert(0, 'Tides follow the moon.');
    settle(alice);
    const probe = join('probe');
    probe.send({ type: 'yjs', step: 'state-vector', rid: 41, data: Y.encodeStateVector(new Y.Doc()) });
    const diff = probe.last('yjs');
    expect(diff).toMatchObject({ step: 'diff', rid: 41 });
    const copy = new Y.Doc();
    Y.applyUpdate(copy, diff!.data);
    expect(contents(copy)).toEqual(contents(roomDoc(room)));
  });

  it('sends joiners that have nothing the whole document, encoded once until it changes', () => {
    const { join, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    alice.text.insert(0, 'Tides follow the moon.');
    settle(alice);
    const empty = Y.encodeStateVector(new Y.Doc());
    const ask = (who: string, rid: number) => {
      const probe = join(who);
      probe.send({ type: 'yjs', step: 'state-vector', rid, data: empty });
      return probe.last('yjs')!;
    };
    const first = ask('p1', 1);
    const second = ask('p2', 2);
    expect(second.data).toEqual(first.data);
    expect(second.data).toEqual(Y.encodeStateAsUpdate(roomDoc(room)));

    // After a change (and a refused update) a joiner gets the document as it is now.
    alice.text.insert(0, 'High ');
    settle(alice);
    alice.peer.send({ type: 'yjs', step: 'update', rid: 99, data: new Uint8Array([1, 1, 200, 3, 0, 7]) });
    const third = ask('p3', 3);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, third.data);
    expect(copy.getText('notes').toString()).toBe('High Tides follow the moon.');
    expect(third.data).toEqual(Y.encodeStateAsUpdate(roomDoc(room)));
  });

  it('leaves other document modes to the built-in ones', () => {
    const { join } = yjsRoom({ settings: { policy: 'open', docMode: 'lww' } });
    const alice = join('alice');
    expect(alice.last('lwwDoc')).toMatchObject({ version: 0 });
    alice.send({ type: 'yjs', step: 'update', rid: 5, data: new Uint8Array([0, 0]) });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.WrongDocMode, rid: 5 });
  });
});
