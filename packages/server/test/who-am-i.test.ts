import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { guestToken, startServer } from './support/server.js';

const SECRET = 'who-am-i-test-secret-of-at-least-32-bytes';

function sign(claims: Record<string, unknown>, secret = SECRET, exp: string | null = '10m'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('ada-1');
  if (exp) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('GET /auth/me', () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer({ jwtSecret: SECRET });
  });
  afterAll(() => server.close());

  const me = async (token: string | undefined) => {
    const res = await fetch(`${server.url}/auth/me`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers with the identity the server verified, and when the token expires', async () => {
    const token = await sign({
      email: 'ada@example.com',
      email_verified: true,
      user_metadata: { name: 'Ada' },
    });
    const { status, body } = await me(token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ userId: 'ada-1', name: 'Ada', email: 'ada@example.com', guest: false });
    expect(body.expiresAt).toBeGreaterThan(Date.now());
  });

  it('knows a guest token as one', async () => {
    const guest = await guestToken(server, 'Gus');
    expect((await me(guest.token)).body).toMatchObject({ userId: guest.userId, name: 'Gus', guest: true });
  });

  it('refuses a forged token, a token without exp and no token at all, saying why', async () => {
    const forged = await me(
      await sign({ user_metadata: { name: 'Mallory' } }, 'another-secret-of-at-least-32-bytes!!'),
    );
    expect(forged.status).toBe(401);
    expect(forged.body.name).toBeUndefined();
    const noExp = await me(await sign({ user_metadata: { name: 'Forever' } }, SECRET, null));
    expect(noExp.status).toBe(401);
    expect(String(noExp.body.message)).toMatch(/exp/);
    expect((await me(undefined)).status).toBe(401);
  });
});
