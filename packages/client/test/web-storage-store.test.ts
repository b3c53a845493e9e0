import type { RoomSettings } from '@tandem/room';
import { describe, expect, it } from 'vitest';
import { describeRoomStoreContract } from '../../room/src/testing/index.js';
import { type KeyValueStorage, WebStorageRoomStore } from '../src/index.js';

/** Web Storage's contract over a Map (Node has no `sessionStorage`); `quota` in characters. */
class MapStorage implements KeyValueStorage {
  readonly entries = new Map<string, string>();
  constructor(private readonly quota = Number.POSITIVE_INFINITY) {}
  getItem(key: string): string | null {
    return this.entries.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    const others = [...this.entries].filter(([k]) => k !== key).reduce((n, [, v]) => n + v.length, 0);
    if (others + value.length > this.quota) throw new DOMException('quota exceeded', 'QuotaExceededError');
    this.entries.set(key, value);
  }
  removeItem(key: string): void {
    this.entries.delete(key);
  }
}

describeRoomStoreContract('WebStorageRoomStore', async () => ({
  store: new WebStorageRoomStore(new MapStorage()),
  cleanup: async () => {},
}));

const settings: RoomSettings = {
  policy: 'open',
  docMode: 'lww',
  joinCode: '',
  hostUserId: 'ada',
  trusted: [],
};

describe('WebStorageRoomStore', () => {
  it('keeps each room under its own key, bytes in base64, and two stores over one storage agree', async () => {
    const storage = new MapStorage();
    const doc = new Uint8Array(70_000).map((_, i) => i % 251);
    await new WebStorageRoomStore(storage).write('nss-ab12cd-3xy7', [
      { kind: 'settings', settings },
      { kind: 'lww', version: 3, doc },
    ]);
    expect([...storage.entries.keys()]).toEqual(['tandem:p2p-room:nss-ab12cd-3xy7']);
    // A page after a reload builds a new store over the same storage.
    const record = await new WebStorageRoomStore(storage).load('nss-ab12cd-3xy7');
    expect(record?.doc).toEqual({ mode: 'lww', version: 3, doc });
    expect(await new WebStorageRoomStore(storage, 'other:').load('nss-ab12cd-3xy7')).toBeUndefined();
  });

  it('a write past the storage quota forgets the room instead of failing it', async () => {
    const store = new WebStorageRoomStore(new MapStorage(10_000));
    await store.write('r', [{ kind: 'settings', settings }]);
    expect(await store.load('r')).toBeDefined();
    await expect(
      store.write('r', [{ kind: 'lww', version: 1, doc: new Uint8Array(20_000) }]),
    ).resolves.toBeUndefined();
    expect(await store.load('r')).toBeUndefined();
    // The room's next writes are not kept either (a part of a room would be worse than none).
    await expect(
      store.write('r', [{ kind: 'lww', version: 2, doc: new Uint8Array(10) }]),
    ).resolves.toBeUndefined();
    expect(await store.load('r')).toBeUndefined();
  });

  it('reads an entry it cannot parse as nothing stored', async () => {
    const storage = new MapStorage();
    storage.setItem('tandem:p2p-room:r', '{"settings":');
    expect(await new WebStorageRoomStore(storage).load('r')).toBeUndefined();
  });
});
