// One room's record is read table by table with the same queries in SQLite and PostgreSQL: written
// once, so the columns the two stores read (into the row types of sql-rows.ts) cannot drift apart.

/** A query that reads one table's rows of a room. */
export type RecordRead = 'room' | 'admitted' | 'locks' | 'lww' | 'opsBase' | 'ops' | 'clients' | 'yjsUpdates';

/**
 * Each read, in SQL both dialects run as written, with the room's id as its one parameter `$1`
 * (PostgreSQL's spelling; {@link sqliteText} gives SQLite's). Lists are ordered, so a record reads
 * the same from either store.
 */
export const RECORD_READS: Record<RecordRead, string> = {
  room: 'SELECT join_code, host_user_id, policy, doc_mode, trusted, fence, epoch, doc_kind FROM rooms WHERE id = $1',
  admitted: 'SELECT user_id FROM room_admitted WHERE room_id = $1 ORDER BY user_id',
  locks:
    'SELECT resource, user_id, lock_id, fence, expires_at FROM room_locks WHERE room_id = $1 ORDER BY resource',
  lww: 'SELECT version, doc FROM room_lww WHERE room_id = $1',
  opsBase: 'SELECT seq, base_seq, base FROM room_ops_base WHERE room_id = $1',
  ops: 'SELECT seq, slot, user_id, resource, op FROM room_ops WHERE room_id = $1 ORDER BY seq',
  clients:
    'SELECT client_key, last_rid, outcomes, at FROM room_clients WHERE room_id = $1 ORDER BY client_key',
  yjsUpdates: 'SELECT data FROM room_yjs_updates WHERE room_id = $1 ORDER BY idx',
};

/** A read's text with SQLite's anonymous parameter. */
export function sqliteText(read: RecordRead): string {
  return RECORD_READS[read].replace('$1', '?');
}
