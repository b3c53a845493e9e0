import type { AdmissionPolicy, DocMode } from '@tandem/protocol';
import type { RoomRecord, StoredDoc } from '@tandem/room';

/** A number column: SQLite reads it as a number, PostgreSQL a `bigint` as its decimal string. */
type NumberColumn = number | string;

/** A `rooms` row as both SQL stores read it. */
export interface RoomRow {
  join_code: string | null;
  host_user_id: string;
  policy: string;
  doc_mode: string;
  /** JSON text (SQLite) or the parsed `jsonb` array (PostgreSQL). */
  trusted: string | string[];
  fence: NumberColumn;
  epoch: NumberColumn;
  doc_kind: StoredDoc['mode'] | null;
}

export interface LockRow {
  resource: string;
  user_id: string;
  lock_id: string;
  fence: NumberColumn;
  expires_at: NumberColumn;
}

export interface OpRow {
  seq: NumberColumn;
  slot: number;
  user_id: string;
  resource: string;
  op: Buffer;
}

export interface OpsBaseRow {
  seq: NumberColumn;
  base_seq: NumberColumn;
  base: Buffer;
}

/** A `room_clients` row: one client's entry in the room's edit ledger. */
export interface ClientRow {
  client_key: string;
  last_rid: NumberColumn;
  /** JSON text: `[rid, result]` pairs. */
  outcomes: string;
  at: NumberColumn;
}

/** The rows of a room's document, by the kind the room row names (only that kind's are read). */
export interface DocRows {
  lww?: { version: NumberColumn; doc: Buffer } | undefined;
  opsBase?: OpsBaseRow | undefined;
  ops?: readonly OpRow[];
  yjs?: readonly { data: Buffer }[];
}

/** A plain Uint8Array copy of a blob read back, never a view of the driver's memory. */
function bytes(data: Buffer): Uint8Array {
  return new Uint8Array(data);
}

/** The room a store read back, assembled from its rows in the shared normalised schema. */
export function recordFromRows(
  room: RoomRow,
  locks: readonly LockRow[],
  admitted: readonly { user_id: string }[],
  doc: StoredDoc | undefined,
  clients: readonly ClientRow[],
): RoomRecord {
  return {
    settings: {
      policy: room.policy as AdmissionPolicy,
      docMode: room.doc_mode as DocMode,
      joinCode: room.join_code ?? '',
      hostUserId: room.host_user_id,
      trusted: typeof room.trusted === 'string' ? (JSON.parse(room.trusted) as string[]) : room.trusted,
    },
    admitted: admitted.map((a) => a.user_id),
    locks: locks.map((l) => ({
      resource: l.resource,
      userId: l.user_id,
      lockId: l.lock_id,
      fence: Number(l.fence),
      expiresAt: Number(l.expires_at),
    })),
    fence: Number(room.fence),
    epoch: Number(room.epoch),
    doc,
    clients: clients.map((c) => ({
      key: c.client_key,
      lastRid: Number(c.last_rid),
      outcomes: JSON.parse(c.outcomes) as [number, number][],
      at: Number(c.at),
    })),
  };
}

/** The room's document from its rows; throws when the rows the room row promises are missing. */
export function docFromRows(
  roomId: string,
  kind: StoredDoc['mode'] | null,
  rows: DocRows,
): StoredDoc | undefined {
  switch (kind) {
    case null:
      return undefined;
    case 'lww': {
      if (!rows.lww) throw new Error(`room ${roomId}: lww document missing`);
      return { mode: 'lww', version: Number(rows.lww.version), doc: bytes(rows.lww.doc) };
    }
    case 'ops': {
      const base = rows.opsBase;
      if (!base) throw new Error(`room ${roomId}: ops base missing`);
      return {
        mode: 'ops',
        seq: Number(base.seq),
        baseSeq: Number(base.base_seq),
        base: bytes(base.base),
        ops: (rows.ops ?? []).map((o) => ({
          seq: Number(o.seq),
          slot: o.slot,
          userId: o.user_id,
          resource: o.resource,
          op: bytes(o.op),
        })),
      };
    }
    case 'yjs':
      return { mode: 'yjs', updates: (rows.yjs ?? []).map((u) => bytes(u.data)) };
    default:
      throw new Error(`room ${roomId}: unknown document kind ${String(kind satisfies never)}`);
  }
}
