import type { AdmissionPolicy, DocMode } from '@tandem/protocol';

/**
 * Numbers one load of a room may issue per counter before they could reach the next load's range:
 * 2^24 lock grants, document versions or operations. Epochs times this stay below 2^53 for
 * 2^29 loads of one room.
 */
export const EPOCH_SPAN = 2 ** 24;

/** Room settings that outlive a process. */
export interface RoomSettings {
  policy: AdmissionPolicy;
  docMode: DocMode;
  joinCode: string;
  /** Empty until a host is known. */
  hostUserId: string;
  /** Normalised (trimmed, lower-case) emails admitted without waiting. */
  trusted: string[];
}

/** A held lock as stored: enough to restore the lease after a restart. */
export interface StoredLock {
  resource: string;
  userId: string;
  lockId: string;
  fence: number;
  /** Absolute expiry time on the room's clock. */
  expiresAt: number;
}

/** One sequenced operation (ops mode). */
export interface StoredOp {
  seq: number;
  slot: number;
  /** The author's user id, so a restored log still says who wrote what. */
  userId: string;
  resource: string;
  op: Uint8Array;
}

/**
 * What one client's retried edits must be answered with: its latest request ids and what became
 * of each. Kept with the room's state, so a retry after a lost ack, a compaction or a restart is
 * answered instead of applied again.
 */
export interface StoredClient {
  /** The client's id and its verified user, as the room keys them (see `retryKey`). */
  key: string;
  /** The highest request id the room has handled from this client. */
  lastRid: number;
  /**
   * The latest handled edits, oldest first: `[rid, result]`, where a result ≥ 0 is the version
   * (lww) or sequence (ops) the edit was applied at, and a negative one the error code it was
   * refused with, negated.
   */
  outcomes: [rid: number, result: number][];
  /** When the client last sent an edit, on the room's clock (the least recent is forgotten first). */
  at: number;
}

/** The document as stored, by mode. */
export type StoredDoc =
  | { mode: 'lww'; version: number; doc: Uint8Array }
  | { mode: 'ops'; seq: number; baseSeq: number; base: Uint8Array; ops: StoredOp[] }
  | { mode: 'yjs'; updates: Uint8Array[] };

/** Everything about a room that outlives a process. Chat is deliberately absent. */
export interface RoomRecord {
  settings: RoomSettings;
  /** Users the host admitted; they skip the waiting room when they come back. */
  admitted: string[];
  locks: StoredLock[];
  /** Last fencing token issued; fences keep increasing across restarts. */
  fence: number;
  /**
   * How many times the room has been loaded (0: never). Each load claims the next epoch durably
   * before it issues anything, and numbers it issues (fences, versions, sequences) start at
   * `(epoch − 1) × EPOCH_SPAN`, so a number a crashed load announced but never stored is never
   * issued again.
   */
  epoch: number;
  doc: StoredDoc | undefined;
  /** Clients whose edits the room remembers, for answering retries (any order). */
  clients: StoredClient[];
}

/**
 * One change to a room's durable state. The room batches the writes of one tick and hands them
 * to {@link RoomStore.write} together, to be applied atomically.
 */
export type RoomWrite =
  | { kind: 'settings'; settings: RoomSettings }
  | { kind: 'admitted'; userId: string; admitted: boolean }
  | { kind: 'lock'; lock: StoredLock }
  | { kind: 'unlock'; resource: string }
  | { kind: 'fence'; fence: number }
  | { kind: 'epoch'; epoch: number }
  | { kind: 'lww'; version: number; doc: Uint8Array }
  | { kind: 'op'; op: StoredOp }
  | { kind: 'ops-snapshot'; seq: number; base: Uint8Array }
  | { kind: 'yjs-update'; update: Uint8Array }
  | { kind: 'yjs-compact'; state: Uint8Array }
  | { kind: 'client'; client: StoredClient }
  | { kind: 'forget-client'; key: string };

/**
 * Where a room's durable state lives. The placement chooses: memory for tests and P2P hosts,
 * SQLite for a single server, PostgreSQL for a cluster. Every implementation passes one contract
 * suite.
 */
export interface RoomStore {
  /** The stored room, or undefined if it was never written. */
  load(roomId: string): Promise<RoomRecord | undefined>;
  /** Applies `writes` in order, atomically: all or none. Resolves once they are durable. */
  write(roomId: string, writes: readonly RoomWrite[]): Promise<void>;
  /** Forgets a room entirely. */
  delete(roomId: string): Promise<void>;
}

/** A record for a room with `settings` and nothing else yet. */
export function emptyRecord(settings: RoomSettings): RoomRecord {
  return { settings, admitted: [], locks: [], fence: 0, epoch: 0, doc: undefined, clients: [] };
}

/**
 * Applies writes to a record in place. Shared by stores that keep whole records (memory) so every
 * store agrees on what a write means.
 */
