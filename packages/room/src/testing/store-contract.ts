/// <reference types="node" />
// The suite runs under Vitest on Node, whose Buffer it hands stores as one kind of byte view.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  RoomRecord,
  RoomSettings,
  RoomStore,
  RoomWrite,
  StoredClient,
  StoredDoc,
  StoredLock,
  StoredOp,
} from '../index.js';

/** A fresh, empty store and how to dispose of it. */
export interface StoreFixture {
  store: RoomStore;
  cleanup: () => void | Promise<void>;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
function b(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Settings with a join code of the caller's choosing (stores may require codes to be unique). */
function settings(joinCode: string, over: Partial<RoomSettings> = {}): RoomSettings {
  return { policy: 'host-approval', docMode: 'lww', joinCode, hostUserId: '', trusted: [], ...over };
}

function lock(resource: string, userId: string, fence: number, over: Partial<StoredLock> = {}): StoredLock {
  return {
    resource,
    userId,
    lockId: `lock-${resource}-${fence}`,
    fence,
    expiresAt: 1_700_000_060_000,
    ...over,
  };
}

function op(seq: number, text: string, over: Partial<StoredOp> = {}): StoredOp {
  return { seq, slot: 1, userId: 'alice', resource: 'r', op: b(text), ...over };
}

/** Every byte value, 0 through 255, then 255 back to 0. */
function everyByte(): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    out[i] = i;
    out[511 - i] = i;
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure repeats exactly. */
function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Asserts `actual` is a plain Uint8Array with exactly `expected`'s bytes (cheap on large arrays). */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual?.constructor).toBe(Uint8Array);
  expect(actual?.byteLength).toBe(expected.byteLength);
  let mismatch = -1;
  for (let i = 0; actual && i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      mismatch = i;
      break;
    }
  }
  expect(mismatch, 'index of the first differing byte').toBe(-1);
}

/**
 * A record with its sets in a canonical order: admitted users and locks are keyed sets, and the
 * store interface promises no order for them. Everything else (ops, Yjs updates, trusted) is
 * compared in stored order.
 */
function canonical(record: RoomRecord | undefined): RoomRecord | undefined {
  if (!record) return record;
  return {
    ...record,
    admitted: [...record.admitted].sort(),
    locks: [...record.locks].sort((x, y) => (x.resource < y.resource ? -1 : x.resource > y.resource ? 1 : 0)),
    clients: [...record.clients].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)),
  };
}

async function loaded(store: RoomStore, roomId: string): Promise<RoomRecord> {
  const record = await store.load(roomId);
  if (!record) throw new Error(`room ${roomId} was not stored`);
  return record;
}

async function doc(store: RoomStore, roomId: string): Promise<StoredDoc | undefined> {
  return (await loaded(store, roomId)).doc;
}

/** Writes that a store must refuse, each breaking a batch it appears in. */
const INVALID_WRITES: [string, RoomWrite][] = [
  [
    'an op whose bytes are a string',
    { kind: 'op', op: { ...op(99, ''), op: 'not bytes' } } as unknown as RoomWrite,
  ],
  ['an op whose bytes are a number', { kind: 'op', op: { ...op(99, ''), op: 42 } } as unknown as RoomWrite],
  ['an lww doc that is null', { kind: 'lww', version: 9, doc: null } as unknown as RoomWrite],
  ['a Yjs update that is a plain array', { kind: 'yjs-update', update: [1, 2, 3] } as unknown as RoomWrite],
  ['a write of an unknown kind', { kind: 'chat', body: b('never stored') } as unknown as RoomWrite],
];

/**
 * Registers the suite every {@link RoomStore} must pass. `make` returns a fresh, empty store for
 * each test and a `cleanup` that disposes of it. Test names carry spec ids (S1, S2, …) so a
 * failure can be cited against the contract.
 *
 * Semantics are those of `applyWrites` in `storage.ts`: a doc write of another mode than the
 * stored doc replaces it, a lock raises the room's fence, fences never decrease.
 */
