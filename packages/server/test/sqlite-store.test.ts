import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteRoomStore, SqliteWorkerStore } from '../src/index.js';
import type { ServerStore } from '../src/rooms/server-store.js';
import { openSqliteStore } from '../src/store/open-sqlite-store.js';
import { SQLITE_SCHEMA_VERSION } from '../src/store/sqlite-store.js';
import { describeRoomStoreContract } from './support/room-testing.js';
import {
  describeServerStoreContract,
  type ServerStoreFixture,
  type ServerStoreOpenOptions,
  SQL_TABLES,
  settings,
} from './support/server-store-contract.js';

/** The built package, as a process of its own imports it (the store's thread runs the built worker). */
const DIST_INDEX = new URL('../dist/index.js', import.meta.url).href;

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

  it('keeps the process alive while it has work in hand, so a write made as the process winds down is stored', async () => {
    const { dir, remove } = await tempDir();
    const path = join(dir, 'tandem.db');
    try {
      // Nothing but the store's thread is left in this process once the write is handed over: the
      // process must not end before the thread has committed it.
      const script = join(dir, 'late.mjs');
      await writeFile(
        script,
        `import { SqliteWorkerStore } from ${JSON.stringify(DIST_INDEX)};
        const store = await SqliteWorkerStore.open({ path: ${JSON.stringify(path)} });
        void store.write('late', [{ kind: 'settings', settings: ${JSON.stringify(settings('LATE23'))} }]);`,
      );
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const store = new SqliteRoomStore({ path });
      try {
        expect((await store.load('late'))?.settings.joinCode).toBe('LATE23');
      } finally {
        store.close();
      }
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

/** A temporary directory whose database each `open` opens again. */
async function fileFixture(
  open: (path: string, options: ServerStoreOpenOptions) => Promise<ServerStore>,
): Promise<ServerStoreFixture> {
  const { dir, remove } = await tempDir();
  return { open: (options = {}) => open(join(dir, 'tandem.db'), options), cleanup: remove };
}

describeServerStoreContract('SqliteRoomStore (file)', () =>
  fileFixture(async (path, options) => new SqliteRoomStore({ path, ...options })),
);

describeServerStoreContract(
  'SqliteWorkerStore (its own thread, file)',
  () => fileFixture((path, { now }) => SqliteWorkerStore.open({ path, ...(now ? { now } : {}) })),
  { reportsCommits: false },
);

describeRoomStoreContract('SqliteRoomStore (:memory:)', async () => {
  const store = new SqliteRoomStore({ path: ':memory:' });
  return { store, cleanup: async () => store.close() };
});

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
      expect(tables).toEqual(expect.arrayContaining(SQL_TABLES));
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
});
