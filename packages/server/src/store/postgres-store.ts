import type { RoomRecord, RoomWrite, StoredDoc } from '@tandem/room';
import pg from 'pg';
import { redactUrl } from '../config/redact.js';
import { type OwnerClaim, type ServerStore, StaleOwnerError } from '../rooms/server-store.js';
import { GroupCommitQueue, type QueuedWrite, settleGroup } from './group-commit.js';
import { migratePostgres, SCHEMA_NAME } from './postgres-schema.js';
import { RECORD_READS } from './record-reads.js';
import {
  type ClientRow,
  docFromRows,
  type LockRow,
  type OpRow,
  type OpsBaseRow,
  type RoomRow,
  recordFromRows,
} from './sql-rows.js';
import { planWrites, type StepParams, type WriteStatement } from './write-plan.js';

/** How a {@link PostgresRoomStore} reaches its database. */
export interface PostgresRoomStoreOptions {
  /** A `postgres://` URL. */
  connectionString: string;
  /**
   * The schema holding Tandem's tables, created if missing: a plain lower-case identifier. Default
   * `tandem`. Servers of one cluster share a schema; separate deployments (or test runs) on one
   * database use their own.
   */
  schema?: string;
  /**
   * Called after each group commit with how many room batches it held and how long it took, for
   * metrics. Not called for a commit that failed as a whole.
   */
  onCommit?: (commit: { batches: number; ms: number }) => void;
  /** Told of errors on idle connections (the next call reconnects). Default: ignored. */
  onConnectionError?: (error: Error) => void;
  /** The clock rooms' `created_at`/`updated_at` are stamped with. Default `Date.now`. */
  now?: () => number;
  /** How the store's connection is named in `pg_stat_activity`. Default `tandem`. */
  applicationName?: string;
}

/** A named statement: prepared once per connection, then only bound and executed. */
function statement(name: string, text: string): { name: string; text: string } {
  return { name: `tandem_${name}`, text };
}

/**
 * The statements that apply writes (see {@link planWrites}), in PostgreSQL: each with the names of
 * the parameters it binds to `$1`, `$2`, …, in order.
 */
const WRITE_SQL: Record<WriteStatement, { text: string; params: readonly (keyof StepParams)[] }> = {
  upsertSettings: {
    text: `INSERT INTO rooms (id, join_code, host_user_id, policy, doc_mode, trusted, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (id) DO UPDATE SET
       join_code = excluded.join_code, host_user_id = excluded.host_user_id, policy = excluded.policy,
       doc_mode = excluded.doc_mode, trusted = excluded.trusted, updated_at = excluded.updated_at`,
    params: ['roomId', 'joinCode', 'hostUserId', 'policy', 'docMode', 'trusted', 'now'],
  },
  touch: { text: 'UPDATE rooms SET updated_at = $2 WHERE id = $1', params: ['roomId', 'now'] },
  raiseFence: {
    text: 'UPDATE rooms SET fence = greatest(fence, $2) WHERE id = $1',
    params: ['roomId', 'fence'],
  },
  raiseEpoch: {
    text: 'UPDATE rooms SET epoch = greatest(epoch, $2) WHERE id = $1',
    params: ['roomId', 'epoch'],
  },
  setDocKind: { text: 'UPDATE rooms SET doc_kind = $2 WHERE id = $1', params: ['roomId', 'kind'] },
  admit: {
    text: 'INSERT INTO room_admitted (room_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    params: ['roomId', 'userId'],
  },
  unadmit: {
    text: 'DELETE FROM room_admitted WHERE room_id = $1 AND user_id = $2',
    params: ['roomId', 'userId'],
  },
  lock: {
    text: `INSERT INTO room_locks (room_id, resource, user_id, lock_id, fence, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (room_id, resource) DO UPDATE SET
       user_id = excluded.user_id, lock_id = excluded.lock_id, fence = excluded.fence, expires_at = excluded.expires_at`,
    params: ['roomId', 'resource', 'userId', 'lockId', 'fence', 'expiresAt'],
  },
  unlock: {
    text: 'DELETE FROM room_locks WHERE room_id = $1 AND resource = $2',
    params: ['roomId', 'resource'],
  },
  setLww: {
    text: `INSERT INTO room_lww (room_id, version, doc) VALUES ($1, $2, $3)
     ON CONFLICT (room_id) DO UPDATE SET version = excluded.version, doc = excluded.doc`,
    params: ['roomId', 'version', 'data'],
  },
  clearLww: { text: 'DELETE FROM room_lww WHERE room_id = $1', params: ['roomId'] },
  startOps: {
    text: "INSERT INTO room_ops_base (room_id, seq, base_seq, base) VALUES ($1, 0, 0, '')",
    params: ['roomId'],
  },
  appendOp: {
    text: 'INSERT INTO room_ops (room_id, seq, slot, user_id, resource, op) VALUES ($1, $2, $3, $4, $5, $6)',
    params: ['roomId', 'seq', 'slot', 'userId', 'resource', 'data'],
  },
  raiseOpsSeq: {
    text: 'UPDATE room_ops_base SET seq = greatest(seq, $2) WHERE room_id = $1',
    params: ['roomId', 'seq'],
  },
  snapshotOps: {
    text: 'UPDATE room_ops_base SET base_seq = $2, base = $3, seq = greatest(seq, $2) WHERE room_id = $1',
    params: ['roomId', 'seq', 'data'],
  },
  dropOpsThrough: {
    text: 'DELETE FROM room_ops WHERE room_id = $1 AND seq <= $2',
    params: ['roomId', 'seq'],
  },
  clearOps: { text: 'DELETE FROM room_ops WHERE room_id = $1', params: ['roomId'] },
  clearOpsBase: { text: 'DELETE FROM room_ops_base WHERE room_id = $1', params: ['roomId'] },
  appendYjs: {
    text: `INSERT INTO room_yjs_updates (room_id, idx, data)
     SELECT $1, coalesce(max(idx), 0) + 1, $2 FROM room_yjs_updates WHERE room_id = $1`,
    params: ['roomId', 'data'],
  },
  clearYjs: { text: 'DELETE FROM room_yjs_updates WHERE room_id = $1', params: ['roomId'] },
  upsertClient: {
    text: `INSERT INTO room_clients (room_id, client_key, last_rid, outcomes, at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (room_id, client_key) DO UPDATE SET
       last_rid = excluded.last_rid, outcomes = excluded.outcomes, at = excluded.at`,
    params: ['roomId', 'clientKey', 'lastRid', 'outcomes', 'at'],
  },
  forgetClient: {
    text: 'DELETE FROM room_clients WHERE room_id = $1 AND client_key = $2',
    params: ['roomId', 'clientKey'],
  },
};

