import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { Room } from '../src/index.js';
import { recordingYjs } from './support/document.js';
import { bytes, makeRoom } from './support/harness.js';

describe('lww documents', () => {
  it('numbers each accepted whole document and relays it to the others, acking the author once stored', async () => {
    const { join, room } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lwwSet', rid: 11, resource: '', doc: bytes('{"title":"v1"}') });
    expect(bob.last('lwwDoc')).toEqual({
      type: 'lwwDoc',
      version: 1,
      slot: alice.slot,
      doc: bytes('{"title":"v1"}'),
    });
    expect(alice.of('docAck')).toEqual([]);
    await room.idle();
    expect(alice.last('docAck')).toEqual({ type: 'docAck', rid: 11, version: 1 });
    expect(alice.of('lwwDoc').map((d) => d.version)).toEqual([0]);
  });

  it('refuses a 513 KB document and leaves the room document unchanged', async () => {
    const { join, room, store } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('small') });
    await room.idle();
    bob.fresh();
    alice.send({ type: 'lwwSet', rid: 2, resource: '', doc: new Uint8Array(513 * 1024) });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.DocTooLarge, rid: 2 });
    expect(bob.fresh()).toEqual([]);
    await room.idle();
    expect((await store.load('room-1'))?.doc).toEqual({ mode: 'lww', version: 1, doc: bytes('small') });
    expect(join('carol').last('lwwDoc')).toMatchObject({ version: 1, doc: bytes('small') });
  });

  it('accepts a document of exactly the cap', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: new Uint8Array(512 * 1024) });
    expect(alice.errors()).toEqual([]);
  });

  it('sends a reconnecting client the document only if it missed a version', () => {
    const { join, peer } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
    expect(peer('bob').hello(1).of('lwwDoc')).toEqual([]);
    expect(peer('carol').hello(0).last('lwwDoc')?.version).toBe(1);
    alice.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('v2') });
    expect(peer('bob').hello(1).last('lwwDoc')).toMatchObject({ version: 2, doc: bytes('v2') });
  });

  it('refuses messages of another document mode', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'opSubmit', rid: 4, resource: '', op: bytes('{}') });
    alice.send({ type: 'yjs', step: 'update', rid: 5, data: new Uint8Array([0]) });
    expect(alice.errors().map((e) => [e.rid, e.code])).toEqual([
      [4, ErrorCode.WrongDocMode],
      [5, ErrorCode.WrongDocMode],
    ]);
  });
});

describe('ops documents', () => {
  const ops = { settings: { policy: 'open' as const, docMode: 'ops' as const } };

  it('sequences operations and sends each to everyone, the author included', async () => {
    const { join, room } = makeRoom(ops);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({
      type: 'opSubmit',
      rid: 1,
      resource: 'layer-1',
      op: bytes('{"filter":"cinematic","amount":70}'),
    });
    bob.send({ type: 'opSubmit', rid: 1, resource: 'layer-2', op: bytes('{"opacity":0.5}') });
    for (const p of [alice, bob]) {
      expect(p.of('op').map((o) => [o.seq, o.slot, o.resource])).toEqual([
        [1, alice.slot, 'layer-1'],
        [2, bob.slot, 'layer-2'],
      ]);
    }
    await room.idle();
    expect(alice.last('docAck')).toEqual({ type: 'docAck', rid: 1, version: 1 });
    expect(bob.last('docAck')).toEqual({ type: 'docAck', rid: 1, version: 2 });
  });

  it('catches a joiner up with the whole log, and a reconnect with only what it missed', () => {
    const { join, peer } = makeRoom(ops);
    const alice = join('alice');
    for (let i = 1; i <= 3; i++) alice.send({ type: 'opSubmit', rid: i, resource: '', op: bytes(`op${i}`) });
    expect(
      peer('bob')
        .hello(0)
        .last('opsSync')
        ?.ops.map((o) => o.seq),
    ).toEqual([1, 2, 3]);
    expect(peer('carol').hello(2).last('opsSync')).toMatchObject({ baseSeq: 2, base: new Uint8Array(0) });
    expect(
      peer('dave')
        .hello(2)
        .last('opsSync')
        ?.ops.map((o) => o.seq),
    ).toEqual([3]);
  });

  it('compacts the log with a snapshot, and joiners start from it', async () => {
    const { join, peer, room, store } = makeRoom(ops);
    const alice = join('alice');
    for (let i = 1; i <= 4; i++) alice.send({ type: 'opSubmit', rid: i, resource: '', op: bytes(`op${i}`) });
    alice.send({ type: 'opsSnapshot', rid: 9, seq: 3, snapshot: bytes('state@3') });
    const sync = peer('bob').hello(1).last('opsSync')!;
    expect(sync.baseSeq).toBe(3);
    expect(sync.base).toEqual(bytes('state@3'));
    expect(sync.ops.map((o) => o.seq)).toEqual([4]);
    await room.idle();
    expect(alice.last('docAck')).toEqual({ type: 'docAck', rid: 9, version: 3 });
    const stored = (await store.load('room-1'))?.doc;
    expect(stored?.mode === 'ops' && stored.ops.map((o) => o.seq)).toEqual([4]);
  });

  it('refuses snapshots outside the log and oversized operations', () => {
    const { join } = makeRoom({ ...ops, limits: { maxOpBytes: 4 } });
    const alice = join('alice');
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('ok') });
    alice.send({ type: 'opSubmit', rid: 2, resource: '', op: bytes('too big') });
    alice.send({ type: 'opsSnapshot', rid: 3, seq: 5, snapshot: bytes('future') });
    expect(alice.errors().map((e) => [e.rid, e.code])).toEqual([
      [2, ErrorCode.PayloadTooLarge],
      [3, ErrorCode.Conflict],
    ]);
  });

  it('refuses new operations when the log is full until a snapshot arrives', () => {
    const { join } = makeRoom({ ...ops, limits: { maxOpsLogBytes: 6 } });
    const alice = join('alice');
    alice.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('abc') });
    alice.send({ type: 'opSubmit', rid: 2, resource: '', op: bytes('def') });
    alice.send({ type: 'opSubmit', rid: 3, resource: '', op: bytes('g') });
    expect(alice.last('error')).toMatchObject({ rid: 3, code: ErrorCode.DocTooLarge });
    alice.send({ type: 'opsSnapshot', rid: 4, seq: 2, snapshot: bytes('abcdef') });
    alice.send({ type: 'opSubmit', rid: 5, resource: '', op: bytes('g') });
    expect(alice.last('op')).toMatchObject({ seq: 3, rid: 5 });
  });
});

describe('document seam', () => {
  it('refuses to build a yjs room without a document factory', () => {
    expect(() => new Room({ id: 'y', settings: { docMode: 'yjs' } })).toThrow(/document factory/);
  });

  it('routes yjs messages to a supplied document mode', () => {
    const { documents, seen } = recordingYjs();
    const { join } = makeRoom({ settings: { policy: 'open', docMode: 'yjs' }, documents });
    const alice = join('alice');
    expect(alice.last('yjs')?.step).toBe('state-vector');
    alice.send({ type: 'yjs', step: 'update', rid: 1, data: new Uint8Array([1, 2]) });
    alice.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('x') });
    expect(seen.map((m) => m.type)).toEqual(['yjs']);
    expect(alice.last('error')?.code).toBe(ErrorCode.WrongDocMode);
  });
});
