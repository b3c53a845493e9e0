import { ErrorCode, encode, PROTOCOL_VERSION } from '@tandem/protocol';
import { type Clock, ManualClock, type RoomSocket, type RoomWrite, systemClock } from '@tandem/room';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/observability/metrics.js';
import { RoomRegistry } from '../src/rooms/registry.js';
import type { ServerStore } from '../src/rooms/server-store.js';
import { WindowLimiter } from '../src/rooms/window-limiter.js';
import { SqliteRoomStore } from '../src/store/sqlite-store.js';
import { guestToken, postJson, startServer } from './support/server.js';

/** SQLite in memory, with switches for the slow or failing store a deployment may have. */
class TestStore implements ServerStore {
  private readonly inner: SqliteRoomStore;
  /** While set, writes wait for it. */
  writeGate: Promise<void> | undefined;
  failWrites = false;
  /** Join-code lookups take a turn of the event loop, as a networked store's would. */
  slowCodeLookups = false;

  constructor(now?: () => number) {
    this.inner = new SqliteRoomStore({ path: ':memory:', ...(now ? { now } : {}) });
  }

  load(id: string) {
    return this.inner.load(id);
  }
  async write(id: string, writes: readonly RoomWrite[]): Promise<void> {
    if (this.writeGate) await this.writeGate;
    if (this.failWrites) throw new Error('disk full');
    return this.inner.write(id, writes);
  }
  delete(id: string) {
    return this.inner.delete(id);
  }
  async roomIdForJoinCode(code: string): Promise<string | undefined> {
    if (this.slowCodeLookups) await new Promise((resolve) => setImmediate(resolve));
    return this.inner.roomIdForJoinCode(code);
  }
  hostedRooms(userId: string) {
    return this.inner.hostedRooms(userId);
  }
  listUntouchedSince(cutoff: number, limit: number) {
    return this.inner.listUntouchedSince(cutoff, limit);
  }
  deleteIfUntouchedSince(roomId: string, cutoff: number) {
    return this.inner.deleteIfUntouchedSince(roomId, cutoff);
  }
  close(): void {
    this.inner.close();
  }
}

function registryOn(
  store: ServerStore,
  maxHostedRooms = 6,
  { clock = systemClock, roomRetentionMs = 0 }: { clock?: Clock; roomRetentionMs?: number } = {},
): RoomRegistry {
  return new RoomRegistry({
    store,
    clock,
    roomRetentionMs,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    limits: {},
    joinsPerMinute: 100,
    codeMissesPerMinute: 20,
    maxHostedRooms,
    sessionGraceMs: 60_000,
    roomIdleMs: 0,
  });
}

const quietSocket = (): RoomSocket => ({ send: () => {}, close: () => {} });
const host = { userId: 'host', name: 'Host' };

describe('room registry', () => {
  it('holds the hosted-room limit when one user creates sessions concurrently', async () => {
    const store = new TestStore();
    store.slowCodeLookups = true;
    const registry = registryOn(store, 2);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => registry.createSession(host, {})),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason.code)).toEqual([
      ErrorCode.HostLimit,
      ErrorCode.HostLimit,
      ErrorCode.HostLimit,
    ]);
    expect(registry.size).toBe(2);
    await registry.close();
    store.close();
  });

  it('does not hand out a session whose room could not be stored', async () => {
    const store = new TestStore();
    store.failWrites = true;
    const registry = registryOn(store);
    await expect(registry.createSession(host, {})).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(registry.size).toBe(0);
    await registry.close();
    store.close();
  });

  it('answers 500, not 201, over HTTP when the new session cannot be stored', async () => {
    const store = new TestStore();
    const server = await startServer({ store });
    try {
      const { token } = await guestToken(server, 'Host');
      store.failWrites = true;
      const res = await postJson(`${server.url}/sessions`, {}, token);
      expect(res.status).toBe(500);
    } finally {
      await server.close();
    }
  });

  it('refuses a connection that was waiting on an unload when shutdown began, instead of loading the room after close', async () => {
    const store = new TestStore();
    const registry = registryOn(store);
    const { roomId } = await registry.createSession(host, { policy: 'open' });
    const first = await registry.attach(roomId, quietSocket(), host);
    first.room.receive(
      first.id,
      encode({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 }),
    );
    let release!: () => void;
    store.writeGate = new Promise((resolve) => {
      release = resolve;
    });
    first.room.receive(first.id, encode({ type: 'lwwSet', rid: 1, resource: '', doc: new Uint8Array([1]) }));
    // The last connection leaves: the unload's final write now waits on the gate.
    registry.detach(first.room, first.id);
    const late = registry.attach(roomId, quietSocket(), { userId: 'late', name: 'Late' });
    const closed = registry.close();
    store.writeGate = undefined;
    release();
    await closed;
    await expect(late).rejects.toMatchObject({ code: ErrorCode.ServerShutdown });
    expect(registry.size).toBe(0);
    store.close();
  });
});

