import type { RoomRecord, RoomStore, RoomWrite, StoredDoc } from '@tandem/room';
import Database from 'better-sqlite3';
import { GroupCommitQueue, type QueuedWrite, settleGroup } from './group-commit.js';
import { sqliteText } from './record-reads.js';
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

/** How a {@link SqliteRoomStore} opens its database. */
export interface SqliteRoomStoreOptions {
  /** Database file, or `':memory:'` for a private in-memory database. */
  path: string;
  /**
   * SQLite `synchronous` level. Default `'full'`: with WAL, every commit is fsynced before
   * {@link SqliteRoomStore.write} resolves, and the room acknowledges edits only after that, so an
   * acknowledged edit survives SIGKILL and power loss. One commit per room tick keeps the cost to
   * one fsync per tick. `'normal'` skips that fsync (still safe against a process crash, not
   * against power loss) for deployments that prefer throughput.
   */
  synchronous?: 'full' | 'normal';
  /** How long a statement waits for another connection's lock before failing. Default 5 000 ms. */
  busyTimeoutMs?: number;
  /**
   * Called after each group commit with how many room batches it held and how long it took, for
   * metrics. Not called for a commit that failed as a whole.
   */
  onCommit?: (commit: { batches: number; ms: number }) => void;
  /** The clock rooms' `created_at`/`updated_at` are stamped with. Default `Date.now`. */
  now?: () => number;
}

/** One schema step: applied once, in order, inside a transaction. */
interface Migration {
  version: number;
  up: (db: Database.Database) => void;
}

/**
 * Every schema change, oldest first. Add a new entry to change the schema; never edit an applied
 * one. Blobs are stored as-is; `trusted` is the one JSON column (an ordered list of emails that is
 * only ever read and written whole).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
        CREATE TABLE rooms (
          id           TEXT PRIMARY KEY,
          join_code    TEXT UNIQUE COLLATE NOCASE,          -- NULL when the room has none
          host_user_id TEXT NOT NULL,
          policy       TEXT NOT NULL,
          doc_mode     TEXT NOT NULL,
          trusted      TEXT NOT NULL,                        -- JSON array of normalised emails
          fence        INTEGER NOT NULL DEFAULT 0,
          doc_kind     TEXT CHECK (doc_kind IN ('lww', 'ops', 'yjs')),  -- which doc table holds the doc
          created_at   INTEGER NOT NULL,
          updated_at   INTEGER NOT NULL
        );
        CREATE INDEX rooms_host ON rooms (host_user_id);

        CREATE TABLE room_admitted (
          room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
          user_id TEXT NOT NULL,
          PRIMARY KEY (room_id, user_id)
        ) WITHOUT ROWID;

        CREATE TABLE room_locks (
          room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
          resource   TEXT NOT NULL,
          user_id    TEXT NOT NULL,
          lock_id    TEXT NOT NULL,
          fence      INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (room_id, resource)
        ) WITHOUT ROWID;

        CREATE TABLE room_lww (
          room_id TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
          version INTEGER NOT NULL,
          doc     BLOB NOT NULL
        );

        CREATE TABLE room_ops_base (
          room_id  TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
          seq      INTEGER NOT NULL,                         -- highest sequence number issued
          base_seq INTEGER NOT NULL,
          base     BLOB NOT NULL
        );

        CREATE TABLE room_ops (
          room_id  TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
          seq      INTEGER NOT NULL,
          slot     INTEGER NOT NULL,
          user_id  TEXT NOT NULL,
          resource TEXT NOT NULL,
          op       BLOB NOT NULL,
          PRIMARY KEY (room_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE room_yjs_updates (
          room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
          idx     INTEGER NOT NULL,                          -- 1, 2, … in write order
          data    BLOB NOT NULL,
          PRIMARY KEY (room_id, idx)
        ) WITHOUT ROWID;
      `),
  },
  {
    // Epochs keep numbers a crashed load announced from ever being issued again.
    version: 2,
    up: (db) => db.exec('ALTER TABLE rooms ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0'),
  },
  {
    // The edit ledger: what became of each client's latest edits, so a retry is answered once.
    version: 3,
    up: (db) =>
      db.exec(`
        CREATE TABLE room_clients (
          room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
          client_key TEXT NOT NULL,
          last_rid   INTEGER NOT NULL,
          outcomes   TEXT NOT NULL,                          -- JSON array of [rid, result] pairs
          at         INTEGER NOT NULL,
          PRIMARY KEY (room_id, client_key)
        ) WITHOUT ROWID;
      `),
  },
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings `db` to {@link SQLITE_SCHEMA_VERSION}, applying each missing migration in its own
 * transaction and recording it in `schema_version`. Refuses a database written by a newer version.
 * Returns the version the database was at before.
 */
