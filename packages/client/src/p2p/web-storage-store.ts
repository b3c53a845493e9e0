import {
  applyWrites,
  emptyRecord,
  type RoomRecord,
  type RoomSettings,
  type RoomStore,
  type RoomWrite,
} from '@tandem/room';
import { fromBase64, toBase64 } from '../base64.js';

/** The part of the Web Storage API a {@link WebStorageRoomStore} uses (`sessionStorage` has it). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Keeps a peer-to-peer host's room in Web Storage, so the session survives the host reloading its
 * page: pass one to `hostPeerToPeer` and `resumePeerToPeer` (`sessionStorage` keeps it for the
 * tab, which is what a reload needs). The whole room is one JSON entry under `prefix + roomId`,
 * byte fields in base64; every write of the room's tick replaces it.
 *
 * Storage is small (about 5 MB an origin). A write that does not fit removes the entry instead of
 * failing the room, and the room's later writes are not kept either: the session carries on in
 * memory, and a reload then finds nothing to resume.
 */
export class WebStorageRoomStore implements RoomStore {
  /** Rooms that outgrew the storage: their writes are no longer kept (the room lives on in memory). */
  private readonly dropped = new Set<string>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'tandem:p2p-room:',
  ) {}

  async load(roomId: string): Promise<RoomRecord | undefined> {
    return this.read(roomId);
  }

  async write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    if (this.dropped.has(roomId)) return;
    // Read, apply and store with no await between: concurrent writes then apply in call order.
    const current = this.read(roomId);
    const first = writes[0];
    if (!current && first?.kind !== 'settings')
      throw new Error(`room ${roomId} has no settings yet; its first write must be its settings`);
    const next = current ?? emptyRecord((first as { settings: RoomSettings }).settings);
    applyWrites(next, writes);
    try {
      this.storage.setItem(this.prefix + roomId, JSON.stringify(next, replace));
    } catch {
      this.dropped.add(roomId);
      this.storage.removeItem(this.prefix + roomId);
    }
  }

  async delete(roomId: string): Promise<void> {
    this.dropped.delete(roomId);
    this.storage.removeItem(this.prefix + roomId);
  }

  private read(roomId: string): RoomRecord | undefined {
    const raw = this.storage.getItem(this.prefix + roomId);
    if (raw === null) return undefined;
    try {
      const record = JSON.parse(raw, revive) as RoomRecord;
      // Kept by a version that had no edit ledger yet.
      record.clients ??= [];
      return record;
    } catch {
      // Not ours, or cut short: as good as nothing stored.
      return undefined;
    }
  }
}

const BYTES = '$b64';

function replace(this: unknown, _key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { [BYTES]: toBase64(value) } : value;
}

function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && BYTES in value) {
    const text = (value as Record<string, unknown>)[BYTES];
    if (typeof text === 'string') return fromBase64(text);
  }
  return value;
}
