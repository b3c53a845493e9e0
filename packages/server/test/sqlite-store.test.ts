import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoomSettings, RoomWrite } from '@tandem/room';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The engine itself (what `@tandem/room` resolves to under Vitest) by path, so the type checker
// sees the same `Room` class as the room harness's `Peer`, not the one in `dist`.
import { EPOCH_SPAN, ManualClock, Room } from '../../room/src/index.js';
import { bytes, Peer } from '../../room/test/support/harness.js';
import { describeRoomStoreContract } from '../../room/test/support/store-contract.js';
import { SqliteRoomStore, SqliteWorkerStore } from '../src/index.js';
import { openSqliteStore } from '../src/store/open-sqlite-store.js';
import { SQLITE_SCHEMA_VERSION } from '../src/store/sqlite-store.js';

async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-sqlite-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

describeRoomStoreContract('SqliteRoomStore (file)', async () => {
  const { dir, remove } = await tempDir();
  const store = new SqliteRoomStore({ path: join(dir, 'tandem.db') });
  return {
    store,
    cleanup: async () => {
      store.close();
      await remove();
    },
  };
});

describeRoomStoreContract('SqliteWorkerStore (its own thread, file)', async () => {
  const { dir, remove } = await tempDir();
  const store = await SqliteWorkerStore.open({ path: join(dir, 'tandem.db') });
  return {
    store,
    cleanup: async () => {
      store.close();
      await remove();
    },
  };
});

describe('openSqliteStore', () => {
  it('runs a database file on its own thread and an in-memory one on the calling thread', async () => {
    const { dir, remove } = await tempDir();
    try {
      const kinds: string[] = [];
      for (const path of [join(dir, 'tandem.db'), ':memory:']) {
        const store = await openSqliteStore({ path });
        await store.write('r', [{ kind: 'settings', settings: settings('RRR234') }]);
        expect(await store.roomIdForJoinCode('rrr234')).toBe('r');
        kinds.push(store.constructor.name);
        store.close();
      }
      expect(kinds).toEqual(['SqliteWorkerStore', 'SqliteRoomStore']);
    } finally {
      await remove();
    }
  });
});

