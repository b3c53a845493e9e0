import type pg from 'pg';

/** One schema step: applied once, in order, inside the migrating transaction. */
interface Migration {
  version: number;
  sql: string;
}

/**
 * Every schema change, oldest first: the same normalised shape as the SQLite store (a table per
 * kind of state). Add a new entry to change the schema; never edit an applied one. Numbers the room
 * issues (fences, versions, sequence numbers, epochs) and times in milliseconds are `bigint`; the
 * store reads them back as JavaScript numbers, which hold them exactly below 2^53.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE rooms (
        id           text PRIMARY KEY,
        join_code    text,                                  -- NULL when the room has none
        host_user_id text NOT NULL,
        policy       text NOT NULL,
        doc_mode     text NOT NULL,
        trusted      jsonb NOT NULL,                        -- array of normalised emails
        fence        bigint NOT NULL DEFAULT 0,
        epoch        bigint NOT NULL DEFAULT 0,
        doc_kind     text CHECK (doc_kind IN ('lww', 'ops', 'yjs')),
        created_at   bigint NOT NULL,
        updated_at   bigint NOT NULL
      );
      -- Join codes are matched without regard to case, so they are unique that way too.
      CREATE UNIQUE INDEX rooms_join_code ON rooms (lower(join_code));
      CREATE INDEX rooms_host ON rooms (host_user_id);
      CREATE INDEX rooms_updated ON rooms (updated_at);

      CREATE TABLE room_admitted (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        PRIMARY KEY (room_id, user_id)
      );

      CREATE TABLE room_locks (
        room_id    text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        resource   text NOT NULL,
        user_id    text NOT NULL,
        lock_id    text NOT NULL,
        fence      bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (room_id, resource)
      );

      CREATE TABLE room_lww (
        room_id text PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        version bigint NOT NULL,
        doc     bytea NOT NULL
      );

      CREATE TABLE room_ops_base (
        room_id  text PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        seq      bigint NOT NULL,                           -- highest sequence number issued
        base_seq bigint NOT NULL,
        base     bytea NOT NULL
      );

      CREATE TABLE room_ops (
        room_id  text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq      bigint NOT NULL,
        slot     integer NOT NULL,
        user_id  text NOT NULL,
        resource text NOT NULL,
        op       bytea NOT NULL,
        PRIMARY KEY (room_id, seq)
      );

      CREATE TABLE room_yjs_updates (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        idx     integer NOT NULL,                           -- 1, 2, … in write order
        data    bytea NOT NULL,
        PRIMARY KEY (room_id, idx)
      );
    `,
  },
  {
    // The latest cluster owner generation that loaded or wrote the room: earlier owners are fenced.
    version: 2,
    sql: 'ALTER TABLE rooms ADD COLUMN owner_gen bigint NOT NULL DEFAULT 0',
  },
  {
    // The edit ledger: what became of each client's latest edits, so a retry is answered once.
    version: 3,
    sql: `
      CREATE TABLE room_clients (
        room_id    text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        client_key text NOT NULL,
        last_rid   bigint NOT NULL,
        outcomes   text NOT NULL,
        at         bigint NOT NULL,
        PRIMARY KEY (room_id, client_key)
      );
    `,
  },
  {
    // The node whose claim owner_gen is: Redis restarted empty may hand the same generation to
    // another node, whose claim must not pass for the one recorded.
    version: 4,
    sql: "ALTER TABLE rooms ADD COLUMN owner_node text NOT NULL DEFAULT ''",
  },
];

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/** A schema name the store accepts: a plain lower-case SQL identifier, so it never needs quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Brings `schema` to {@link POSTGRES_SCHEMA_VERSION}: creates it if missing and applies each
 * missing migration, recording it in `schema_version`. Several servers starting at once on one
 * database take turns on an advisory lock, so each migration runs once. Refuses a schema written by
 * a newer version. Returns the version the schema was at before.
 */
export async function migratePostgres(client: pg.ClientBase, schema: string): Promise<number> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tandem-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${schema}.schema_version`,
    );
    const from = rows[0]?.version ?? 0;
    if (from > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${from} is newer than this server understands (${POSTGRES_SCHEMA_VERSION}); upgrade Tandem`,
      );
    }
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)', [
        migration.version,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
    return from;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
