import { describe, expect, it } from 'vitest';
import { PostgresRoomStore, StaleOwnerError } from '../src/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../src/store/postgres-schema.js';
import { DATABASE_URL, dropSchema, skipPostgres, uniqueSchema, withPostgres } from './support/postgres.js';
import { describeRoomStoreContract } from './support/room-testing.js';
import {
  describeServerStoreContract,
  type ServerStoreOpenOptions,
  SQL_TABLES,
  settings,
} from './support/server-store-contract.js';

/** Opens a store on `schema` of the test database. */
/** A cluster owner's claim: node a's unless another is named. */
const claim = (generation: number, node = 'node-a') => ({ generation, node });

function openOn(schema: string, options: ServerStoreOpenOptions = {}) {
  return PostgresRoomStore.open({ connectionString: DATABASE_URL, schema, ...options });
}

describe.skipIf(skipPostgres)('PostgresRoomStore', () => {
  describeRoomStoreContract('PostgresRoomStore', async () => {
    const schema = uniqueSchema();
    const store = await openOn(schema);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describeServerStoreContract('PostgresRoomStore', async () => {
    const schema = uniqueSchema();
    return { open: (options) => openOn(schema, options), cleanup: () => dropSchema(schema) };
  });

  it('creates its schema and tables, records the version, and refuses a schema from a newer version', async () => {
    const schema = uniqueSchema();
    try {
      await (await openOn(schema)).close();
      const tables = await withPostgres(async (client) => {
        const { rows } = await client.query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
          [schema],
        );
        const version = await client.query<{ v: number }>(
          `SELECT max(version) AS v FROM ${schema}.schema_version`,
        );
        expect(version.rows[0]?.v).toBe(POSTGRES_SCHEMA_VERSION);
        await client.query(`INSERT INTO ${schema}.schema_version VALUES ($1, 0)`, [
          POSTGRES_SCHEMA_VERSION + 1,
        ]);
        return rows.map((r) => r.table_name);
      });
      expect(tables).toEqual(SQL_TABLES);
      await expect(openOn(schema)).rejects.toThrow(/newer than this server understands/);
    } finally {
      await dropSchema(schema);
    }
  });

  it('migrates once when several servers open one schema at the same moment', async () => {
    const schema = uniqueSchema();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openOn(schema)));
      await stores[0]!.write('a', [{ kind: 'settings', settings: settings('AAA234') }]);
      expect(await stores[3]!.roomIdForJoinCode('aaa234')).toBe('a');
      await Promise.all(stores.map((s) => s.close()));
      const versions = await withPostgres(
        async (client) => (await client.query(`SELECT version FROM ${schema}.schema_version`)).rowCount,
      );
      expect(versions).toBe(POSTGRES_SCHEMA_VERSION);
    } finally {
      await dropSchema(schema);
    }
  });

  it('fences cluster owners: once a later claim has loaded or written a room, earlier ones are refused', async () => {
    const schema = uniqueSchema();
    const store = await openOn(schema);
    try {
      const b = (t: string) => new TextEncoder().encode(t);
      await store.write('r', [{ kind: 'settings', settings: settings('FNC234') }], claim(3));
      await store.write('r', [{ kind: 'lww', version: 1, doc: b('by 3') }], claim(3));
      // Generation 5 takes the room over by loading it.
      expect((await store.load('r', claim(5)))?.doc).toEqual({ mode: 'lww', version: 1, doc: b('by 3') });
      // Generation 3 no longer writes, and nothing of its batch is stored.
      await expect(
        store.write(
          'r',
          [
            { kind: 'fence', fence: 9 },
            { kind: 'lww', version: 2, doc: b('by 3, late') },
          ],
          claim(3),
        ),
      ).rejects.toThrow(StaleOwnerError);
      await expect(store.load('r', claim(4))).rejects.toThrow(StaleOwnerError);
      // The refusal says which generation a claim must pass.
      await expect(store.load('r', claim(4))).rejects.toMatchObject({ recorded: 5 });
      const now = await store.load('r');
      expect([now?.fence, now?.doc]).toEqual([0, { mode: 'lww', version: 1, doc: b('by 3') }]);
      // The owner of record and later ones write on; unfenced writes (one server) are not checked.
      await store.write('r', [{ kind: 'lww', version: 3, doc: b('by 5') }], claim(5));
      await store.write('r', [{ kind: 'lww', version: 4, doc: b('by 6') }], claim(6));
      await store.write('r', [{ kind: 'fence', fence: 2 }]);
      expect((await store.load('r'))?.doc).toEqual({ mode: 'lww', version: 4, doc: b('by 6') });
      // Loading a room that does not exist records nothing and finds nothing.
      expect(await store.load('none', claim(1))).toBeUndefined();
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('refuses another node’s claim under the generation it holds, as Redis restarted empty hands one out again', async () => {
    const schema = uniqueSchema();
    const store = await openOn(schema);
    try {
      const b = (t: string) => new TextEncoder().encode(t);
      await store.write('r', [{ kind: 'settings', settings: settings('TWN234') }], claim(7, 'node-a'));
      // Every room of node a's session carries the same claim: its loads and writes go on.
      await store.write('r', [{ kind: 'lww', version: 1, doc: b('by a') }], claim(7, 'node-a'));
      expect((await store.load('r', claim(7, 'node-a')))?.doc).toEqual({
        mode: 'lww',
        version: 1,
        doc: b('by a'),
      });
      // Node b, handed 7 again, is refused, told to claim above 7, and records nothing.
      await expect(store.load('r', claim(7, 'node-b'))).rejects.toMatchObject({ recorded: 7 });
      await expect(
        store.write('r', [{ kind: 'lww', version: 2, doc: b('by b') }], claim(7, 'node-b')),
      ).rejects.toThrow(StaleOwnerError);
      await store.write('r', [{ kind: 'lww', version: 2, doc: b('by a, still') }], claim(7, 'node-a'));
      // Above it, b takes the room over, and a's claim of the same number is the stale one now.
      expect((await store.load('r', claim(8, 'node-b')))?.doc).toEqual({
        mode: 'lww',
        version: 2,
        doc: b('by a, still'),
      });
      await expect(
        store.write('r', [{ kind: 'lww', version: 3, doc: b('by a, late') }], claim(8, 'node-a')),
      ).rejects.toThrow(StaleOwnerError);
      await store.write('r', [{ kind: 'lww', version: 3, doc: b('by b') }], claim(8, 'node-b'));
      expect((await store.load('r'))?.doc).toEqual({ mode: 'lww', version: 3, doc: b('by b') });
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('replaces a connection the database closed, and carries on', async () => {
    const schema = uniqueSchema();
    let dropped: (error: Error) => void = () => {};
    const lost = new Promise<Error>((resolve) => {
      dropped = resolve;
    });
    const store = await PostgresRoomStore.open({
      connectionString: DATABASE_URL,
      schema,
      applicationName: schema,
      onConnectionError: (error) => dropped(error),
    });
    try {
      await store.write('r', [{ kind: 'settings', settings: settings('DRP234') }]);
      // The database ends the store's idle connection, as a restart or an administrator would.
      const ended = await withPostgres(
        async (client) =>
          (
            await client.query(
              'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
              [schema],
            )
          ).rowCount,
      );
      expect(ended).toBe(1);
      expect((await lost).message).toMatch(/terminat/i);
      await store.write('r', [{ kind: 'fence', fence: 4 }]);
      expect((await store.load('r'))?.fence).toBe(4);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('survives its connection being ended at any moment while it works, even between two queries', async () => {
    const schema = uniqueSchema();
    const errors: Error[] = [];
    const store = await PostgresRoomStore.open({
      connectionString: DATABASE_URL,
      schema,
      applicationName: schema,
      onConnectionError: (error) => errors.push(error),
    });
    try {
      await store.write('r', [{ kind: 'settings', settings: settings('BUS234') }]);
      let fence = 0;
      for (let round = 0; round < 40; round++) {
        // Writes keep the connection checked out; the end lands wherever it lands, often just
        // after a statement completed and before the connection was handed back.
        const writes = Array.from({ length: 8 }, () =>
          store.write('r', [{ kind: 'fence', fence: ++fence }]).catch(() => undefined),
        );
        await withPostgres((client) =>
          client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
            schema,
          ]),
        );
        await Promise.all(writes);
      }
      // Still serving: the next write is stored.
      await store.write('r', [{ kind: 'fence', fence: ++fence }]);
      expect((await store.load('r'))?.fence).toBe(fence);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    await expect(openOn('tandem; DROP TABLE x')).rejects.toThrow(/invalid PostgreSQL schema name/);
    await expect(openOn('Upper')).rejects.toThrow(/invalid PostgreSQL schema name/);
  });

  it('says what to do when the database cannot be reached, without showing the password', async () => {
    await expect(
      PostgresRoomStore.open({ connectionString: 'postgres://tandem:hunter2@127.0.0.1:1/none' }),
    ).rejects.toThrow(
      /PostgreSQL at postgres:\/\/tandem:\*\*\*@127\.0\.0\.1:1\/none is not reachable .*start it/,
    );
  });
});