describe('SqliteWorkerStore', () => {
  it('applies calls in order, refuses a conflicting join code alone, and reads back after reopening', async () => {
    const { dir, remove } = await tempDir();
    const path = join(dir, 'tandem.db');
    try {
      let time = 1_000;
      const store = await SqliteWorkerStore.open({ path, now: () => time });
      const results = await Promise.allSettled([
        store.write('a', [{ kind: 'settings', settings: settings('AAA234', { hostUserId: 'h' }) }]),
        store.write('b', [{ kind: 'settings', settings: settings('aaa234') }]),
        store.roomIdForJoinCode('AAA234'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE/);
      expect((results[2] as PromiseFulfilledResult<string>).value).toBe('a');
      time = 5_000;
      await store.write('c', [{ kind: 'settings', settings: settings('CCC234') }]);
      expect(await store.listUntouchedSince(2_000, 10)).toEqual(['a']);
      expect(await store.deleteIfUntouchedSince('c', 2_000)).toBe(false);
      expect(await store.deleteIfUntouchedSince('a', 2_000)).toBe(true);
      const last = store.write('d', [{ kind: 'settings', settings: settings('DDD234') }]);
      store.close();
      await last;
      await expect(store.load('d')).rejects.toThrow(/not open/);

      const again = await SqliteWorkerStore.open({ path });
      expect(await again.hostedRooms('h')).toEqual([]);
      expect(await again.roomIdForJoinCode('DDD234')).toBe('d');
      again.close();
    } finally {
      await remove();
    }
  });

  it('fails to open a database written by a newer version, with the reason', async () => {
    const { dir, remove } = await tempDir();
    const path = join(dir, 'tandem.db');
    try {
      const db = new Database(path);
      db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      db.prepare('INSERT INTO schema_version VALUES (?, 0)').run(SQLITE_SCHEMA_VERSION + 1);
      db.close();
      await expect(SqliteWorkerStore.open({ path })).rejects.toThrow(/newer than this server understands/);
    } finally {
      await remove();
    }
  });
});

describeRoomStoreContract('SqliteRoomStore (:memory:)', async () => {
  const store = new SqliteRoomStore({ path: ':memory:' });
  return { store, cleanup: async () => store.close() };
});

function settings(joinCode: string, over: Partial<RoomSettings> = {}): RoomSettings {
  return { policy: 'host-approval', docMode: 'lww', joinCode, hostUserId: '', trusted: [], ...over };
}

function b(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe('SqliteRoomStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let path: string;
  const open: SqliteRoomStore[] = [];

  /** Opens the test's database file; every store opened is closed after the test. */
  function openStore(synchronous?: 'full' | 'normal'): SqliteRoomStore {
    const store = new SqliteRoomStore({ path, ...(synchronous ? { synchronous } : {}) });
    open.push(store);
    return store;
  }

  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
    path = join(dir, 'tandem.db');
  });

  afterEach(async () => {
    for (const store of open.splice(0)) store.close();
    await remove();
  });

  it('restores every room exactly after being closed and reopened', async () => {
    const first = openStore();
    await first.write('lww', [
      { kind: 'settings', settings: settings('LWW234', { hostUserId: 'alice', trusted: ['t@example.com'] }) },
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
    first.close();
    await expect(first.load('lww')).rejects.toThrow();

    const second = openStore();
    expect(await Promise.all(['lww', 'ops', 'yjs'].map((id) => second.load(id)))).toEqual(before);
    expect(await second.roomIdForJoinCode('yjs234')).toBe('yjs');
    // It keeps working where the first left off.
    await second.write('yjs', [{ kind: 'yjs-update', update: b('u2') }]);
    expect((await second.load('yjs'))?.doc).toEqual({ mode: 'yjs', updates: [b('state'), b('u1'), b('u2')] });
  });

  it('creates a versioned, normalised schema in WAL mode, and refuses a database from a newer version', async () => {
    openStore().close();
    const raw = new Database(path);
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const versions = raw.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
      expect(versions.at(-1)).toBe(SQLITE_SCHEMA_VERSION);
      const tables = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all() as string[];
      expect(tables).toEqual(
        expect.arrayContaining([
          'rooms',
          'room_admitted',
          'room_locks',
          'room_lww',
          'room_ops',
          'room_ops_base',
          'room_yjs_updates',
          'schema_version',
        ]),
      );
      raw
        .prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, 0)')
        .run(SQLITE_SCHEMA_VERSION + 1);
    } finally {
      raw.close();
    }
    expect(() => openStore()).toThrow(/newer/);
  });

  it('opens again without re-running migrations, with either synchronous level', async () => {
    const full = openStore();
    await full.write('a', [{ kind: 'settings', settings: settings('AAA234') }]);
    full.close();
    const normal = openStore('normal');
    expect((await normal.load('a'))?.settings.joinCode).toBe('AAA234');
    await normal.write('a', [{ kind: 'lww', version: 1, doc: b('n') }]);
    expect((await normal.load('a'))?.doc).toEqual({ mode: 'lww', version: 1, doc: b('n') });
  });

  describe('join codes', () => {
    it('finds a room by its join code, whatever the case', async () => {
      const store = openStore();
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
      const store = openStore();
      await store.write('a', [{ kind: 'settings', settings: settings('ABC234') }]);
      await expect(store.write('b', [{ kind: 'settings', settings: settings('abc234') }])).rejects.toThrow(
        /UNIQUE/,
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
      ).rejects.toThrow(/UNIQUE/);
      expect(await store.load('b')).toEqual(before);
      expect(await store.roomIdForJoinCode('abc234')).toBe('a');
      expect(await store.roomIdForJoinCode('def567')).toBe('b');
    });

    it('lets a room keep its own code, and frees a code when its room changes code or is deleted', async () => {
      const store = openStore();
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
      const store = openStore();
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
    const store = openStore();
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
    const store = openStore();
    await store.write('big', [
      { kind: 'settings', settings: settings('BIG234') },
      { kind: 'lww', version: 1, doc },
    ]);
    const loaded = (await store.load('big'))?.doc;
    expect(loaded?.mode === 'lww' && Buffer.compare(loaded.doc, doc)).toBe(0);
    store.close();
    const again = (await openStore().load('big'))?.doc;
    expect(again?.mode === 'lww' && again.doc.byteLength).toBe(512 * 1024);
    expect(again?.mode === 'lww' && Buffer.compare(again.doc, doc)).toBe(0);
  });

  it('rolls a batch back entirely when a write breaks a constraint part-way', async () => {
    const store = openStore();
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

  it('commits the batches of every room written in one turn together; a failing batch rolls back alone', async () => {
    const commits: number[] = [];
    const store = new SqliteRoomStore({ path, onCommit: ({ batches }) => commits.push(batches) });
    open.push(store);
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
    expect(a?.doc?.mode === 'lww' && [a.doc.version, Buffer.from(a.doc.doc).toString()]).toEqual([2, 'a2']);
    expect((await store.load('c'))?.settings.joinCode).toBe('');
  });

  it('applies calls in call order: a read, delete or close right after a write sees it', async () => {
    const store = openStore();
    const written = store.write('a', [{ kind: 'settings', settings: settings('AAA234') }]);
    expect(await store.roomIdForJoinCode('AAA234')).toBe('a');
    await written;

    void store.write('b', [{ kind: 'settings', settings: settings('BBB234', { hostUserId: 'h' }) }]);
    expect(await store.hostedRooms('h')).toEqual(['b']);
    void store.write('b', [{ kind: 'fence', fence: 9 }]);
    await store.delete('b');
    expect(await store.load('b')).toBeUndefined();

    const last = store.write('z', [{ kind: 'settings', settings: settings('ZZZ234') }]);
    store.close();
    await last;
    const reopened = openStore();
    expect(await reopened.roomIdForJoinCode('ZZZ234')).toBe('z');
    await expect(store.write('y', [{ kind: 'settings', settings: settings('') }])).rejects.toThrow(
      /not open/,
    );
  });

  it('runs a room engine end to end: a document and a lock survive closing the room and the database', async () => {
    const clock = new ManualClock();
    const initial = { policy: 'open', joinCode: 'E2E234' } as const;
    const store = openStore();
    const room = await Room.load({ id: 'lesson', store, clock, settings: initial });
    const alice = new Peer(room, { userId: 'alice', name: 'Alice' }).hello();
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'shape-1' });
    alice.send({ type: 'lwwSet', rid: 2, resource: 'shape-1', doc: bytes('{"shapes":1}') });
    await room.idle();
    expect(alice.of('docAck').map((a) => [a.rid, a.version])).toEqual([[2, 1]]);
    const lockId = alice.lockId('shape-1');
    expect(await store.roomIdForJoinCode('e2e234')).toBe('lesson');
    expect(await store.hostedRooms('alice')).toEqual(['lesson']);

    clock.advance(5_000);
    await room.close();
    store.close();

    const reopened = openStore();
    const again = await Room.load({ id: 'lesson', store: reopened, clock, settings: initial });
    expect(again.getSettings()).toMatchObject({ joinCode: 'E2E234', hostUserId: 'alice', policy: 'open' });
    const back = new Peer(again, { userId: 'alice', name: 'Alice' }).hello();
    expect(back.welcome.role).toBe('host');
    expect(back.last('lwwDoc')).toMatchObject({ version: 1, doc: bytes('{"shapes":1}') });
    expect(back.of('lockGranted').find((g) => g.resource === 'shape-1')).toMatchObject({
      lockId,
      fence: 1,
      ttlMs: 55_000,
    });

    // It keeps going on the reopened store: the next edit is numbered in the second load's epoch
    // (never a number the first load could have announced) and acknowledged.
    back.send({ type: 'lwwSet', rid: 3, resource: 'shape-1', doc: bytes('{"shapes":2}') });
    await again.idle();
    expect(back.last('docAck')).toMatchObject({ rid: 3, version: EPOCH_SPAN + 1 });
    expect((await reopened.load('lesson'))?.doc).toEqual({
      mode: 'lww',
      version: EPOCH_SPAN + 1,
      doc: bytes('{"shapes":2}'),
    });
    await again.close();
  });
});
