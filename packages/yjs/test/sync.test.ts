import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contents, Replica, settle } from './support/replica.js';
import { roomDoc, yjsRoom } from './support/room.js';

describe('yjs sync through the room', () => {
  it('runs the admission handshake: room state vector, then the client state vector and diff, then the answering diff', () => {
    const { join, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    alice.text.insert(0, 'Photosynthesis turns light into sugar.');
    settle(alice);

    const bob = new Replica(join('bob'));
    const snapshot = bob.peer.all().map((m) => m.type);
    // The catch-up comes inside the admission snapshot, before `admitted`.
    expect(snapshot.indexOf('yjs')).toBeLessThan(snapshot.lastIndexOf('admission'));
    expect(bob.peer.of('yjs').map((m) => [m.step, m.rid])).toEqual([['state-vector', 0]]);
    expect(bob.client.synced).toBe(false);

    settle(alice, bob);
    expect(bob.sent.map((m) => [m.step, m.rid])).toEqual([
      ['state-vector', 1],
      ['diff', 2],
    ]);
    expect(bob.received.map((m) => [m.step, m.rid])).toEqual([
      ['state-vector', 0],
      ['diff', 1],
    ]);
    expect(bob.client.synced).toBe(true);
    expect(bob.text.toString()).toBe('Photosynthesis turns light into sugar.');
    expect(contents(roomDoc(room))).toEqual(contents(bob.doc));
  });

  it('converges two clients editing a Y.Text and a Y.Map concurrently', () => {
    const { join, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);

    alice.meta.set('title', 'Lesson 4: Plants');
    alice.text.insert(0, 'Leaves are green. ');
    // Bob types before Alice's edits reach him: the edits are concurrent.
    bob.text.insert(0, 'Roots drink water. ');
    bob.meta.set('title', 'Plants (draft)');
    bob.meta.set('level', 'beginner');
    alice.text.insert(alice.text.length, 'Chlorophyll absorbs light.');
    settle(alice, bob);

    expect(alice.text.toString()).toHaveLength(
      'Leaves are green. Roots drink water. Chlorophyll absorbs light.'.length,
    );
    expect(contents(alice.doc)).toEqual(contents(bob.doc));
    expect(contents(roomDoc(room))).toEqual(contents(alice.doc));
    expect(Y.encodeStateAsUpdate(alice.doc)).toEqual(Y.encodeStateAsUpdate(bob.doc));
    expect(alice.meta.get('level')).toBe('beginner');
    // Map keys resolve to one writer everywhere; which one is Yjs's business, agreement is ours.
    expect(['Lesson 4: Plants', 'Plants (draft)']).toContain(alice.meta.get('title'));
  });

  it('merges edits made on both sides while one client was offline, after it reconnects', async () => {
    const { join, peer, room } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    alice.text.insert(0, 'Cells divide. ');
    settle(alice, bob);
    expect(bob.text.toString()).toBe('Cells divide. ');

    bob.peer.disconnect();
    // Both keep editing: Bob's changes stay in his local doc, the room never sees them.
    alice.text.insert(alice.text.length, 'Mitosis has four phases. ');
    alice.meta.set('updatedBy', 'alice');
    bob.text.insert(0, 'Offline note: ');
    bob.text.delete(bob.text.length - 1, 1);
    bob.meta.set('offline', true);
    settle(alice, bob);
    expect(roomDoc(room).getText('notes').toString()).not.toContain('Offline note');

    bob.attach(peer('bob').hello());
    settle(alice, bob);
    expect(bob.client.synced).toBe(true);
    expect(bob.text.toString()).toContain('Offline note: ');
    expect(bob.text.toString()).toContain('Mitosis has four phases.');
    expect(contents(alice.doc)).toEqual(contents(bob.doc));
    expect(contents(roomDoc(room))).toEqual(contents(bob.doc));
    expect(bob.meta.toJSON()).toEqual({ updatedBy: 'alice', offline: true });

    // The offline edits reached the room in Bob's diff, which is acknowledged once stored.
    const diffRid = bob.sent.filter((m) => m.step === 'diff').at(-1)!.rid;
    await room.idle();
    expect(bob.peer.of('docAck')).toContainEqual({ type: 'docAck', rid: diffRid, version: 0 });
  });

  it('sends a late joiner only what it lacks', () => {
    const { join } = yjsRoom();
    const alice = new Replica(join('alice'));
    for (let i = 0; i < 200; i++) alice.text.insert(alice.text.length, `Paragraph ${i}: the water cycle. `);
    settle(alice);

    // Carol kept a copy from earlier; since then Alice added one short sentence.
    const carolDoc = new Y.Doc();
    Y.applyUpdate(carolDoc, Y.encodeStateAsUpdate(alice.doc));
    alice.text.insert(0, 'Summary. ');
    settle(alice);

    const carol = new Replica(join('carol'));
    Y.applyUpdate(carol.doc, Y.encodeStateAsUpdate(carolDoc));
    const dave = new Replica(join('dave'));
    settle(alice, carol, dave);

    const full = Y.encodeStateAsUpdate(alice.doc).length;
    const toCarol = carol.received.find((m) => m.step === 'diff')!.data.length;
    const toDave = dave.received.find((m) => m.step === 'diff')!.data.length;
    expect(full).toBeGreaterThan(5000);
    expect(toCarol).toBeLessThan(full / 50);
    expect(toDave).toBeGreaterThan(full * 0.9);
    expect(carol.text.toString()).toBe(alice.text.toString());
    expect(dave.text.toString()).toBe(alice.text.toString());
    // Carol had nothing the room lacked: her diff carried no structs.
    const carolDiff = carol.sent.find((m) => m.step === 'diff')!;
    expect(Y.decodeUpdate(carolDiff.data).structs).toEqual([]);
  });

  it('broadcasts an update to everyone but its author, with the same bytes', () => {
    const { join } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    const carol = new Replica(join('carol'));
    settle(alice, bob, carol);
    alice.text.insert(0, 'Hello');
    const update = alice.sent.at(-1)!;
    settle(alice, bob, carol);
    for (const r of [bob, carol]) {
      expect(r.received.at(-1)).toEqual({ type: 'yjs', step: 'update', rid: 0, data: update.data });
    }
    expect(alice.received.filter((m) => m.step === 'update')).toEqual([]);
    // Applying the room's update is not a local change: nobody echoes it back.
    expect([...bob.sent, ...carol.sent].filter((m) => m.step === 'update')).toEqual([]);
  });

  it('stops sending and receiving once the client is destroyed', () => {
    const { join } = yjsRoom();
    const alice = new Replica(join('alice'));
    const bob = new Replica(join('bob'));
    settle(alice, bob);
    bob.client.destroy();
    const sent = bob.sent.length;
    bob.text.insert(0, 'private scratch');
    alice.text.insert(0, 'shared');
    settle(alice, bob);
    expect(bob.sent).toHaveLength(sent);
    expect(bob.text.toString()).toBe('private scratch');
    expect(alice.text.toString()).toBe('shared');
  });
});