const SQL = {
  room: statement('room', RECORD_READS.room),
  lockRoom: statement('lock_room', 'SELECT doc_kind FROM rooms WHERE id = $1 FOR UPDATE'),
  deleteRoom: statement('delete_room', 'DELETE FROM rooms WHERE id = $1'),
  admitted: statement('admitted', RECORD_READS.admitted),
  locks: statement('locks', RECORD_READS.locks),
  lww: statement('lww', RECORD_READS.lww),
  opsBase: statement('ops_base', RECORD_READS.opsBase),
  ops: statement('ops', RECORD_READS.ops),
  clients: statement('clients', RECORD_READS.clients),
  yjsUpdates: statement('yjs_updates', RECORD_READS.yjsUpdates),
  byJoinCode: statement('by_join_code', 'SELECT id FROM rooms WHERE lower(join_code) = lower($1)'),
  byHost: statement('by_host', 'SELECT id FROM rooms WHERE host_user_id = $1 ORDER BY id'),
  untouched: statement(
    'untouched',
    'SELECT id FROM rooms WHERE updated_at < $1 ORDER BY updated_at, id LIMIT $2',
  ),
  deleteUntouched: statement('delete_untouched', 'DELETE FROM rooms WHERE id = $1 AND updated_at < $2'),
  claim: statement(
    'claim',
    // Both right-hand sides read the row as it was: a later generation takes the room over.
    `UPDATE rooms SET owner_node = CASE WHEN owner_gen < $2 THEN $3 ELSE owner_node END,
       owner_gen = greatest(owner_gen, $2) WHERE id = $1 RETURNING owner_gen, owner_node`,
  ),
} as const;

/** True for an error the server answered (the connection is fine); false when the connection failed. */
function isServerError(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  // SQLSTATE codes are five digits or capitals; socket errors carry names like ECONNRESET. A FATAL
  // one (the backend was terminated) ends the connection with it.
  return (
    error instanceof Error && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && severity !== 'FATAL'
  );
}

/**
 * Room state in PostgreSQL, for a cluster of servers sharing one database (or a single server that
 * should keep its rooms there). The same contract and schema shape as the SQLite store: each
 * {@link write} is atomic and committed (durable, under PostgreSQL's default `synchronous_commit`)
 * before its promise resolves, and writes queued in one event-loop turn are group-committed, one
 * transaction holding each room's batch in its own savepoint, so a batch that fails rolls back
 * alone. Every call runs in call order on one connection: a read after a write sees it.
 *
 * @example
 * const store = await PostgresRoomStore.open({ connectionString: process.env.DATABASE_URL! });
 * const server = await TandemServer.start({ store });
 */
