import { type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateGuestSecret } from '../src/auth/index.js';
import type { TandemServer } from '../src/server.js';
import { TestClient, UpgradeRefused } from './support/client.js';
import { createSession, guestToken, postJson, startServer, tempDataDir } from './support/server.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * Every way in, with a token that expired two seconds ago: inside the server's clock tolerance
 * (5 s), so only a rule that holds `exp` to this server's clock everywhere refuses it everywhere.
 */
describe('a token just past its exp, within the clock tolerance', () => {
  const data = tempDataDir();
  let server: TandemServer;
  let guestSecret: Uint8Array;
  let roomId: string;
  let joinCode: string;
  let p2pId: string;

  const sign = (claims: JWTPayload, key: Uint8Array) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
  const justExpired = () =>
    sign({ sub: 'user-1', iat: nowSec() - 600, exp: nowSec() - 2 }, new TextEncoder().encode(SECRET));
  const justExpiredGuest = () =>
    sign(
      {
        sub: 'guest_AAAAAAAAAAAAAAAAAAAAAA',
        name: 'Ada',
        guest: true,
        iss: 'tandem-guest',
        aud: 'tandem',
        iat: nowSec() - 600,
        exp: nowSec() - 2,
      },
      guestSecret,
    );

  async function upgradeStatus(path: string, token: string): Promise<number> {
    try {
      await (await TestClient.open(`${server.wsUrl}${path}?token=${token}`)).close();
      return 101;
    } catch (error) {
      if (error instanceof UpgradeRefused) return error.status;
      throw error;
    }
  }

  async function apiStatus(method: 'GET' | 'POST', path: string, token: string): Promise<number> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    await res.arrayBuffer();
    return res.status;
  }

  beforeAll(async () => {
    guestSecret = loadOrCreateGuestSecret(data.dir);
    server = await startServer({ data: data.dir, jwtSecret: SECRET });
    const { token } = await guestToken(server, 'Host');
    ({ roomId, joinCode } = await createSession(server, token));
    p2pId = (await postJson(`${server.url}/p2p`, {}, token)).body.sessionId as string;
  });

  afterAll(async () => {
    await server.close();
    data.remove();
  });

  it('is refused at the upgrade of a room, a join code and a peer-to-peer signaling connection', async () => {
    const token = await justExpired();
    expect(await upgradeStatus(`/rooms/${roomId}`, token)).toBe(401);
    expect(await upgradeStatus(`/join/${joinCode}`, token)).toBe(401);
    expect(await upgradeStatus(`/p2p/${p2pId}`, token)).toBe(401);
  });

  it('is refused by every authenticated API route', async () => {
    const token = await justExpired();
    expect(await apiStatus('POST', '/sessions', token)).toBe(401);
    expect(await apiStatus('GET', `/sessions/${joinCode}`, token)).toBe(401);
    expect(await apiStatus('POST', '/p2p', token)).toBe(401);
    expect(await apiStatus('GET', `/p2p/${p2pId}`, token)).toBe(401);
    expect(await apiStatus('POST', '/tickets', token)).toBe(401);
  });

  it('is not refreshed into a fresh guest token', async () => {
    const res = await postJson(`${server.url}/auth/guest/refresh`, {}, await justExpiredGuest());
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
    expect(res.body.token).toBeUndefined();
  });

  it('was accepted everywhere while it was still valid', async () => {
    const valid = await sign(
      { sub: 'user-1', iat: nowSec(), exp: nowSec() + 600 },
      new TextEncoder().encode(SECRET),
    );
    expect(await apiStatus('GET', `/sessions/${joinCode}`, valid)).toBe(200);
    const guest = await sign(
      {
        sub: 'guest_AAAAAAAAAAAAAAAAAAAAAA',
        name: 'Ada',
        guest: true,
        iss: 'tandem-guest',
        aud: 'tandem',
        iat: nowSec(),
        exp: nowSec() + 600,
      },
      guestSecret,
    );
    expect((await postJson(`${server.url}/auth/guest/refresh`, {}, guest)).status).toBe(201);
  });
});
