import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@tandem/room';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient, UpgradeRefused } from './support/client.js';
import { createSession, startServer } from './support/server.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'tandem-app';
const secretKey = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

let server: TandemServer;
let jwks: Server;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let roomId: string;

function hs256(claims: JWTPayload, key: Uint8Array = secretKey): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? now() + 600)
    .sign(key);
}

const valid = (extra: JWTPayload = {}) =>
  hs256({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, email: 'u1@example.com', ...extra });

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function upgrade(token: string): Promise<number> {
  try {
    const client = await TestClient.open(
      `${server.wsUrl}/rooms/${roomId}?token=${encodeURIComponent(token)}`,
    );
    await client.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  server = await startServer({
    jwtSecret: SECRET,
    jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    jwtIssuer: ISSUER,
    jwtAudience: AUDIENCE,
    guests: false,
  });
  roomId = (await createSession(server, await valid({ sub: 'host' }))).roomId;
});

afterAll(async () => {
  await server.close();
  await new Promise((resolve) => jwks.close(resolve));
});

describe('the upgrade gate', () => {
  it('accepts a valid HS256 token', async () => {
    expect(await upgrade(await valid())).toBe(101);
  });

  it('accepts a valid RS256 token from the JWKS', async () => {
    const token = await new SignJWT({ sub: 'rsa-user', iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(rsa.privateKey);
    expect(await upgrade(token)).toBe(101);
  });

  it.each([
    ['no token', async () => ''],
    ['garbage', async () => 'not.a.jwt'],
    ['an expired token', async () => valid({ exp: now() - 3600 })],
    ['a token expired within the clock tolerance', async () => valid({ exp: now() - 2 })],
    [
      'a wrong signature',
      async () =>
        hs256(
          { sub: 'x', iss: ISSUER, aud: AUDIENCE },
          new TextEncoder().encode('another-secret-of-at-least-32-bytes!'),
        ),
    ],
    [
      'alg none',
      async () =>
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`,
    ],
    [
      'HS256 signed with the RSA public key',
      async () =>
        hs256(
          { sub: 'x', iss: ISSUER, aud: AUDIENCE },
          new TextEncoder().encode(await exportSPKI(rsa.publicKey)),
        ),
    ],
    ['a wrong audience', async () => valid({ aud: 'someone-else' })],
    ['a wrong issuer', async () => valid({ iss: 'https://evil.example.com' })],
    ['a Supabase anon key', async () => hs256({ role: 'anon', iss: ISSUER, aud: AUDIENCE })],
    [
      'a Supabase service_role key',
      async () => hs256({ role: 'service_role', sub: 'svc', iss: ISSUER, aud: AUDIENCE }),
    ],
  ])('refuses %s with HTTP 401 and touches no room state', async (_name, make) => {
    const roomsBefore = server.registry.size;
    const connectionsBefore = server.registry.connections;
    expect(await upgrade(await make())).toBe(401);
    expect(server.registry.size).toBe(roomsBefore);
    expect(server.registry.connections).toBe(connectionsBefore);
  });

  it('refuses guest login when guests are off', async () => {
    const res = await fetch(`${server.url}/auth/guest`, { method: 'POST', body: '{"name":"x"}' });
    expect(res.status).toBe(404);
  });

  it('answers 404 for a URL that is not a room', async () => {
    expect(
      await TestClient.open(`${server.wsUrl}/elsewhere?token=${await valid()}`).catch(
        (e: UpgradeRefused) => e.status,
      ),
    ).toBe(404);
  });

  it('takes identity from the verified token only, whatever name the client sends', async () => {
    const token = await hs256({
      sub: 'supa-1',
      iss: ISSUER,
      aud: AUDIENCE,
      role: 'authenticated',
      email: 'ada@example.com',
      user_metadata: { full_name: 'Ada Lovelace' },
    });
    const client = await TestClient.open(`${server.wsUrl}/rooms/${roomId}?token=${token}`);
    client.send({ type: 'hello', version: 1, clientId: '', name: 'Mallory', since: 0 });
    const welcome = await client.next('welcome');
    expect(welcome).toMatchObject({ userId: 'supa-1', name: 'Ada Lovelace' });
    await client.close();
  });
});

describe('the upgrade gate while the JWKS endpoint fails', () => {
  it('fetches the key set once for a burst of upgrades and refuses them all at once with 503', async () => {
    let requests = 0;
    const failing = createServer((_req, res) => {
      requests++;
      res.writeHead(502).end();
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const clock = new ManualClock(Date.now());
    const gated = await startServer({
      jwksUrl: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/jwks.json`,
      guests: false,
      clock,
    });
    try {
      const token = await new SignJWT({ sub: 'rsa-user' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(rsa.privateKey);
      const statuses = await Promise.all(
        Array.from({ length: 200 }, () =>
          TestClient.open(`${gated.wsUrl}/rooms/r1?token=${token}`).then(
            () => 101,
            (error: unknown) => (error instanceof UpgradeRefused ? error.status : 0),
          ),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([503]));
      expect(requests).toBe(1);

      const res = await fetch(`${gated.url}/p2p`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { message: string }).message).toMatch(/HTTP 502.*tried again in 1 s/);
      expect(requests).toBe(1);
    } finally {
      await gated.close();
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});