export function describeRoomStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`RoomStore contract: ${name}`, () => {
    let store: RoomStore;
    let cleanup: (() => void | Promise<void>) | undefined;

    beforeEach(async () => {
      const fixture = await make();
      store = fixture.store;
      cleanup = fixture.cleanup;
    });

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    // ── Existence ──────────────────────────────────────────────────────────────────────────

    it('S1 load returns undefined for an unknown room', async () => {
      expect(await store.load('nowhere')).toBeUndefined();
    });

    it('S2 a room whose first write is not its settings is refused and nothing is stored', async () => {
      await expect(store.write('a', [{ kind: 'lww', version: 1, doc: b('x') }])).rejects.toThrow();
      await expect(
        store.write('a', [
          { kind: 'admitted', userId: 'bob', admitted: true },
          { kind: 'settings', settings: settings('CODEA') },
        ]),
      ).rejects.toThrow();
      await expect(store.write('a', [{ kind: 'fence', fence: 3 }])).rejects.toThrow();
      expect(await store.load('a')).toBeUndefined();
      // An empty batch may resolve or reject, but creates nothing.
      await store.write('a', []).catch(() => undefined);
      expect(await store.load('a')).toBeUndefined();
    });

    it('S3 a first batch led by settings creates the room with nothing else yet', async () => {
      await store.write('a', [{ kind: 'settings', settings: settings('CODEA') }]);
      expect(await store.load('a')).toEqual({
        settings: settings('CODEA'),
        admitted: [],
        locks: [],
        fence: 0,
        epoch: 0,
        doc: undefined,
        clients: [],
      });
    });

    // ── Each write kind ────────────────────────────────────────────────────────────────────

    it('S4 settings round-trip exactly, trusted list in order, and a later settings write replaces them', async () => {
      const first = settings('CODEA', {
        policy: 'trusted',
        docMode: 'ops',
        hostUserId: 'alice',
        trusted: ['zed@example.com', 'ann@example.com', 'ünïcødé@example.com'],
      });
      await store.write('a', [{ kind: 'settings', settings: first }]);
      expect((await loaded(store, 'a')).settings).toEqual(first);

      const second = settings('CODEB', { policy: 'open', docMode: 'ops', hostUserId: 'bob', trusted: [] });
      await store.write('a', [{ kind: 'settings', settings: second }]);
      expect((await loaded(store, 'a')).settings).toEqual(second);
    });

    it('S5 admitted users are a set: adding twice keeps one, removing an absent user is a no-op', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'admitted', userId: 'carol', admitted: true },
        { kind: 'admitted', userId: 'bob', admitted: true },
      ]);
      await store.write('a', [{ kind: 'admitted', userId: 'bob', admitted: true }]);
      expect((await loaded(store, 'a')).admitted.sort()).toEqual(['bob', 'carol']);

      await store.write('a', [
        { kind: 'admitted', userId: 'bob', admitted: false },
        { kind: 'admitted', userId: 'nobody', admitted: false },
      ]);
      await store.write('a', [{ kind: 'admitted', userId: 'bob', admitted: false }]);
      expect((await loaded(store, 'a')).admitted).toEqual(['carol']);
    });

    it('S6 locks are upserted by resource, unlock removes one, and a lock raises the room fence', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'lock', lock: lock('x', 'alice', 1) },
        { kind: 'lock', lock: lock('', 'alice', 2) },
        { kind: 'lock', lock: lock('y', 'bob', 3) },
      ]);
      let record = await loaded(store, 'a');
      expect(canonical(record)?.locks).toEqual([
        lock('', 'alice', 2),
        lock('x', 'alice', 1),
        lock('y', 'bob', 3),
      ]);
      expect(record.fence).toBe(3);

      const taken = lock('x', 'bob', 4, { lockId: 'other', expiresAt: 1_700_000_123_456 });
      await store.write('a', [
        { kind: 'lock', lock: taken },
        { kind: 'unlock', resource: 'y' },
      ]);
      await store.write('a', [{ kind: 'unlock', resource: 'never-locked' }]);
      record = await loaded(store, 'a');
      expect(canonical(record)?.locks).toEqual([lock('', 'alice', 2), taken]);
      expect(record.fence).toBe(4);

      // A renewal keeps the fence and moves the expiry.
      const renewed = { ...taken, expiresAt: taken.expiresAt + 60_000 };
      await store.write('a', [{ kind: 'lock', lock: renewed }]);
      record = await loaded(store, 'a');
      expect(record.locks.find((l) => l.resource === 'x')).toEqual(renewed);
      expect(record.locks).toHaveLength(2);
    });

    it('S7 the fence never decreases: it is the max of every fence and lock written', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'fence', fence: 5 },
      ]);
      await store.write('a', [{ kind: 'fence', fence: 3 }]);
      expect((await loaded(store, 'a')).fence).toBe(5);
      await store.write('a', [
        { kind: 'fence', fence: 9 },
        { kind: 'fence', fence: 7 },
      ]);
      expect((await loaded(store, 'a')).fence).toBe(9);
      await store.write('a', [{ kind: 'lock', lock: lock('r', 'alice', 2) }]);
      expect((await loaded(store, 'a')).fence).toBe(9);
      await store.write('a', [{ kind: 'unlock', resource: 'r' }]);
      expect((await loaded(store, 'a')).fence).toBe(9);
      await store.write('a', [{ kind: 'fence', fence: 2 ** 40 }]);
      expect((await loaded(store, 'a')).fence).toBe(2 ** 40);
    });

    it('S7b the epoch never decreases: it is the max of every epoch written', async () => {
      await store.write('a', [{ kind: 'settings', settings: settings('CODEA') }]);
      expect((await loaded(store, 'a')).epoch).toBe(0);
      await store.write('a', [{ kind: 'epoch', epoch: 3 }]);
      await store.write('a', [{ kind: 'epoch', epoch: 2 }]);
      expect((await loaded(store, 'a')).epoch).toBe(3);
      await store.write('a', [{ kind: 'epoch', epoch: 2 ** 29 }]);
      expect((await loaded(store, 'a')).epoch).toBe(2 ** 29);
    });

    it('S8 an lww write replaces the whole document and its version', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'lww', version: 1, doc: b('{"v":1}') },
      ]);
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 1, doc: b('{"v":1}') });
      await store.write('a', [{ kind: 'lww', version: 2, doc: b('two') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 2, doc: b('two') });
      await store.write('a', [{ kind: 'lww', version: 3, doc: new Uint8Array(0) }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 3, doc: new Uint8Array(0) });
    });

    it('S9 ops are appended in order with their authors, and seq follows the highest op', async () => {
      const ops = [
        op(1, 'one', { slot: 1, userId: 'alice', resource: '' }),
        op(2, 'two', { slot: 7, userId: 'bob', resource: 'shape/1' }),
        op(3, 'three', { slot: 65_535, userId: 'ünïcødé', resource: 'r' }),
      ];
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'ops' }) },
        { kind: 'op', op: ops[0]! },
      ]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 1,
        baseSeq: 0,
        base: new Uint8Array(0),
        ops: [ops[0]],
      });
      await store.write('a', [
        { kind: 'op', op: ops[1]! },
        { kind: 'op', op: ops[2]! },
      ]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 3,
        baseSeq: 0,
        base: new Uint8Array(0),
        ops,
      });
    });

    it('S10 an ops snapshot drops the ops it covers, keeps later ones, and later ops append after it', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'ops' }) },
        ...[1, 2, 3, 4].map((seq): RoomWrite => ({ kind: 'op', op: op(seq, `op${seq}`) })),
      ]);
      await store.write('a', [{ kind: 'ops-snapshot', seq: 2, base: b('s2') }]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 4,
        baseSeq: 2,
        base: b('s2'),
        ops: [op(3, 'op3'), op(4, 'op4')],
      });
      await store.write('a', [{ kind: 'op', op: op(5, 'op5') }]);
      await store.write('a', [{ kind: 'ops-snapshot', seq: 4, base: b('s4') }]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 5,
        baseSeq: 4,
        base: b('s4'),
        ops: [op(5, 'op5')],
      });
      await store.write('a', [{ kind: 'ops-snapshot', seq: 5, base: b('s5') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'ops', seq: 5, baseSeq: 5, base: b('s5'), ops: [] });
    });

    it('S11 a snapshot may come before any op', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'ops' }) },
        { kind: 'ops-snapshot', seq: 0, base: b('initial') },
      ]);
      expect(await doc(store, 'a')).toEqual({ mode: 'ops', seq: 0, baseSeq: 0, base: b('initial'), ops: [] });
      await store.write('a', [{ kind: 'op', op: op(1, 'first') }]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 1,
        baseSeq: 0,
        base: b('initial'),
        ops: [op(1, 'first')],
      });
    });

    it('S12 Yjs updates are appended in write order', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'yjs' }) },
        { kind: 'yjs-update', update: b('u1') },
        { kind: 'yjs-update', update: b('u2') },
      ]);
      await store.write('a', [{ kind: 'yjs-update', update: b('u3') }]);
      await store.write('a', [{ kind: 'yjs-update', update: b('u2') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('u1'), b('u2'), b('u3'), b('u2')] });
    });

    it('S13 a Yjs compaction replaces every update with its state, and updates append after it', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'yjs' }) },
        { kind: 'yjs-update', update: b('u1') },
        { kind: 'yjs-update', update: b('u2') },
      ]);
      await store.write('a', [{ kind: 'yjs-compact', state: b('state12') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('state12')] });
      await store.write('a', [
        { kind: 'yjs-update', update: b('u3') },
        { kind: 'yjs-compact', state: b('state123') },
        { kind: 'yjs-update', update: b('u4') },
      ]);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('state123'), b('u4')] });
    });

    it('S14 a document write of another mode replaces the stored document (as applyWrites does)', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'lww', version: 4, doc: b('lww') },
        { kind: 'op', op: op(1, 'o1') },
      ]);
      expect(await doc(store, 'a')).toEqual({
        mode: 'ops',
        seq: 1,
        baseSeq: 0,
        base: new Uint8Array(0),
        ops: [op(1, 'o1')],
      });
      await store.write('a', [{ kind: 'yjs-update', update: b('y1') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('y1')] });
      await store.write('a', [{ kind: 'ops-snapshot', seq: 3, base: b('s3') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'ops', seq: 3, baseSeq: 3, base: b('s3'), ops: [] });
      await store.write('a', [{ kind: 'lww', version: 1, doc: b('back') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 1, doc: b('back') });
      await store.write('a', [{ kind: 'yjs-compact', state: b('st') }]);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('st')] });
    });

    // ── Batches ────────────────────────────────────────────────────────────────────────────

    describe('S15 a batch is atomic: one invalid write and none of the batch is visible', () => {
      it.each(INVALID_WRITES)('S15a on an existing room: %s', async (_what, bad) => {
        await store.write('a', [
          {
            kind: 'settings',
            settings: settings('CODEA', { hostUserId: 'alice', trusted: ['t@example.com'] }),
          },
          { kind: 'admitted', userId: 'bob', admitted: true },
          { kind: 'lock', lock: lock('x', 'alice', 3) },
          { kind: 'lww', version: 1, doc: b('kept') },
        ]);
        const before = await store.load('a');

        await expect(
          store.write('a', [
            { kind: 'settings', settings: settings('CODEZ', { policy: 'open', trusted: [] }) },
            { kind: 'admitted', userId: 'bob', admitted: false },
            { kind: 'admitted', userId: 'carol', admitted: true },
            { kind: 'unlock', resource: 'x' },
            { kind: 'lock', lock: lock('y', 'carol', 8) },
            { kind: 'fence', fence: 50 },
            { kind: 'lww', version: 2, doc: b('lost') },
            bad,
            { kind: 'lww', version: 3, doc: b('after') },
          ]),
        ).rejects.toThrow();

        expect(canonical(await store.load('a'))).toEqual(canonical(before));
        // The store still works afterwards.
        await store.write('a', [{ kind: 'lww', version: 2, doc: b('next') }]);
        expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 2, doc: b('next') });
      });

      it.each(INVALID_WRITES)('S15b on an ops room: %s', async (_what, bad) => {
        await store.write('a', [
          { kind: 'settings', settings: settings('CODEA', { docMode: 'ops' }) },
          { kind: 'op', op: op(1, 'o1') },
          { kind: 'op', op: op(2, 'o2') },
        ]);
        const before = await store.load('a');
        await expect(
          store.write('a', [
            { kind: 'op', op: op(3, 'o3') },
            { kind: 'ops-snapshot', seq: 3, base: b('s3') },
            bad,
          ]),
        ).rejects.toThrow();
        expect(await store.load('a')).toEqual(before);
      });

      it.each(INVALID_WRITES)('S15c on a new room, the room is not created: %s', async (_what, bad) => {
        await expect(
          store.write('a', [
            { kind: 'settings', settings: settings('CODEA', { docMode: 'yjs' }) },
            { kind: 'yjs-update', update: b('u1') },
            bad,
          ]),
        ).rejects.toThrow();
        expect(await store.load('a')).toBeUndefined();
        await store.write('a', [{ kind: 'settings', settings: settings('CODEA') }]);
        expect((await loaded(store, 'a')).doc).toBeUndefined();
      });
    });

    it('S16 writes apply in order within a batch and batches apply in the order they were written', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { policy: 'open' }) },
        { kind: 'settings', settings: settings('CODEA', { policy: 'trusted' }) },
        { kind: 'lock', lock: lock('r', 'alice', 1) },
        { kind: 'unlock', resource: 'r' },
        { kind: 'lock', lock: lock('r', 'bob', 2) },
        { kind: 'admitted', userId: 'dan', admitted: true },
        { kind: 'admitted', userId: 'dan', admitted: false },
        { kind: 'admitted', userId: 'eve', admitted: false },
        { kind: 'admitted', userId: 'eve', admitted: true },
        { kind: 'lww', version: 1, doc: b('one') },
        { kind: 'lww', version: 2, doc: b('two') },
      ]);
      const record = await loaded(store, 'a');
      expect(record.settings.policy).toBe('trusted');
      expect(record.locks).toEqual([lock('r', 'bob', 2)]);
      expect(record.admitted).toEqual(['eve']);
      expect(record.doc).toEqual({ mode: 'lww', version: 2, doc: b('two') });

      for (let version = 3; version <= 12; version++) {
        await store.write('a', [{ kind: 'lww', version, doc: b(`v${version}`) }]);
      }
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 12, doc: b('v12') });
    });

    it('S17 batches written without awaiting apply in call order', async () => {
      await store.write('a', [{ kind: 'settings', settings: settings('CODEA', { docMode: 'yjs' }) }]);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.write('a', [{ kind: 'yjs-update', update: b(`u${i}`) }])),
      );
      expect(await doc(store, 'a')).toEqual({
        mode: 'yjs',
        updates: Array.from({ length: 20 }, (_, i) => b(`u${i}`)),
      });
    });

    it('S18 an empty batch leaves a room as it was', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'lww', version: 1, doc: b('x') },
      ]);
      const before = await store.load('a');
      await store.write('a', []);
      expect(await store.load('a')).toEqual(before);
    });

    // ── Copies ─────────────────────────────────────────────────────────────────────────────

    it('S19 a loaded record is a copy: mutating it does not change the store', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { trusted: ['t@example.com'] }) },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'lock', lock: lock('x', 'alice', 1) },
        { kind: 'op', op: op(1, 'o1') },
        { kind: 'ops-snapshot', seq: 0, base: b('base') },
      ]);
      const pristine = await loaded(store, 'a');
      const mutated = await loaded(store, 'a');
      expect(mutated).not.toBe(pristine);

      mutated.settings.trusted.push('evil@example.com');
      mutated.settings.policy = 'open';
      mutated.admitted.push('mallory');
      mutated.locks[0]!.fence = 99;
      mutated.locks.push(lock('y', 'mallory', 100));
      mutated.fence = 100;
      const ops = mutated.doc as Extract<StoredDoc, { mode: 'ops' }>;
      ops.base[0] = 0xff;
      ops.ops[0]!.op[0] = 0xff;
      ops.ops[0]!.userId = 'mallory';
      ops.ops.push(op(2, 'forged'));
      ops.seq = 2;
      expect(await store.load('a')).toEqual(pristine);

      await store.write('a', [{ kind: 'yjs-update', update: b('y1') }]);
      const yjs = await loaded(store, 'a');
      const updates = (yjs.doc as Extract<StoredDoc, { mode: 'yjs' }>).updates;
      updates[0]![0] = 0;
      updates.push(b('forged'));
      expect((await loaded(store, 'a')).doc).toEqual({ mode: 'yjs', updates: [b('y1')] });

      await store.write('a', [{ kind: 'lww', version: 1, doc: b('lww') }]);
      const lww = (await loaded(store, 'a')).doc as Extract<StoredDoc, { mode: 'lww' }>;
      lww.doc[0] = 0;
      lww.version = 7;
      expect((await loaded(store, 'a')).doc).toEqual({ mode: 'lww', version: 1, doc: b('lww') });
    });

    it('S20 what is passed to write is copied: mutating it afterwards does not change the store', async () => {
      const s = settings('CODEA', { trusted: ['t@example.com'] });
      const l = lock('x', 'alice', 1);
      const o = op(1, 'o1');
      const base = b('base');
      await store.write('a', [
        { kind: 'settings', settings: s },
        { kind: 'lock', lock: l },
        { kind: 'ops-snapshot', seq: 0, base },
        { kind: 'op', op: o },
      ]);
      s.trusted.push('evil@example.com');
      s.policy = 'open';
      l.userId = 'mallory';
      o.op[0] = 0;
      o.seq = 50;
      base[0] = 0;
      const record = await loaded(store, 'a');
      expect(record.settings).toEqual(settings('CODEA', { trusted: ['t@example.com'] }));
      expect(record.locks).toEqual([lock('x', 'alice', 1)]);
      expect(record.doc).toEqual({ mode: 'ops', seq: 1, baseSeq: 0, base: b('base'), ops: [op(1, 'o1')] });

      const update = b('u1');
      const state = b('state');
      await store.write('a', [{ kind: 'yjs-compact', state }]);
      await store.write('a', [{ kind: 'yjs-update', update }]);
      update.fill(0);
      state.fill(0);
      expect(await doc(store, 'a')).toEqual({ mode: 'yjs', updates: [b('state'), b('u1')] });

      const lwwDoc = b('lww');
      await store.write('a', [{ kind: 'lww', version: 1, doc: lwwDoc }]);
      lwwDoc.fill(0);
      expect(await doc(store, 'a')).toEqual({ mode: 'lww', version: 1, doc: b('lww') });
    });

    it('S21 bytes handed over as views (a subarray, a Node Buffer) are copied, exactly their own bytes', async () => {
      const backing = noise(64, 7);
      const view = backing.subarray(10, 20);
      const expected = backing.slice(10, 20);
      const buffer = Buffer.from('buffer bytes');
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'yjs' }) },
        { kind: 'yjs-update', update: view },
        { kind: 'yjs-update', update: buffer },
      ]);
      backing.fill(0);
      buffer.fill(0);
      const updates = ((await doc(store, 'a')) as Extract<StoredDoc, { mode: 'yjs' }>).updates;
      expect(updates).toHaveLength(2);
      expectBytes(updates[0], expected);
      expectBytes(updates[1], b('buffer bytes'));

      const lwwBuffer = Buffer.from('lww buffer');
      await store.write('a', [{ kind: 'lww', version: 1, doc: lwwBuffer }]);
      lwwBuffer.fill(0);
      const lww = (await doc(store, 'a')) as Extract<StoredDoc, { mode: 'lww' }>;
      expectBytes(lww.doc, b('lww buffer'));
    });

    // ── Rooms ──────────────────────────────────────────────────────────────────────────────

    it('S22 delete forgets a room entirely; a new room of that id starts from nothing', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { hostUserId: 'alice' }) },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'lock', lock: lock('x', 'alice', 5) },
        { kind: 'op', op: op(1, 'o1') },
      ]);
      await store.delete('a');
      expect(await store.load('a')).toBeUndefined();
      await expect(store.write('a', [{ kind: 'op', op: op(2, 'o2') }])).rejects.toThrow();
      expect(await store.load('a')).toBeUndefined();

      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA') },
        { kind: 'yjs-update', update: b('fresh') },
      ]);
      expect(await store.load('a')).toEqual({
        settings: settings('CODEA'),
        admitted: [],
        locks: [],
        fence: 0,
        epoch: 0,
        clients: [],
        doc: { mode: 'yjs', updates: [b('fresh')] },
      });
      await store.delete('never-was');
      await store.delete('a');
      await store.delete('a');
      expect(await store.load('a')).toBeUndefined();
    });

    it('S23 rooms are isolated: writes, failures and deletes in one never touch another', async () => {
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'ops', hostUserId: 'alice' }) },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'lock', lock: lock('shared', 'alice', 4) },
        { kind: 'op', op: op(1, 'a1') },
      ]);
      await store.write('b', [
        { kind: 'settings', settings: settings('CODEB', { docMode: 'ops', hostUserId: 'bob' }) },
        { kind: 'admitted', userId: 'carol', admitted: true },
        { kind: 'lock', lock: lock('shared', 'bob', 1) },
        { kind: 'op', op: op(1, 'b1') },
        { kind: 'op', op: op(2, 'b2') },
      ]);
      const a = await store.load('a');
      const b1 = await store.load('b');

      await store.write('b', [
        { kind: 'unlock', resource: 'shared' },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'ops-snapshot', seq: 2, base: b('sb') },
      ]);
      await expect(store.write('b', [{ kind: 'fence', fence: 70 }, INVALID_WRITES[0]![1]])).rejects.toThrow();
      expect(await store.load('a')).toEqual(a);

      await store.write('a', [{ kind: 'op', op: op(2, 'a2') }]);
      const b2 = await loaded(store, 'b');
      expect(b2.settings).toEqual(b1?.settings);
      expect(b2.fence).toBe(1);
      expect(b2.doc).toEqual({ mode: 'ops', seq: 2, baseSeq: 2, base: b('sb'), ops: [] });

      await store.delete('b');
      expect(await store.load('b')).toBeUndefined();
      expect((await loaded(store, 'a')).doc).toEqual({
        mode: 'ops',
        seq: 2,
        baseSeq: 0,
        base: new Uint8Array(0),
        ops: [op(1, 'a1'), op(2, 'a2')],
      });
      expect((await loaded(store, 'a')).locks).toEqual([lock('shared', 'alice', 4)]);
    });

    it('S24 room ids are opaque strings: similar, long and non-ASCII ids are distinct rooms', async () => {
      const ids = ['room', 'Room', 'room ', 'room/1', 'rööm-✓', 'x'.repeat(200), "it's; DROP TABLE rooms"];
      for (const [i, id] of ids.entries()) {
        await store.write(id, [
          { kind: 'settings', settings: settings(`ID${i}`) },
          { kind: 'lww', version: i + 1, doc: b(id) },
        ]);
      }
      for (const [i, id] of ids.entries()) {
        expect(await doc(store, id)).toEqual({ mode: 'lww', version: i + 1, doc: b(id) });
      }
    });

    // ── Data ───────────────────────────────────────────────────────────────────────────────

    it('S25 every byte value survives in every binary field', async () => {
      const all = everyByte();
      await store.write('lww', [
        { kind: 'settings', settings: settings('CODEL') },
        { kind: 'lww', version: 1, doc: all },
      ]);
      await store.write('ops', [
        { kind: 'settings', settings: settings('CODEO', { docMode: 'ops' }) },
        { kind: 'op', op: op(1, '', { op: all }) },
        { kind: 'op', op: op(2, '', { op: all }) },
        { kind: 'ops-snapshot', seq: 1, base: all },
      ]);
      await store.write('yjs', [
        { kind: 'settings', settings: settings('CODEY', { docMode: 'yjs' }) },
        { kind: 'yjs-compact', state: all },
        { kind: 'yjs-update', update: all },
      ]);
      expect(await doc(store, 'lww')).toEqual({ mode: 'lww', version: 1, doc: everyByte() });
      expect(await doc(store, 'ops')).toEqual({
        mode: 'ops',
        seq: 2,
        baseSeq: 1,
        base: everyByte(),
        ops: [op(2, '', { op: everyByte() })],
      });
      expect(await doc(store, 'yjs')).toEqual({ mode: 'yjs', updates: [everyByte(), everyByte()] });
    });

    it('S26 600 KB documents survive byte for byte in every mode', async () => {
      const size = 600 * 1024;
      await store.write('lww', [
        { kind: 'settings', settings: settings('CODEL') },
        { kind: 'lww', version: 1, doc: noise(size, 1) },
      ]);
      await store.write('ops', [
        { kind: 'settings', settings: settings('CODEO', { docMode: 'ops' }) },
        { kind: 'ops-snapshot', seq: 0, base: noise(size, 2) },
        { kind: 'op', op: op(1, '', { op: noise(64 * 1024, 3) }) },
      ]);
      await store.write('yjs', [
        { kind: 'settings', settings: settings('CODEY', { docMode: 'yjs' }) },
        { kind: 'yjs-compact', state: noise(size, 4) },
        { kind: 'yjs-update', update: noise(size, 5) },
      ]);
      const lww = (await doc(store, 'lww')) as Extract<StoredDoc, { mode: 'lww' }>;
      expectBytes(lww.doc, noise(size, 1));
      const ops = (await doc(store, 'ops')) as Extract<StoredDoc, { mode: 'ops' }>;
      expectBytes(ops.base, noise(size, 2));
      expect(ops.ops).toHaveLength(1);
      expectBytes(ops.ops[0]?.op, noise(64 * 1024, 3));
      const yjs = (await doc(store, 'yjs')) as Extract<StoredDoc, { mode: 'yjs' }>;
      expect(yjs.updates).toHaveLength(2);
      expectBytes(yjs.updates[0], noise(size, 4));
      expectBytes(yjs.updates[1], noise(size, 5));
    });

    it('S28 the edit ledger: a client entry is replaced whole, forgotten on request, kept through compaction and gone with its room', async () => {
      const big = 2 ** 40;
      const alice: StoredClient = {
        key: 'tab1 alice',
        lastRid: 5,
        outcomes: [
          [3, 1],
          [5, 2],
        ],
        at: 20,
      };
      const bob: StoredClient = {
        key: 'tab2 ünï bob',
        lastRid: big,
        outcomes: [
          [big - 1, 0],
          [big, -14],
        ],
        at: 11,
      };
      await store.write('a', [
        { kind: 'settings', settings: settings('CODEA', { docMode: 'ops' }) },
        { kind: 'op', op: op(1, 'x') },
        { kind: 'client', client: { key: 'tab1 alice', lastRid: 3, outcomes: [[3, 1]], at: 10 } },
        { kind: 'client', client: bob },
        { kind: 'client', client: { key: 'tab3 carol', lastRid: 1, outcomes: [[1, -17]], at: 12 } },
      ]);
      await store.write('a', [
        { kind: 'op', op: op(2, 'y') },
        { kind: 'client', client: alice },
        { kind: 'forget-client', key: 'tab3 carol' },
        { kind: 'forget-client', key: 'never stored' },
        { kind: 'ops-snapshot', seq: 2, base: b('{}') },
      ]);
      expect(canonical(await loaded(store, 'a'))?.clients).toEqual([alice, bob]);
      await store.delete('a');
      await store.write('a', [{ kind: 'settings', settings: settings('CODEA') }]);
      expect((await loaded(store, 'a')).clients).toEqual([]);
    });

    it('S27 200 rooms each keep their own state', async () => {
      const count = 200;
      const id = (i: number) => `room-${i}`;
      const modes = ['lww', 'ops', 'yjs'] as const;
      const expected = (i: number): RoomRecord => {
        const mode = modes[i % 3]!;
        const docs: Record<(typeof modes)[number], StoredDoc> = {
          lww: { mode: 'lww', version: i, doc: b(`doc ${i}`) },
          ops: { mode: 'ops', seq: i + 1, baseSeq: 0, base: new Uint8Array(0), ops: [op(i + 1, `op ${i}`)] },
          yjs: { mode: 'yjs', updates: [b(`u ${i}`), b(`v ${i}`)] },
        };
        return {
          settings: settings(`R${String(i).padStart(4, '0')}`, {
            docMode: mode,
            hostUserId: `host-${i % 7}`,
            trusted: [`t${i}@example.com`],
          }),
          admitted: [`user-${i}`],
          locks: [lock(`res-${i}`, `host-${i % 7}`, i + 1)],
          fence: i + 1,
          epoch: i % 5,
          doc: docs[mode],
          clients: [{ key: `c${i} user-${i}`, lastRid: i + 1, outcomes: [[i + 1, i]], at: i }],
        };
      };
      const writesFor = (record: RoomRecord): RoomWrite[] => {
        const writes: RoomWrite[] = [
          { kind: 'settings', settings: record.settings },
          ...record.admitted.map((userId): RoomWrite => ({ kind: 'admitted', userId, admitted: true })),
          ...record.locks.map((l): RoomWrite => ({ kind: 'lock', lock: l })),
          { kind: 'epoch', epoch: record.epoch },
          ...record.clients.map((client): RoomWrite => ({ kind: 'client', client })),
        ];
        const d = record.doc;
        if (d?.mode === 'lww') writes.push({ kind: 'lww', version: d.version, doc: d.doc });
        if (d?.mode === 'ops') for (const o of d.ops) writes.push({ kind: 'op', op: o });
        if (d?.mode === 'yjs') for (const update of d.updates) writes.push({ kind: 'yjs-update', update });
        return writes;
      };

      await Promise.all(Array.from({ length: count }, (_, i) => store.write(id(i), writesFor(expected(i)))));
      for (let i = 0; i < count; i++) expect(await store.load(id(i))).toEqual(expected(i));

      for (let i = 0; i < count; i += 2) await store.delete(id(i));
      for (let i = 0; i < count; i++) {
        if (i % 2 === 0) expect(await store.load(id(i))).toBeUndefined();
        else expect(await store.load(id(i))).toEqual(expected(i));
      }
    });
  });
}