export function migrateSqlite(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
  )`);
  const row = db
    .prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_version')
    .get();
  const from = row?.version ?? 0;
  if (from > SQLITE_SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${from} is newer than this server understands (${SQLITE_SCHEMA_VERSION}); upgrade Tandem`,
    );
  }
  const record = db.prepare<[number, number]>(
    'INSERT INTO schema_version (version, applied_at) VALUES (?, ?)',
  );
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      record.run(migration.version, Date.now());
    })();
  }
  return from;
}

/** The statements that apply writes (see {@link planWrites}), in SQLite, bound by name. */
const WRITE_SQL: Record<WriteStatement, string> = {
  upsertSettings: `INSERT INTO rooms (id, join_code, host_user_id, policy, doc_mode, trusted, fence, doc_kind, created_at, updated_at)
     VALUES (@roomId, @joinCode, @hostUserId, @policy, @docMode, @trusted, 0, NULL, @now, @now)
     ON CONFLICT (id) DO UPDATE SET
       join_code = excluded.join_code, host_user_id = excluded.host_user_id, policy = excluded.policy,
       doc_mode = excluded.doc_mode, trusted = excluded.trusted, updated_at = excluded.updated_at`,
  touch: 'UPDATE rooms SET updated_at = @now WHERE id = @roomId',
  raiseFence: 'UPDATE rooms SET fence = max(fence, @fence) WHERE id = @roomId',
  raiseEpoch: 'UPDATE rooms SET epoch = max(epoch, @epoch) WHERE id = @roomId',
  setDocKind: 'UPDATE rooms SET doc_kind = @kind WHERE id = @roomId',
  admit: 'INSERT OR IGNORE INTO room_admitted (room_id, user_id) VALUES (@roomId, @userId)',
  unadmit: 'DELETE FROM room_admitted WHERE room_id = @roomId AND user_id = @userId',
  lock: `INSERT OR REPLACE INTO room_locks (room_id, resource, user_id, lock_id, fence, expires_at)
     VALUES (@roomId, @resource, @userId, @lockId, @fence, @expiresAt)`,
  unlock: 'DELETE FROM room_locks WHERE room_id = @roomId AND resource = @resource',
  setLww: 'INSERT OR REPLACE INTO room_lww (room_id, version, doc) VALUES (@roomId, @version, @data)',
  clearLww: 'DELETE FROM room_lww WHERE room_id = @roomId',
  startOps: "INSERT INTO room_ops_base (room_id, seq, base_seq, base) VALUES (@roomId, 0, 0, x'')",
  appendOp: `INSERT INTO room_ops (room_id, seq, slot, user_id, resource, op)
     VALUES (@roomId, @seq, @slot, @userId, @resource, @data)`,
  raiseOpsSeq: 'UPDATE room_ops_base SET seq = max(seq, @seq) WHERE room_id = @roomId',
  snapshotOps:
    'UPDATE room_ops_base SET base_seq = @seq, base = @data, seq = max(seq, @seq) WHERE room_id = @roomId',
  dropOpsThrough: 'DELETE FROM room_ops WHERE room_id = @roomId AND seq <= @seq',
  clearOps: 'DELETE FROM room_ops WHERE room_id = @roomId',
  clearOpsBase: 'DELETE FROM room_ops_base WHERE room_id = @roomId',
  appendYjs: `INSERT INTO room_yjs_updates (room_id, idx, data)
     SELECT @roomId, coalesce(max(idx), 0) + 1, @data FROM room_yjs_updates WHERE room_id = @roomId`,
  clearYjs: 'DELETE FROM room_yjs_updates WHERE room_id = @roomId',
  upsertClient: `INSERT OR REPLACE INTO room_clients (room_id, client_key, last_rid, outcomes, at)
     VALUES (@roomId, @clientKey, @lastRid, @outcomes, @at)`,
  forgetClient: 'DELETE FROM room_clients WHERE room_id = @roomId AND client_key = @clientKey',
};