export class PostgresRoomStore implements ServerStore {
  private readonly queue = new GroupCommitQueue(() => this.commitQueued());
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;
  private readonly onCommit: PostgresRoomStoreOptions['onCommit'];

  private constructor(
    private readonly pool: pg.Pool,
    options: PostgresRoomStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.onCommit = options.onCommit;
  }

  /**
   * Connects, creates or migrates the schema, and returns the store. Rejects with what to do when
   * the database cannot be reached, and when its schema was written by a newer version.
   */
  static async open(options: PostgresRoomStoreOptions): Promise<PostgresRoomStore> {
    const schema = options.schema ?? 'tandem';
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(
        `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`,
      );
    }
    // One connection: calls run in call order, and a group commit needs only one.
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 1,
      options: `-c search_path=${schema}`,
      application_name: options.applicationName ?? 'tandem',
    });
    // An idle connection that fails (the database restarted) is dropped; the next call reconnects.
    pool.on('error', (error) => options.onConnectionError?.(error));
    // The pool listens for a connection's errors only while it is idle. One that ends while a call
    // holds it, between two statements (its end can arrive in the same read as the answer to the
    // last one), would emit an error nobody hears and end the process: it is reported instead, and
    // the call's next statement fails and lets the connection go.
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `PostgreSQL at ${redactUrl(options.connectionString)} is not reachable (${reason}): start it, or check the database URL`,
      );
    }
    try {
      await migratePostgres(client, schema);
      client.release();
    } catch (error) {
      client.release(true);
      await pool.end();
      throw error;
    }
    return new PostgresRoomStore(pool, options);
  }

  /**
   * The stored room, or undefined if it was never written (or was deleted). With `claim` (a
   * cluster owner's) the load first records it on the room, fencing off writes from earlier
   * owners, and rejects with {@link StaleOwnerError} if another owner's claim stands above it.
   */
  load(roomId: string, claim?: OwnerClaim): Promise<RoomRecord | undefined> {
    return this.afterWrites(async (client) => {
      // One snapshot per load, so a record is never assembled from two states. A fenced load
      // takes the room's row lock first (a write in flight finishes, or waits and is refused),
      // then reads everything committed.
      await client.query(claim === undefined ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      try {
        if (claim !== undefined) await this.checkClaim(client, roomId, claim);
        const record = await this.read(client, roomId);
        await client.query('COMMIT');
        return record;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    });
  }

  /**
   * Applies `writes` atomically: all or none. A room's first write must be its settings. Resolves
   * after the group commit that holds it; rejects, having stored nothing of it, if any write is
   * invalid or breaks a constraint (such as a join code already taken). Other rooms' batches in the
   * same commit are unaffected.
   */
  write(roomId: string, writes: readonly RoomWrite[], claim?: OwnerClaim): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new TypeError('The database connection is not open'));
    return this.queue.add(roomId, writes, claim);
  }

  /** Forgets a room and everything stored about it. */
  async delete(roomId: string): Promise<void> {
    await this.afterWrites((client) => client.query({ ...SQL.deleteRoom, values: [roomId] }));
  }

  /** The room a join code opens, matched case-insensitively; undefined for an unknown or empty code. */
  async roomIdForJoinCode(code: string): Promise<string | undefined> {
    if (code === '') return undefined;
    const { rows } = await this.afterWrites((client) =>
      client.query<{ id: string }>({ ...SQL.byJoinCode, values: [code] }),
    );
    return rows[0]?.id;
  }

  /** Ids of the rooms whose host is `userId`, sorted; none for the empty (no host yet) id. */
  async hostedRooms(userId: string): Promise<string[]> {
    if (userId === '') return [];
    const { rows } = await this.afterWrites((client) =>
      client.query<{ id: string }>({ ...SQL.byHost, values: [userId] }),
    );
    return rows.map((row) => row.id);
  }

  /** Up to `limit` rooms not written since `cutoff`, oldest first. */
  async listUntouchedSince(cutoff: number, limit: number): Promise<string[]> {
    const { rows } = await this.afterWrites((client) =>
      client.query<{ id: string }>({ ...SQL.untouched, values: [cutoff, limit] }),
    );
    return rows.map((row) => row.id);
  }

  /** Deletes the room unless it was written since `cutoff`; says whether it did. */
  async deleteIfUntouchedSince(roomId: string, cutoff: number): Promise<boolean> {
    const result = await this.afterWrites((client) =>
      client.query({ ...SQL.deleteUntouched, values: [roomId, cutoff] }),
    );
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Commits what is queued, waits for every call made before, then closes the connection.
   * Idempotent; later calls to the store reject.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.commitQueued();
    this.closed = true;
    await this.tail;
    await this.pool.end();
  }

  /** Runs `work` on the connection after every call made before it, queued writes included. */
  private afterWrites<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.commitQueued();
    if (this.closed) return Promise.reject(new TypeError('The database connection is not open'));
    return this.serial(work);
  }

  private serial<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const client = await this.pool.connect();
      try {
        const result = await work(client);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed (rather than a statement the server refused) is not reused.
        client.release(isServerError(error) ? undefined : true);
        throw error;
      }
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** Queues one transaction for every queued batch; settles each batch's promise after the commit. */
  private commitQueued(): void {
    const batches = this.queue.take();
    if (batches.length === 0) return;
    const began = performance.now();
    this.serial((client) => this.commitGroup(client, batches)).then(
      (failed) => {
        this.onCommit?.({ batches: batches.length, ms: performance.now() - began });
        settleGroup(batches, failed);
      },
      // The commit itself failed (connection lost): nothing of any batch is stored.
      (error: unknown) => {
        for (const batch of batches) batch.reject(error);
      },
    );
  }

  private async commitGroup(
    client: pg.PoolClient,
    batches: readonly QueuedWrite[],
  ): Promise<Map<QueuedWrite, unknown>> {
    const failed = new Map<QueuedWrite, unknown>();
    await client.query('BEGIN');
    try {
      for (const batch of batches) {
        await client.query('SAVEPOINT batch');
        try {
          await this.apply(client, batch.roomId, batch.writes);
          if (batch.claim !== undefined) await this.checkClaim(client, batch.roomId, batch.claim);
          await client.query('RELEASE SAVEPOINT batch');
        } catch (error) {
          // Should the connection itself have failed, this throws too, and the whole group with it.
          await client.query('ROLLBACK TO SAVEPOINT batch');
          failed.set(batch, error);
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    return failed;
  }

  private async read(client: pg.PoolClient, roomId: string): Promise<RoomRecord | undefined> {
    const rows = <R extends pg.QueryResultRow>(sql: { name: string; text: string }) =>
      client.query<R>({ ...sql, values: [roomId] }).then((result) => result.rows);
    const room = (await rows<RoomRow>(SQL.room))[0];
    if (!room) return undefined;
    const kind = room.doc_kind;
    const doc = docFromRows(roomId, kind, {
      lww: kind === 'lww' ? (await rows<{ version: string; doc: Buffer }>(SQL.lww))[0] : undefined,
      opsBase: kind === 'ops' ? (await rows<OpsBaseRow>(SQL.opsBase))[0] : undefined,
      ops: kind === 'ops' ? await rows<OpRow>(SQL.ops) : [],
      yjs: kind === 'yjs' ? await rows<{ data: Buffer }>(SQL.yjsUpdates) : [],
    });
    return recordFromRows(
      room,
      await rows<LockRow>(SQL.locks),
      await rows<{ user_id: string }>(SQL.admitted),
      doc,
      await rows<ClientRow>(SQL.clients),
    );
  }

  /**
   * Records `claim` on the room; throws {@link StaleOwnerError} when a later one is recorded, or
   * another node's under the same generation.
   */
  private async checkClaim(client: pg.PoolClient, roomId: string, claim: OwnerClaim): Promise<void> {
    const { rows } = await client.query<{ owner_gen: string; owner_node: string }>({
      ...SQL.claim,
      values: [roomId, claim.generation, claim.node],
    });
    const row = rows[0];
    if (row === undefined) return;
    const recorded = Number(row.owner_gen);
    if (recorded > claim.generation || (recorded === claim.generation && row.owner_node !== claim.node))
      throw new StaleOwnerError(roomId, recorded);
  }

  /** Runs inside the batch's savepoint; any throw rolls the whole batch back. */
  private async apply(client: pg.PoolClient, roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    // Locks the room's row for the batch (another node may not write it meanwhile).
    const existing = (
      await client.query<{ doc_kind: StoredDoc['mode'] | null }>({ ...SQL.lockRoom, values: [roomId] })
    ).rows[0];
    const stored = existing && { docKind: existing.doc_kind };
    for (const [name, params] of planWrites(roomId, stored, writes, this.now())) {
      const { text, params: keys } = WRITE_SQL[name];
      await client.query({ name: `tandem_${name}`, text, values: keys.map((key) => params[key]) });
    }
  }
}
