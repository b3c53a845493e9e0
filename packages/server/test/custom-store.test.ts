import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type OwnerClaim,
  type RoomRecord,
  type RoomWrite,
  type ServerStore,
  SqliteRoomStore,
  TandemServer,
} from '@tandem/server';
import {
  describeRoomStoreContract,
  describeServerStoreContract,
  type ServerStoreOpenOptions,
} from '@tandem/server/testing';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeClient, reach, until } from '../../client/test/support/clients.js';

/**
 * An app's own store, as an app would write one: here it keeps rooms in SQLite through the
 * built-in store and counts what it is asked, which stands for whatever the app adds (auditing,
 * encryption, its own tables). Imported only through the package's public entry points.
 */
class AuditedStore implements ServerStore {
  readonly written: string[] = [];

  constructor(private readonly inner: ServerStore) {}

  load(roomId: string, claim?: OwnerClaim): Promise<RoomRecord | undefined> {
    return this.inner.load(roomId, claim);
  }
  async write(roomId: string, writes: readonly RoomWrite[], claim?: OwnerClaim): Promise<void> {
    await this.inner.write(roomId, writes, claim);
    this.written.push(roomId);
  }
  delete(roomId: string): Promise<void> {
    return this.inner.delete(roomId);
  }
  roomIdForJoinCode(code: string): Promise<string | undefined> {
    return this.inner.roomIdForJoinCode(code);
  }
  hostedRooms(userId: string): Promise<string[]> {
    return this.inner.hostedRooms(userId);
  }
  listUntouchedSince(cutoff: number, limit: number): Promise<string[]> {
    return this.inner.listUntouchedSince(cutoff, limit);
  }
  deleteIfUntouchedSince(roomId: string, cutoff: number): Promise<boolean> {
    return this.inner.deleteIfUntouchedSince(roomId, cutoff);
  }
  close(): void | Promise<void> {
    return this.inner.close();
  }
}

function audited(path: string, options: ServerStoreOpenOptions = {}): AuditedStore {
  return new AuditedStore(new SqliteRoomStore({ path, ...options }));
}

describeRoomStoreContract('an app store (public contract)', async () => {
  const store = audited(':memory:');
  return { store, cleanup: async () => store.close() };
});

describeServerStoreContract('an app store (public contract)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-app-store-'));
  return {
    open: async (options) => audited(join(dir, 'rooms.db'), options),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('a TandemServer with an app store', () => {
  let server: TandemServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('serves a room whose edits the app store keeps', async () => {
    const store = audited(':memory:');
    server = await TandemServer.start({
      port: 0,
      data: ':memory:',
      roomIdleSeconds: 0,
      logger: pino({ level: 'silent' }),
      store,
    });
    const client = nodeClient(server.url, { guest: 'Ada' });
    const hosted = await client.host({ policy: 'open' });
    const ada = client.join({ roomId: hosted.roomId });
    await reach(ada, 'connected');
    const bob = nodeClient(server.url, { guest: 'Bob' }).join({ code: hosted.joinCode });
    await reach(bob, 'connected');
    await bob.lww.set({ title: 'kept by the app' });
    await until(ada, 'activity', () => ada.lww.json<{ title: string }>()?.title === 'kept by the app');
    const stored = await store.load(hosted.roomId);
    expect(stored?.doc?.mode).toBe('lww');
    expect(store.written).toContain(hosted.roomId);
    ada.leave();
    bob.leave();
  });
});
