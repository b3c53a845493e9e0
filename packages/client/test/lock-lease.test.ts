import { decode } from '@tandem/protocol';
import { ManualClock } from '@tandem/room';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { AccessRequest, LockLoss, RoomConnection } from '../src/index.js';
import { nodeClient, reach, until } from './support/clients.js';

// One clock for the server's rooms and both clients: leases and request timeouts move only when
// the test says, and never with the machine's load.
let clock: ManualClock;
let server: TandemServer;
const rooms: RoomConnection[] = [];

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startServer({ clock, joinsPerMinute: 1000, lockTtlSeconds: 60, accessTimeoutSeconds: 10 });
});

afterEach(async () => {
  for (const room of rooms.splice(0)) room.leave();
  await server.close();
});

/** The messages Ada's client sent, by type. */
let adaFrames: string[] = [];
const adaSent = (type: string) => adaFrames.filter((t) => t === type).length;

/** A WebSocket that notes the type of every message it sends. */
class CountingSocket extends WebSocket {
  override send(data: Parameters<WebSocket['send']>[0]): void {
    adaFrames.push(decode(data as Uint8Array).type);
    super.send(data);
  }
}

/** Ada (the host) and Bob in one open room, both connected, on the test's clock. */
async function pair(countAda = false): Promise<{ ada: RoomConnection; bob: RoomConnection }> {
  // The liveness watch would take a jump of the clock for a silent server.
  const extra = { clock, liveness: false as const };
  adaFrames = [];
  const adaClient = nodeClient(
    server.url,
    { guest: 'Ada' },
    countAda ? { ...extra, WebSocket: CountingSocket as never } : extra,
  );
  const { roomId } = await adaClient.host({ policy: 'open', docMode: 'ops' });
  const ada = adaClient.join({ roomId });
  const bob = nodeClient(server.url, { guest: 'Bob' }, extra).join({ roomId });
  rooms.push(ada, bob);
  await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
  await until(ada, 'others', () => ada.others.length === 1);
  return { ada, bob };
}

function nextLoss(room: RoomConnection): Promise<LockLoss> {
  return new Promise((resolve) => {
    const off = room.on('lockLost', (loss) => {
      off();
      resolve(loss);
    });
  });
}

function expiresAt(room: RoomConnection, resource: string): number | undefined {
  const state = room.lockState(resource);
  return state.kind === 'mine' ? state.expiresAt : undefined;
}

describe('a held lock', () => {
  it('is renewed while its holder is active in it, and lapses a lease after the last activity', async () => {
    const { ada, bob } = await pair();
    await ada.select('layer');
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'held');
    expect(expiresAt(ada, 'layer')).toBe(clock.now() + 60_000);

    // Active a third of a lease in: the lease starts again from now.
    clock.advance(30_000);
    ada.touch('layer');
    const renewedUntil = clock.now() + 60_000;
    await until(ada, 'locks', () => expiresAt(ada, 'layer') === renewedUntil);

    // Past the first lease's end, the lock holds: a round trip of Bob's after it, which would
    // arrive behind an expiry, finds it still held.
    const losses: LockLoss[] = [];
    ada.on('lockLost', (loss) => losses.push(loss));
    clock.advance(50_000);
    await bob.sendChat('still held?');
    expect(bob.lockState('layer').kind).toBe('held');
    expect(ada.lockState('layer').kind).toBe('mine');
    expect(losses).toEqual([]);

    // Nothing more from Ada: a lease after her last activity, it lapses, and she is told.
    const lost = nextLoss(ada);
    clock.advance(10_000);
    expect(await lost).toEqual({ resource: 'layer', reason: 'expired' });
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'free');
    expect(ada.lockState('layer').kind).toBe('free');
  });

  it('is renewed by an edit naming it', async () => {
    const { ada } = await pair();
    ada.ops.use({ initial: 0, apply: (n: number, op: { n: number }) => n + op.n });
    await ada.select('layer');
    clock.advance(40_000);
    const renewedUntil = clock.now() + 60_000;
    await ada.ops.submit({ n: 1 }, { resource: 'layer' });
    await until(ada, 'locks', () => expiresAt(ada, 'layer') === renewedUntil);
    clock.advance(59_000);
    await ada.sendChat('still held?');
    expect(ada.lockState('layer').kind).toBe('mine');
  });

  it('renews at most once a third of the lease, however often its holder is active', async () => {
    const { ada } = await pair(true);
    await ada.select('layer');
    clock.advance(10_000);
    ada.touch('layer');
    // Within the first third nothing is due: no renewal goes.
    expect(adaSent('lockKeep')).toBe(0);
    clock.advance(10_000);
    for (let i = 0; i < 20; i++) ada.touch('layer');
    ada.touch();
    const renewedUntil = clock.now() + 60_000;
    await until(ada, 'locks', () => expiresAt(ada, 'layer') === renewedUntil);
    expect(adaSent('lockKeep')).toBe(1);
  });
});

describe('access requests', () => {
  it('tell the holder and the requester when the request times out, and the holder it missed one', async () => {
    const { ada, bob } = await pair();
    await ada.select('layer');
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'held');

    const asked = new Promise<AccessRequest>((resolve) => ada.on('accessRequest', resolve));
    const missed = new Promise<AccessRequest>((resolve) => ada.on('accessRequestMissed', resolve));
    const outcome = bob.requestAccess('layer', 'may I?');
    const request = await asked;
    expect(request.expiresAt).toBe(clock.now() + 10_000);
    await until(bob, 'accessPending', () => bob.ownAccessRequest('layer') !== undefined);
    expect(bob.ownAccessRequest('layer')).toMatchObject({
      resource: 'layer',
      expiresAt: clock.now() + 10_000,
    });

    clock.advance(10_000);
    expect(await outcome).toBe('timeout');
    const gone = await missed;
    expect(gone.from?.name).toBe('Bob');
    expect(gone.requestId).toBe(request.requestId);
    expect(ada.accessRequests).toEqual([]);
    await until(bob, 'accessPending', () => bob.ownAccessRequest('layer') === undefined);
    expect(ada.lockState('layer').kind).toBe('mine');
  });

  it('tell the holder who released to a requester that the hold went to them', async () => {
    const { ada, bob } = await pair();
    await ada.select('layer');
    const asked = new Promise<AccessRequest>((resolve) => ada.on('accessRequest', resolve));
    const outcome = bob.requestAccess('layer', 'may I?');
    const lost = nextLoss(ada);
    (await asked).release();
    expect(await outcome).toBe('granted');
    expect(await lost).toEqual({ resource: 'layer', reason: 'released-to-requester' });
    expect(bob.lockState('layer').kind).toBe('mine');
  });

  it('say nothing of a loss when the holder let go itself', async () => {
    const { ada, bob } = await pair();
    await ada.select('layer');
    const losses: LockLoss[] = [];
    ada.on('lockLost', (loss) => losses.push(loss));
    await ada.deselect('layer');
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'free');
    expect(losses).toEqual([]);
  });
});
