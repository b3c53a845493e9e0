import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/config/parse.js';
import { TrustedProxies } from '../src/http/client-address.js';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { guestToken, hostSession, startServer } from './support/server.js';

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the client address behind trusted proxies', () => {
  const proxies = TrustedProxies.parse('127.0.0.1, 10.0.0.0/8, fd00::/8');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(proxies.clientAddress('198.51.100.4', '203.0.113.7')).toBe('198.51.100.4');
    expect(TrustedProxies.parse('').clientAddress('127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
  });

  it('takes the right-most address that is not itself a trusted proxy', () => {
    expect(proxies.clientAddress('127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    // What the client wrote itself sits to the left of what the proxies appended: never believed.
    expect(proxies.clientAddress('127.0.0.1', '192.0.2.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(proxies.clientAddress('10.0.0.2', ['203.0.113.7, 10.1.2.3', '127.0.0.1'])).toBe('203.0.113.7');
    expect(proxies.clientAddress('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
    expect(proxies.clientAddress('127.0.0.1', '[2001:db8::5]:4711, 203.0.113.7:80')).toBe('203.0.113.7');
  });

  it('keys an IPv4 address one way, mapped into IPv6 or not', () => {
    expect(proxies.clientAddress('::ffff:127.0.0.1', '::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(proxies.clientAddress('::ffff:198.51.100.4', undefined)).toBe('198.51.100.4');
  });

  it('stops at the hop that forwarded something that is not an address, or when every hop is trusted', () => {
    expect(proxies.clientAddress('127.0.0.1', '203.0.113.7, not-an-address')).toBe('127.0.0.1');
    expect(proxies.clientAddress('127.0.0.1', '')).toBe('127.0.0.1');
    expect(proxies.clientAddress('127.0.0.1', '10.9.9.9, 10.1.1.1')).toBe('10.9.9.9');
  });

  it('is an option, and a list it cannot read stops the server with a clear message', () => {
    const env = { TANDEM_TRUSTED_PROXIES: '10.0.0.0/8' };
    expect(resolveOptions({ argv: [], env }).trustedProxies).toBe('10.0.0.0/8');
    expect(resolveOptions({ argv: [], env: {} }).trustedProxies).toBe('');
    for (const [bad, message] of [
      ['10.0.0.0/33', /--trusted-proxies: "10.0.0.0\/33": the prefix must be 0 to 32/],
      ['proxy.internal', /--trusted-proxies: "proxy.internal" is not an IP address or CIDR range/],
    ] as const) {
      expect(() => resolveOptions({ argv: ['--trusted-proxies', bad], env: {} })).toThrow(message);
    }
  });
});

/** A fresh guest's lookup of `code` over HTTP, as a client at `address` behind the proxy. */
async function lookup(code: string, address: string): Promise<number> {
  const { token } = await guestToken(server!, 'Guesser');
  const res = await fetch(`${server!.url}/sessions/${code}`, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address },
  });
  return res.status;
}

/** A join by code over a WebSocket, as a client at `address`: how its connection ended, or 'admitted'. */
async function joinByCode(code: string, address: string): Promise<number | 'admitted'> {
  const { token } = await guestToken(server!, 'Joiner');
  const client = await TestClient.join(`${server!.wsUrl}/join/${code}?token=${token}`, 0, {
    headers: { 'x-forwarded-for': address },
  });
  const outcome = await Promise.race([
    client.closed.then((closed) => closed.code),
    client.next('admission', (a) => a.state === 'admitted').then(() => 'admitted' as const),
  ]);
  await client.close();
  return outcome;
}

describe('unknown join codes counted per client address', () => {
  const guessing = 'GUESS2';
  const limited = closeCodeOf(ErrorCode.JoinRateLimited);

  it('behind a trusted proxy, one client’s wrong codes lock out that client only', async () => {
    server = await startServer({ trustedProxies: '127.0.0.1', codeMissesPerMinute: 2 });
    const { session } = await hostSession(server, { policy: 'open' });
    expect(await lookup(guessing, '203.0.113.7')).toBe(404);
    expect(await lookup(guessing, '203.0.113.7')).toBe(404);
    expect(await lookup(session.joinCode, '203.0.113.7')).toBe(429);
    expect(await joinByCode(session.joinCode, '203.0.113.7')).toBe(limited);
    // Someone else behind the same proxy is not affected, over HTTP or WebSocket.
    expect(await lookup(session.joinCode, '198.51.100.9')).toBe(200);
    expect(await joinByCode(session.joinCode, '198.51.100.9')).toBe('admitted');
    // Wrong codes over WebSocket count per client as well.
    expect(await joinByCode(guessing, '192.0.2.50')).toBe(closeCodeOf(ErrorCode.RoomNotFound));
    expect(await joinByCode(guessing, '192.0.2.50')).toBe(closeCodeOf(ErrorCode.RoomNotFound));
    expect(await joinByCode(session.joinCode, '192.0.2.50')).toBe(limited);
    expect(await joinByCode(session.joinCode, '198.51.100.9')).toBe('admitted');
  });

  it.each([
    ['no trusted proxies', {}],
    ['trusted proxies that do not include the peer', { trustedProxies: '10.0.0.0/8, ::1' }],
  ])('with %s, X-Forwarded-For is ignored and the socket address is counted', async (_what, options) => {
    server = await startServer({ ...options, codeMissesPerMinute: 2 });
    const { session } = await hostSession(server, { policy: 'open' });
    expect(await lookup(guessing, '203.0.113.7')).toBe(404);
    expect(await lookup(guessing, '203.0.113.8')).toBe(404);
    expect(await lookup(session.joinCode, '198.51.100.9')).toBe(429);
    expect(await joinByCode(session.joinCode, '198.51.100.10')).toBe(limited);
  });
});