describe('sessions nobody joined', () => {
  it('are unloaded when the grace runs out and deleted from the store; joined ones are kept', async () => {
    const clock = new ManualClock();
    const store = new TestStore(() => clock.now());
    const registry = registryOn(store, 6, { clock });
    const [unjoined, joined, viaCompanion] = await Promise.all(
      [1, 2, 3].map(() => registry.createSession(host, { policy: 'open' })),
    );
    const companion = await registry.createSession(host, { companionOf: viaCompanion!.roomId });
    const leftCompanion = await registry.createSession(host, { companionOf: unjoined!.roomId });
    const { room, id } = await registry.attach(companion.roomId, quietSocket(), host);
    registry.detach(room, id);
    // A companion nobody has entered yet, of a session in use, is the session's to keep.
    const inSession = await registry.attach(joined!.roomId, quietSocket(), host);
    const notYetUsed = await registry.createSession(host, { companionOf: joined!.roomId });
    clock.advance(59_999);
    expect(registry.inUse(unjoined!.roomId)).toBe(true);
    clock.advance(1);
    await expect
      .poll(() => registry.inUse(unjoined!.roomId) || registry.inUse(notYetUsed.roomId))
      .toBe(false);
    expect(await store.load(unjoined!.roomId)).toBeUndefined();
    expect(await store.load(leftCompanion.roomId)).toBeUndefined();
    expect(await registry.roomIdForCode(unjoined!.joinCode, 'here')).toBeUndefined();
    registry.detach(inSession.room, inSession.id);
    await registry.whenEmpty();
    for (const kept of [joined!.roomId, notYetUsed.roomId, viaCompanion!.roomId, companion.roomId])
      expect(await store.load(kept)).toBeDefined();
    await registry.close();
    store.close();
  });
});

describe('room retention', () => {
  const DAY = 24 * 60 * 60 * 1000;

  it('deletes rooms untouched for the retention period, never a loaded one, and sweeps hourly', async () => {
    const clock = new ManualClock();
    const store = new TestStore(() => clock.now());
    const registry = registryOn(store, 6, { clock, roomRetentionMs: 30 * DAY });
    const [old, used, held] = await Promise.all([1, 2, 3].map(() => registry.createSession(host, {})));
    const holding = await registry.attach(held!.roomId, quietSocket(), host);
    /** Loads the room (which writes to it) and waits until it has unloaded again. */
    const visit = async (roomId: string) => {
      const { room, id } = await registry.attach(roomId, quietSocket(), host);
      registry.detach(room, id);
      await expect.poll(() => registry.inUse(roomId)).toBe(false);
    };
    for (const s of [old!, used!]) await visit(s.roomId);

    clock.advance(20 * DAY);
    await visit(used!.roomId);
    clock.advance(15 * DAY);
    expect(await registry.sweepStale()).toBe(1);
    expect(await store.load(old!.roomId)).toBeUndefined();
    expect(await registry.roomIdForCode(old!.joinCode, 'here')).toBeUndefined();
    expect(await store.load(used!.roomId)).toBeDefined();
    expect(await store.load(held!.roomId)).toBeDefined();

    // Once nobody holds it, the unused room goes at the next hourly sweep.
    registry.detach(holding.room, holding.id);
    await registry.whenEmpty();
    clock.advance(60 * 60 * 1000);
    await expect.poll(() => store.load(held!.roomId)).toBeUndefined();
    expect(await store.load(used!.roomId)).toBeDefined();
    await registry.close();
    store.close();
  });

  it('keeps every room when retention is 0', async () => {
    const clock = new ManualClock();
    const store = new TestStore(() => clock.now());
    const registry = registryOn(store, 6, { clock });
    const { roomId } = await registry.createSession(host, {});
    await registry.close();
    clock.advance(3650 * DAY);
    expect(await registry.sweepStale()).toBe(0);
    expect(await store.load(roomId)).toBeDefined();
    store.close();
  });
});

describe('window limiter', () => {
  it('refuses past the allowance until the oldest event is a window old; peeking records nothing', () => {
    const clock = new ManualClock();
    const limiter = new WindowLimiter(2, clock);
    expect(limiter.exhausted('a')).toBe(false);
    expect(limiter.tryTake('a')).toBe(true);
    clock.advance(30_000);
    expect(limiter.tryTake('a')).toBe(true);
    expect(limiter.exhausted('a')).toBe(true);
    expect(limiter.tryTake('a')).toBe(false);
    expect(limiter.exhausted('b')).toBe(false);
    clock.advance(29_999);
    expect(limiter.exhausted('a')).toBe(true);
    clock.advance(1);
    expect(limiter.exhausted('a')).toBe(false);
    expect(limiter.tryTake('a')).toBe(true);
    expect(limiter.tryTake('a')).toBe(false);
  });

  it('forgets users whose joins have all left the window', () => {
    const clock = new ManualClock();
    const limiter = new WindowLimiter(5, clock);
    for (let i = 0; i < 1000; i++) limiter.tryTake(`guest_${i}`);
    clock.advance(60_000);
    expect(limiter.tryTake('someone')).toBe(true);
    expect(limiter.size).toBe(1);
  });
});
