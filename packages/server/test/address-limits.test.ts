import { ManualClock } from '@tandem/room';
import { afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { guestToken, startServer } from './support/server.js';

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A POST as a client at `address` behind the test's trusted proxy (127.0.0.1). */
async function post(path: string, address: string, body: unknown = {}, token?: string) {
  const res = await fetch(`${server!.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': address,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  // Readable by a page on another origin too.
  expect(res.headers.get('access-control-expose-headers')).toBe('retry-after');
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('guest tokens per client address', () => {
  it('issues guestsPerMinute tokens to one address, then 429 with a code, a message and Retry-After', async () => {
    const clock = new ManualClock();
    server = await startServer({ clock, trustedProxies: '127.0.0.1', guestsPerMinute: 3 });
    for (let i = 0; i < 3; i++)
      expect((await post('/auth/guest', '203.0.113.7', { name: 'G' })).status).toBe(201);
    clock.advance(20_000);
    const refused = await post('/auth/guest', '203.0.113.7', { name: 'G' });
    expect(refused).toMatchObject({
      status: 429,
      retryAfter: '40',
      body: { error: 'GuestRateLimited', message: expect.stringMatching(/guest tokens.*try again in 40 s/) },
    });
    // Another client behind the same proxy is not affected.
    expect((await post('/auth/guest', '198.51.100.9', { name: 'G' })).status).toBe(201);
    clock.advance(40_000);
    expect((await post('/auth/guest', '203.0.113.7', { name: 'G' })).status).toBe(201);
  });

  it('does not count refreshes, which keep an identity rather than make one', async () => {
    server = await startServer({ guestsPerMinute: 1 });
    const { token } = await guestToken(server, 'Once');
    for (let i = 0; i < 3; i++)
      expect((await post('/auth/guest/refresh', '127.0.0.1', {}, token)).status).toBe(201);
    expect((await post('/auth/guest', '127.0.0.1', { name: 'Twice' })).status).toBe(429);
  });
});

describe('sessions created per client address', () => {
  it('creates sessionsPerMinute sessions (peer-to-peer ones included) for one address, then 429', async () => {
    const clock = new ManualClock();
    server = await startServer({ clock, trustedProxies: '127.0.0.1', sessionsPerMinute: 3 });
    // A fresh guest per session: the hosted-room limit, per user, does not stop this.
    const fresh = async () => (await guestToken(server!, 'Host')).token;
    expect((await post('/sessions', '203.0.113.7', {}, await fresh())).status).toBe(201);
    expect((await post('/p2p', '203.0.113.7', {}, await fresh())).status).toBe(201);
    expect((await post('/sessions', '203.0.113.7', {}, await fresh())).status).toBe(201);
    clock.advance(15_000);
    for (const path of ['/sessions', '/p2p']) {
      expect(await post(path, '203.0.113.7', {}, await fresh())).toMatchObject({
        status: 429,
        retryAfter: '45',
        body: { error: 'SessionRateLimited', message: expect.stringMatching(/sessions.*try again in 45 s/) },
      });
    }
    expect((await post('/sessions', '198.51.100.9', {}, await fresh())).status).toBe(201);
    clock.advance(45_000);
    expect((await post('/sessions', '203.0.113.7', {}, await fresh())).status).toBe(201);
  });
});

describe('sessions nobody joined', () => {
  it('are unloaded after sessionGraceSeconds and deleted from the store, their join code gone', async () => {
    const clock = new ManualClock();
    server = await startServer({ clock, sessionGraceSeconds: 60 });
    const { token } = await guestToken(server, 'Host');
    const created = await post('/sessions', '127.0.0.1', {}, token);
    const { roomId, joinCode } = created.body as { roomId: string; joinCode: string };
    const find = () =>
      fetch(`${server!.url}/sessions/${joinCode}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await find()).status).toBe(200);
    clock.advance(59_999);
    expect(server.registry.inUse(roomId)).toBe(true);
    clock.advance(1);
    await server.registry.whenEmpty();
    expect((await find()).status).toBe(404);
  });
});