export function applyWrites(record: RoomRecord, writes: readonly RoomWrite[]): void {
  for (const w of writes) {
    switch (w.kind) {
      case 'settings':
        record.settings = { ...w.settings, trusted: [...w.settings.trusted] };
        break;
      case 'admitted': {
        const set = new Set(record.admitted);
        if (w.admitted) set.add(w.userId);
        else set.delete(w.userId);
        record.admitted = [...set];
        break;
      }
      case 'lock':
        record.locks = record.locks.filter((l) => l.resource !== w.lock.resource).concat({ ...w.lock });
        record.fence = Math.max(record.fence, w.lock.fence);
        break;
      case 'unlock':
        record.locks = record.locks.filter((l) => l.resource !== w.resource);
        break;
      case 'fence':
        record.fence = Math.max(record.fence, w.fence);
        break;
      case 'epoch':
        record.epoch = Math.max(record.epoch, w.epoch);
        break;
      case 'lww':
        record.doc = { mode: 'lww', version: w.version, doc: copyBytes(w.doc) };
        break;
      case 'op': {
        const doc = opsDoc(record);
        doc.ops.push({ ...w.op, op: copyBytes(w.op.op) });
        doc.seq = Math.max(doc.seq, w.op.seq);
        break;
      }
      case 'ops-snapshot': {
        const doc = opsDoc(record);
        doc.baseSeq = w.seq;
        doc.base = copyBytes(w.base);
        doc.ops = doc.ops.filter((o) => o.seq > w.seq);
        doc.seq = Math.max(doc.seq, w.seq);
        break;
      }
      case 'yjs-update':
        record.doc = { mode: 'yjs', updates: [...yjsUpdates(record), copyBytes(w.update)] };
        break;
      case 'yjs-compact':
        record.doc = { mode: 'yjs', updates: [copyBytes(w.state)] };
        break;
      case 'client':
        record.clients = record.clients.filter((c) => c.key !== w.client.key).concat(copyClient(w.client));
        break;
      case 'forget-client':
        record.clients = record.clients.filter((c) => c.key !== w.key);
        break;
      default:
        throw new Error(`unknown write ${(w satisfies never as { kind: string }).kind}`);
    }
  }
}

/**
 * Copies bytes into a fresh plain Uint8Array, refusing anything that is not bytes. Not `slice`: on a
 * Node Buffer that is a view, so the store would alias the caller's memory.
 */
function copyBytes(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`expected a Uint8Array, got ${typeof data}`);
  return new Uint8Array(data);
}

/** A copy of a client's ledger entry that shares no array with it. */
export function copyClient(client: StoredClient): StoredClient {
  return { ...client, outcomes: client.outcomes.map(([rid, result]) => [rid, result]) };
}

function opsDoc(record: RoomRecord): Extract<StoredDoc, { mode: 'ops' }> {
  if (record.doc?.mode !== 'ops')
    record.doc = { mode: 'ops', seq: 0, baseSeq: 0, base: new Uint8Array(0), ops: [] };
  return record.doc;
}

function yjsUpdates(record: RoomRecord): Uint8Array[] {
  return record.doc?.mode === 'yjs' ? record.doc.updates : [];
}

function cloneRecord(record: RoomRecord): RoomRecord {
  const copy = emptyRecord(record.settings);
  applyWrites(copy, [{ kind: 'settings', settings: record.settings }]);
  copy.admitted = [...record.admitted];
  copy.locks = record.locks.map((l) => ({ ...l }));
  copy.fence = record.fence;
  copy.epoch = record.epoch;
  copy.clients = record.clients.map(copyClient);
  const doc = record.doc;
  if (doc?.mode === 'lww') copy.doc = { ...doc, doc: doc.doc.slice() };
  else if (doc?.mode === 'ops')
    copy.doc = { ...doc, base: doc.base.slice(), ops: doc.ops.map((o) => ({ ...o, op: o.op.slice() })) };
  else if (doc?.mode === 'yjs') copy.doc = { mode: 'yjs', updates: doc.updates.map((u) => u.slice()) };
  return copy;
}

/**
 * Keeps rooms in process memory: for tests, P2P hosts and ephemeral servers. Records are copied
 * in and out so callers can never alias stored state.
 */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, RoomRecord>();

  async load(roomId: string): Promise<RoomRecord | undefined> {
    const record = this.rooms.get(roomId);
    return record && cloneRecord(record);
  }

  async write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    const current = this.rooms.get(roomId);
    const first = writes[0];
    if (!current && first?.kind !== 'settings') {
      throw new Error(`room ${roomId} has no settings yet; its first write must be its settings`);
    }
    // Apply to a copy and swap, so a write that throws part-way leaves nothing behind.
    const next = current ? cloneRecord(current) : emptyRecord((first as { settings: RoomSettings }).settings);
    applyWrites(next, writes);
    this.rooms.set(roomId, next);
  }

  async delete(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }
}
