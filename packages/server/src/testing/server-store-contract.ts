import type { RoomSettings, RoomWrite } from '@tandem/room';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerStore } from '../rooms/server-store.js';

/** How a store under test is opened, and what it may be told. */
export interface ServerStoreOpenOptions {
  /** Called after each group commit with how many room batches it held. */
  onCommit?: (commit: { batches: number }) => void;
  /** The store's clock, which stamps when a room was last written. */
  now?: () => number;
}

/**
 * One database for a test: `open` opens a store on it (again after a close, to see what lasted),
 * `cleanup` removes it.
 */
export interface ServerStoreFixture {
  open: (options?: ServerStoreOpenOptions) => Promise<ServerStore>;
  cleanup: () => Promise<void>;
}

/** The tables of the normalised schema every SQL store keeps, sorted. */
export const SQL_TABLES = [
  'room_admitted',
  'room_clients',
  'room_locks',
  'room_lww',
  'room_ops',
  'room_ops_base',
  'room_yjs_updates',
  'rooms',
  'schema_version',
];

export function settings(joinCode: string, over: Partial<RoomSettings> = {}): RoomSettings {
  return { policy: 'host-approval', docMode: 'lww', joinCode, hostUserId: '', trusted: [], ...over };
}

function b(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Within a `describe`: a fresh database for each test from `make`, and the function that opens a
 * store on it; every store opened is closed, and the database removed, after the test.
 */
export function storesPerTest(
  make: () => Promise<ServerStoreFixture>,
): (options?: ServerStoreOpenOptions) => Promise<ServerStore> {
  let fixture: ServerStoreFixture;
  const open: ServerStore[] = [];
  beforeEach(async () => {
    fixture = await make();
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await fixture.cleanup();
  });
  return async (options) => {
    const store = await fixture.open(options);
    open.push(store);
    return store;
  };
}

/**
 * What the server needs of every store beyond the room engine's contract: durability across
 * reopening, join codes, hosted rooms, atomic batches, group commits and call order. SQLite and
 * PostgreSQL both pass it.
 */
export function describeServerStoreContract(
  name: string,
  make: () => Promise<ServerStoreFixture>,
  /** False for a store that cannot report its commits (one on another thread). */
  { reportsCommits = true }: { reportsCommits?: boolean } = {},
): void {
  describe(`ServerStore contract: ${name}`, () => {
    const openStore = storesPerTest(make);

    it('restores every room exactly after being closed and reopened', async () => {
      const first = await openStore();
      await first.write('lww', [
        {
          kind: 'settings',
          settings: settings('LWW234', { hostUserId: 'alice', trusted: ['t@example.com'] }),
        },
        { kind: 'admitted', userId: 'bob', admitted: true },
        {
          kind: 'lock',
          lock: { resource: 'a', userId: 'alice', lockId: 'l1', fence: 3, expiresAt: 1_700_000_060_000 },
        },
        { kind: 'fence', fence: 7 },
        { kind: 'lww', version: 4, doc: b('{"x":1}') },
      ]);
      await first.write('ops', [
        { kind: 'settings', settings: settings('OPS234', { docMode: 'ops', policy: 'open' }) },
        ...[1, 2, 3].map(
          (seq): RoomWrite => ({
            kind: 'op',
            op: { seq, slot: seq, userId: `u${seq}`, resource: 'r', op: b(`op${seq}`) },
          }),
        ),
        { kind: 'ops-snapshot', seq: 1, base: b('s1') },
      ]);
      await first.write('yjs', [
        { kind: 'settings', settings: settings('YJS234', { docMode: 'yjs', policy: 'trusted' }) },
        { kind: 'yjs-compact', state: b('state') },
        { kind: 'yjs-update', update: b('u1') },
      ]);
      const before = await Promise.all(['lww', 'ops', 'yjs'].map((id) => first.load(id)));
      expect(before.every((r) => r !== undefined)).toBe(true);
      await first.close();
      await expect(first.load('lww')).rejects.toThrow();

      const second = await openStore();
      expect(await Promise.all(['lww', 'ops', 'yjs'].map((id) => second.load(id)))).toEqual(before);
      expect(await second.roomIdForJoinCode('yjs234')).toBe('yjs');
      // It keeps working where the first left off.
      await second.write('yjs', [{ kind: 'yjs-update', update: b('u2') }]);
      expect((await second.load('yjs'))?.doc).toEqual({
        mode: 'yjs',
        updates: [b('state'), b('u1'), b('u2')],
      });
    });

    describe('join codes', () => {
      it('finds a room by its join code, whatever the case', async () => {
        const store = await openStore();
        await store.write('a', [{ kind: 'settings', settings: settings('ABC234') }]);
        await store.write('b', [{ kind: 'settings', settings: settings('XYZ789') }]);
        expect(await store.roomIdForJoinCode('ABC234')).toBe('a');
        expect(await store.roomIdForJoinCode('abc234')).toBe('a');
        expect(await store.roomIdForJoinCode('aBc234')).toBe('a');
        expect(await store.roomIdForJoinCode('xyz789')).toBe('b');
        expect(await store.roomIdForJoinCode('NOPE00')).toBeUndefined();
        expect(await store.roomIdForJoinCode('')).toBeUndefined();
      });

      it('refuses a settings write whose code another room holds (in any case), storing nothing of it', async () => {
        const store = await openStore();
        await store.write('a', [{ kind: 'settings', settings: settings('ABC234') }]);
        await expect(store.write('b', [{ kind: 'settings', settings: settings('abc234') }])).rejects.toThrow(
          /unique/i,
        );
        expect(await store.load('b')).toBeUndefined();

        await store.write('b', [
          { kind: 'settings', settings: settings('DEF567') },
          { kind: 'lww', version: 1, doc: b('b') },
        ]);
        const before = await store.load('b');
        await expect(
          store.write('b', [
            { kind: 'lww', version: 2, doc: b('lost') },
            { kind: 'settings', settings: settings('ABC234') },
          ]),
        ).rejects.toThrow(/unique/i);
        expect(await store.load('b')).toEqual(before);
        expect(await store.roomIdForJoinCode('abc234')).toBe('a');
        expect(await store.roomIdForJoinCode('def567')).toBe('b');
      });

      it('lets a room keep its own code, and frees a code when its room changes code or is deleted', async () => {
        const store = await openStore();
        await store.write('a', [{ kind: 'settings', settings: settings('ABC234') }]);
        await store.write('a', [{ kind: 'settings', settings: settings('ABC234', { policy: 'open' }) }]);
        await store.write('a', [{ kind: 'settings', settings: settings('NEW234') }]);
        expect(await store.roomIdForJoinCode('ABC234')).toBeUndefined();
        await store.write('b', [{ kind: 'settings', settings: settings('ABC234') }]);
        expect(await store.roomIdForJoinCode('abc234')).toBe('b');
        await store.delete('b');
        expect(await store.roomIdForJoinCode('abc234')).toBeUndefined();
        await store.write('c', [{ kind: 'settings', settings: settings('ABC234') }]);
        expect(await store.roomIdForJoinCode('abc234')).toBe('c');
      });

      it('stores the code as given and lets any number of rooms have none', async () => {
        const store = await openStore();
        await store.write('a', [{ kind: 'settings', settings: settings('') }]);
        await store.write('b', [{ kind: 'settings', settings: settings('') }]);
        await store.write('c', [{ kind: 'settings', settings: settings('mixed9') }]);
        expect((await store.load('a'))?.settings.joinCode).toBe('');
        expect((await store.load('b'))?.settings.joinCode).toBe('');
        expect((await store.load('c'))?.settings.joinCode).toBe('mixed9');
        expect(await store.roomIdForJoinCode('MIXED9')).toBe('c');
      });
    });

    it('lists the rooms a user hosts, following host changes and deletes', async () => {
      const store = await openStore();
      await store.write('r1', [{ kind: 'settings', settings: settings('R1', { hostUserId: 'alice' }) }]);
      await store.write('r2', [{ kind: 'settings', settings: settings('R2', { hostUserId: 'bob' }) }]);
      await store.write('r3', [{ kind: 'settings', settings: settings('R3', { hostUserId: 'alice' }) }]);
      await store.write('r4', [{ kind: 'settings', settings: settings('R4') }]);
      expect((await store.hostedRooms('alice')).sort()).toEqual(['r1', 'r3']);
      expect(await store.hostedRooms('bob')).toEqual(['r2']);
      expect(await store.hostedRooms('Alice')).toEqual([]);
      expect(await store.hostedRooms('nobody')).toEqual([]);
      expect(await store.hostedRooms('')).toEqual([]);

      await store.write('r4', [{ kind: 'settings', settings: settings('R4', { hostUserId: 'alice' }) }]);
      await store.write('r1', [{ kind: 'settings', settings: settings('R1', { hostUserId: 'bob' }) }]);
      await store.delete('r3');
      expect(await store.hostedRooms('alice')).toEqual(['r4']);
      expect((await store.hostedRooms('bob')).sort()).toEqual(['r1', 'r2']);
    });

    it('writes and loads a 512 KiB document, also after reopening', async () => {
      const doc = new Uint8Array(512 * 1024);
      for (let i = 0; i < doc.length; i++) doc[i] = (i * 2_654_435_761) >>> 24;
      const store = await openStore();
      await store.write('big', [
        { kind: 'settings', settings: settings('BIG234') },
        { kind: 'lww', version: 1, doc },
      ]);
      const loaded = (await store.load('big'))?.doc;
      expect(loaded?.mode === 'lww' && Buffer.compare(loaded.doc, doc)).toBe(0);
      await store.close();
      const again = (await (await openStore()).load('big'))?.doc;
      expect(again?.mode === 'lww' && again.doc.byteLength).toBe(512 * 1024);
      expect(again?.mode === 'lww' && Buffer.compare(again.doc, doc)).toBe(0);
    });

    it('rolls a batch back entirely when a write breaks a constraint part-way', async () => {
      const store = await openStore();
      await store.write('a', [
        { kind: 'settings', settings: settings('AAA234', { docMode: 'ops' }) },
        { kind: 'admitted', userId: 'bob', admitted: true },
        { kind: 'lock', lock: { resource: 'r', userId: 'bob', lockId: 'l', fence: 1, expiresAt: 5 } },
        { kind: 'op', op: { seq: 1, slot: 1, userId: 'bob', resource: 'r', op: b('o1') } },
      ]);
      const before = await store.load('a');
      // Sequence numbers are unique per room: a second op 1 violates the ops log's primary key.
      await expect(
        store.write('a', [
          { kind: 'settings', settings: settings('CHANGED', { docMode: 'ops', policy: 'open' }) },
          { kind: 'admitted', userId: 'carol', admitted: true },
          { kind: 'unlock', resource: 'r' },
          { kind: 'fence', fence: 40 },
          { kind: 'op', op: { seq: 2, slot: 1, userId: 'bob', resource: 'r', op: b('o2') } },
          { kind: 'ops-snapshot', seq: 1, base: b('s1') },
          { kind: 'op', op: { seq: 2, slot: 1, userId: 'bob', resource: 'r', op: b('dup') } },
        ]),
      ).rejects.toThrow(/constraint/i);
      expect(await store.load('a')).toEqual(before);
      expect(await store.roomIdForJoinCode('CHANGED')).toBeUndefined();
      expect(await store.roomIdForJoinCode('AAA234')).toBe('a');

      // A failed first batch creates no room.
      await expect(
        store.write('n', [
          { kind: 'settings', settings: settings('NNN234', { docMode: 'ops' }) },
          { kind: 'op', op: { seq: 1, slot: 1, userId: 'x', resource: '', op: b('1') } },
          { kind: 'op', op: { seq: 1, slot: 1, userId: 'x', resource: '', op: b('1') } },
        ]),
      ).rejects.toThrow(/constraint/i);
      expect(await store.load('n')).toBeUndefined();
      expect(await store.roomIdForJoinCode('NNN234')).toBeUndefined();
    });

    it.skipIf(!reportsCommits)(
      'commits the batches of every room written in one turn together; a failing batch rolls back alone',
      async () => {
        const commits: number[] = [];
        const store = await openStore({ onCommit: ({ batches }) => commits.push(batches) });
        await store.write('taken', [{ kind: 'settings', settings: settings('TKN234') }]);
        expect(commits).toEqual([1]);

        const results = await Promise.allSettled([
          store.write('a', [
            { kind: 'settings', settings: settings('AAA234') },
            { kind: 'lww', version: 1, doc: b('a1') },
          ]),
          store.write('b', [
            { kind: 'settings', settings: settings('BBB234') },
            { kind: 'lww', version: 1, doc: b('b-lost') },
            { kind: 'settings', settings: settings('tkn234') },
          ]),
          store.write('a', [{ kind: 'lww', version: 2, doc: b('a2') }]),
          store.write('c', [{ kind: 'settings', settings: settings('') }]),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(commits).toEqual([1, 4]);
        expect(await store.load('b')).toBeUndefined();
        expect(await store.roomIdForJoinCode('BBB234')).toBeUndefined();
        const a = await store.load('a');
        expect(a?.doc?.mode === 'lww' && [a.doc.version, Buffer.from(a.doc.doc).toString()]).toEqual([
          2,
          'a2',
        ]);
        expect((await store.load('c'))?.settings.joinCode).toBe('');
      },
    );

    it('lists rooms not written since a cutoff, oldest first, and deletes one only while it stays so', async () => {
      let time = 1_000;
      const store = await openStore({ now: () => time });
      await store.write('old', [{ kind: 'settings', settings: settings('OLD234') }]);
      time = 2_000;
      await store.write('older-code', [{ kind: 'settings', settings: settings('') }]);
      time = 3_000;
      await store.write('new', [{ kind: 'settings', settings: settings('NEW234') }]);
      expect(await store.listUntouchedSince(2_500, 10)).toEqual(['old', 'older-code']);
      expect(await store.listUntouchedSince(2_500, 1)).toEqual(['old']);
      expect(await store.listUntouchedSince(1_000, 10)).toEqual([]);

      // Written again after it was listed: no longer untouched, so it stays.
      time = 4_000;
      await store.write('old', [{ kind: 'fence', fence: 2 }]);
      expect(await store.deleteIfUntouchedSince('old', 2_500)).toBe(false);
      expect(await store.deleteIfUntouchedSince('older-code', 2_500)).toBe(true);
      expect(await store.deleteIfUntouchedSince('gone', 2_500)).toBe(false);
      expect(await store.load('older-code')).toBeUndefined();
      expect((await store.load('old'))?.fence).toBe(2);
    });

    it('applies calls in call order: a read, delete or close right after a write sees it', async () => {
      const store = await openStore();
      const written = store.write('a', [{ kind: 'settings', settings: settings('AAA234') }]);
      expect(await store.roomIdForJoinCode('AAA234')).toBe('a');
      await written;

      void store.write('b', [{ kind: 'settings', settings: settings('BBB234', { hostUserId: 'h' }) }]);
      expect(await store.hostedRooms('h')).toEqual(['b']);
      void store.write('b', [{ kind: 'fence', fence: 9 }]);
      await store.delete('b');
      expect(await store.load('b')).toBeUndefined();

      const last = store.write('z', [{ kind: 'settings', settings: settings('ZZZ234') }]);
      await store.close();
      await last;
      const reopened = await openStore();
      expect(await reopened.roomIdForJoinCode('ZZZ234')).toBe('z');
      await expect(store.write('y', [{ kind: 'settings', settings: settings('') }])).rejects.toThrow(
        /not open/,
      );
    });
  });
}