/** Every statement the store runs, prepared once. */
function prepareStatements(db: Database.Database) {
  const writes = Object.fromEntries(
    Object.entries(WRITE_SQL).map(([name, text]) => [name, db.prepare<StepParams>(text)]),
  ) as Record<WriteStatement, Database.Statement<StepParams>>;
  return {
    writes,
    room: db.prepare<[string], RoomRow>(sqliteText('room')),
    exists: db.prepare<[string], { doc_kind: StoredDoc['mode'] | null }>(
      'SELECT doc_kind FROM rooms WHERE id = ?',
    ),
    deleteRoom: db.prepare<[string]>('DELETE FROM rooms WHERE id = ?'),
    admitted: db.prepare<[string], { user_id: string }>(sqliteText('admitted')),
    clients: db.prepare<[string], ClientRow>(sqliteText('clients')),
    locks: db.prepare<[string], LockRow>(sqliteText('locks')),
    lww: db.prepare<[string], { version: number; doc: Buffer }>(sqliteText('lww')),
    opsBase: db.prepare<[string], OpsBaseRow>(sqliteText('opsBase')),
    ops: db.prepare<[string], OpRow>(sqliteText('ops')),
    yjsUpdates: db.prepare<[string], { data: Buffer }>(sqliteText('yjsUpdates')),
    byJoinCode: db.prepare<[string], { id: string }>('SELECT id FROM rooms WHERE join_code = ?'),
    byHost: db.prepare<[string], { id: string }>('SELECT id FROM rooms WHERE host_user_id = ? ORDER BY id'),
    untouched: db.prepare<[number, number], { id: string }>(
      'SELECT id FROM rooms WHERE updated_at < ? ORDER BY updated_at LIMIT ?',
    ),
    deleteUntouched: db.prepare<[string, number]>('DELETE FROM rooms WHERE id = ? AND updated_at < ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * Room state in one SQLite database, in a normalised schema (a table per kind of state), for a
 * single server. Each {@link write} is atomic and committed before its promise resolves. Writes
 * queued in one event-loop turn are group-committed: one transaction (one fsync) holding each
 * room's batch in its own savepoint, so a batch that fails rolls back alone. Reads and deletes
 * commit the queue first, so every call is applied in call order.
 *
 * @example
 * const store = new SqliteRoomStore({ path: join(dataDir, 'tandem.db') });
 * const room = await Room.load({ id: 'lesson-42', store });
 * // …
 * store.close();
 */
export class SqliteRoomStore implements RoomStore {
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly writeBatch: (roomId: string, writes: readonly RoomWrite[]) => void;
  private readonly readRoom: (roomId: string) => RoomRecord | undefined;
  private readonly commitGroup: (batches: readonly QueuedWrite[], failed: Map<QueuedWrite, unknown>) => void;
  private readonly onCommit: SqliteRoomStoreOptions['onCommit'];
  private readonly now: () => number;
  private readonly queue = new GroupCommitQueue(() => this.commitQueued());

  constructor(options: SqliteRoomStoreOptions) {
    this.onCommit = options.onCommit;
    this.now = options.now ?? Date.now;
    this.db = new Database(options.path);
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
      if (!this.db.memory) this.db.pragma('journal_mode = WAL');
      // FULL by default: edits are acknowledged only once stored, and an acknowledged edit must
      // survive SIGKILL and power loss. In WAL mode FULL fsyncs the log at every commit; the room
      // commits once per tick, so that is one fsync per tick, not per edit.
      this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('foreign_keys = ON');
      migrateSqlite(this.db);
      this.sql = prepareStatements(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.writeBatch = this.db.transaction((roomId: string, writes: readonly RoomWrite[]) =>
      this.apply(roomId, writes),
    );
    // Inside the outer transaction, each room's transaction runs as a savepoint.
    this.commitGroup = this.db.transaction((batches, failed) => {
      for (const batch of batches) {
        try {
          this.writeBatch(batch.roomId, batch.writes);
        } catch (error) {
          failed.set(batch, error);
        }
      }
    });
    // One read transaction per load, so a record is never assembled from two states.
    this.readRoom = this.db.transaction((roomId: string) => this.read(roomId));
  }

  /** The stored room, or undefined if it was never written (or was deleted). */
  async load(roomId: string): Promise<RoomRecord | undefined> {
    this.commitQueued();
    return this.readRoom(roomId);
  }

  /**
   * Applies `writes` atomically: all or none. A room's first write must be its settings. Resolves
   * after the group commit that holds it (fsynced under `synchronous: 'full'`); rejects, having
   * stored nothing of it, if any write is invalid or breaks a constraint (such as a join code
   * already taken). Other rooms' batches in the same commit are unaffected.
   */
  write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    if (!this.db.open) return Promise.reject(new TypeError('The database connection is not open'));
    return this.queue.add(roomId, writes);
  }

  /** Forgets a room and everything stored about it. */
  async delete(roomId: string): Promise<void> {
    this.commitQueued();
    this.sql.deleteRoom.run(roomId);
  }

  /** The room a join code opens, matched case-insensitively; undefined for an unknown or empty code. */
  async roomIdForJoinCode(code: string): Promise<string | undefined> {
    if (code === '') return undefined;
    this.commitQueued();
    return this.sql.byJoinCode.get(code)?.id;
  }

  /** Ids of the rooms whose host is `userId`, sorted; none for the empty (no host yet) id. */
  async hostedRooms(userId: string): Promise<string[]> {
    if (userId === '') return [];
    this.commitQueued();
    return this.sql.byHost.all(userId).map((row) => row.id);
  }

  /** Up to `limit` rooms not written since `cutoff`, oldest first. */
  async listUntouchedSince(cutoff: number, limit: number): Promise<string[]> {
    this.commitQueued();
    return this.sql.untouched.all(cutoff, limit).map((row) => row.id);
  }

  /** Deletes the room unless it was written since `cutoff`; says whether it did. */
  async deleteIfUntouchedSince(roomId: string, cutoff: number): Promise<boolean> {
    this.commitQueued();
    return this.sql.deleteUntouched.run(roomId, cutoff).changes > 0;
  }

  /** Commits what is queued, then closes the database. Idempotent; later calls to the store reject. */
  close(): void {
    if (!this.db.open) return;
    this.commitQueued();
    this.db.close();
  }

  /** One transaction for every queued batch; settles each batch's promise after the commit. */
  private commitQueued(): void {
    const batches = this.queue.take();
    if (batches.length === 0) return;
    const failed = new Map<QueuedWrite, unknown>();
    const began = performance.now();
    try {
      this.commitGroup(batches, failed);
    } catch (error) {
      // The commit itself failed (disk full, database closed): nothing of any batch is stored.
      for (const batch of batches) batch.reject(error);
      return;
    }
    this.onCommit?.({ batches: batches.length, ms: performance.now() - began });
    settleGroup(batches, failed);
  }

  private read(roomId: string): RoomRecord | undefined {
    const room = this.sql.room.get(roomId);
    if (!room) return undefined;
    const kind = room.doc_kind;
    const doc = docFromRows(roomId, kind, {
      lww: kind === 'lww' ? this.sql.lww.get(roomId) : undefined,
      opsBase: kind === 'ops' ? this.sql.opsBase.get(roomId) : undefined,
      ops: kind === 'ops' ? this.sql.ops.all(roomId) : [],
      yjs: kind === 'yjs' ? this.sql.yjsUpdates.all(roomId) : [],
    });
    return recordFromRows(
      room,
      this.sql.locks.all(roomId),
      this.sql.admitted.all(roomId),
      doc,
      this.sql.clients.all(roomId),
    );
  }

  /** Runs inside the write transaction; any throw rolls the whole batch back. */
  private apply(roomId: string, writes: readonly RoomWrite[]): void {
    const existing = this.sql.exists.get(roomId);
    const stored = existing && { docKind: existing.doc_kind };
    for (const [statement, params] of planWrites(roomId, stored, writes, this.now())) {
      this.sql.writes[statement].run(params);
    }
  }
}
