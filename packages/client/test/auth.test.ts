import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { RoomConnection } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  vi.useRealTimers();
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

/** The claims of a token (its payload, not verified: the server did that). */
function claims(token: string): { sub: string; exp: number } {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; exp: number };
}

/** A guest client whose auth calls are recorded by path. */
function recordedGuest(name: string) {
  const calls: string[] = [];
  const client = nodeClient(
    server.url,
    { guest: name },
    {
      fetch: (input, init) => {
        calls.push(new URL(input).pathname);
        return fetch(input, init);
      },
    },
  );
  return { client, calls };
}

/**
 * Moves the wall clock of this process (client and in-process server alike) to `at`; timers and
 * sockets keep running in real time.
 */
function setWallClock(at: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
}

describe('guest token renewal', () => {
  it('reuses the token far from expiry, and renews it for the same user shortly before', async () => {
    const { client, calls } = recordedGuest('Ada');
    const first = await client.token();
    expect(await client.token()).toBe(first);
    expect(calls).toEqual(['/auth/guest']);

    const { sub, exp } = claims(first);
    setWallClock(exp * 1000 - 30_000);
    const renewed = await client.token();
    expect(renewed).not.toBe(first);
    expect(calls).toEqual(['/auth/guest', '/auth/guest/refresh']);
    expect(claims(renewed).sub).toBe(sub);
    expect(claims(renewed).exp).toBeGreaterThan(exp);

    // The server takes the renewed token: the connection is the same user.
    const hosted = await client.host({ policy: 'open' });
    const room = client.join({ roomId: hosted.roomId });
    open.push(room);
    await reach(room, 'connected');
    expect(room.self?.userId).toBe(sub);
    expect(room.self?.role).toBe('host');
  });

  it('signs in as a new guest once the token has expired', async () => {
    const { client, calls } = recordedGuest('Grace');
    const first = await client.token();
    setWallClock(claims(first).exp * 1000 + 1_000);
    const next = await client.token();
    expect(calls).toEqual(['/auth/guest', '/auth/guest']);
    expect(claims(next).sub).not.toBe(claims(first).sub);
  });
});
