import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tandem/room';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  type AuthErrorReason,
  GuestIssuer,
  InvalidGuestNameError,
  type JwksAlgorithm,
  loadOrCreateGuestSecret,
  TokenVerifier,
  type TokenVerifierOptions,
} from '../src/auth/index.js';

const SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const SUPABASE_ISS = 'https://abcdefghijklmnop.supabase.co/auth/v1';
const encoder = new TextEncoder();

const nowSec = (): number => Math.floor(Date.now() / 1000);

interface KeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  jwk: JWK;
}

let rsa: KeyPair;
let ec: KeyPair;
let rogue: KeyPair;
let jwksServer: Server;
let jwksUrl: string;
let jwksRequests = 0;
const servers: Server[] = [];

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { publicKey, privateKey, jwk };
}

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

beforeAll(async () => {
  rsa = await keyPair('RS256', 'rsa-1');
  ec = await keyPair('ES256', 'ec-1');
  rogue = await keyPair('RS256', 'rogue-1');
  jwksServer = createServer((req, res) => {
    jwksRequests++;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
  });
  const port = await listen(jwksServer);
  jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await Promise.all(servers.filter((s) => s.listening).map(close));
});

/** Claims of a typical signed-in user, valid for an hour. */
function userClaims(extra: JWTPayload = {}): JWTPayload {
  const iat = nowSec();
  return { sub: 'user-123', iat, exp: iat + 3600, ...extra };
}

/** Signs with the shared secret (HS256). `exp: undefined` in claims leaves exp out. */
function signHs256(
  claims: JWTPayload,
  secret: Uint8Array = encoder.encode(SECRET),
  kid?: string,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) })
    .sign(secret);
}

function signWith(pair: KeyPair, alg: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', kid: String(pair.jwk.kid) })
    .sign(pair.privateKey);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function rejection(verifier: TokenVerifier, token: string): Promise<AuthError> {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected the token to be rejected');
}

async function expectReason(verifier: TokenVerifier, token: string, reason: AuthErrorReason): Promise<void> {
  const error = await rejection(verifier, token);
  expect(error.reason).toBe(reason);
  expect(error.message.length).toBeGreaterThan(0);
}

const secretVerifier = (extra: Partial<TokenVerifierOptions> = {}) =>
  new TokenVerifier({ jwtSecret: SECRET, ...extra });
const jwksVerifier = (extra: Partial<TokenVerifierOptions> = {}) => new TokenVerifier({ jwksUrl, ...extra });

describe('TokenVerifier: valid tokens', () => {
  it('accepts an HS256 token signed with the shared secret', async () => {
    const claims = userClaims({ email: 'ada@example.com', name: 'Ada' });
    const identity = await secretVerifier().verify(await signHs256(claims));
    expect(identity).toEqual({
      userId: 'user-123',
      name: 'Ada',
      email: 'ada@example.com',
      expiresAt: (claims.exp as number) * 1000,
      guest: false,
      claims: { issuer: undefined, role: undefined, rooms: { kind: 'none' } },
    });
  });

  it('accepts RS256 and ES256 tokens via the JWKS endpoint', async () => {
    const verifier = jwksVerifier({ issuer: 'https://idp.example', audience: 'tandem' });
    const claims = userClaims({ iss: 'https://idp.example', aud: 'tandem' });
    const viaRsa = await verifier.verify(await signWith(rsa, 'RS256', claims));
    const viaEc = await verifier.verify(await signWith(ec, 'ES256', { ...claims, sub: 'user-456' }));
    expect(viaRsa.userId).toBe('user-123');
    expect(viaRsa.claims.issuer).toBe('https://idp.example');
    expect(viaEc.userId).toBe('user-456');
    expect(viaEc.guest).toBe(false);
  });

  it('accepts both sources when secret and JWKS are configured', async () => {
    const verifier = new TokenVerifier({ jwtSecret: SECRET, jwksUrl });
    expect((await verifier.verify(await signHs256(userClaims()))).userId).toBe('user-123');
    expect((await verifier.verify(await signWith(ec, 'ES256', userClaims()))).userId).toBe('user-123');
  });

  it('takes the name from claims only, in the documented order', async () => {
    const v = secretVerifier();
    const name = async (extra: JWTPayload) => (await v.verify(await signHs256(userClaims(extra)))).name;
    expect(await name({ user_metadata: { name: 'Meta', full_name: 'Full' }, name: 'Top' })).toBe('Meta');
    expect(await name({ user_metadata: { full_name: 'Full' }, name: 'Top' })).toBe('Full');
    expect(await name({ user_metadata: { name: '   ' }, name: 'Top' })).toBe('Top');
    expect(await name({ email: 'grace.hopper@example.com' })).toBe('grace.hopper');
    expect(await name({})).toBe('');
    expect(await name({ name: 42 })).toBe('');
    expect(await name({ name: 'Eve\u202Elive\u0007' })).toBe('Evelive');
    expect(await name({ name: 'x'.repeat(200) })).toHaveLength(64);
  });

  it('drops an email whose email_verified claim is false', async () => {
    const identity = await secretVerifier().verify(
      await signHs256(userClaims({ email: 'victim@corp.example', email_verified: false })),
    );
    expect(identity.email).toBeUndefined();
    expect('email' in identity).toBe(false);
    expect(identity.name).toBe('victim');
  });

  it('ignores a guest claim on an external token', async () => {
    const identity = await secretVerifier().verify(await signHs256(userClaims({ guest: true })));
    expect(identity.guest).toBe(false);
  });
});

describe('TokenVerifier: Supabase compatibility', () => {
  const supabase = () => secretVerifier({ issuer: SUPABASE_ISS, audience: 'authenticated' });

  it('maps a Supabase user access token to an identity', async () => {
    const iat = nowSec();
    const token = await signHs256({
      aud: 'authenticated',
      exp: iat + 3600,
      iat,
      iss: SUPABASE_ISS,
      sub: '8d0f3c8e-6a44-4c39-9a39-1b0f0c9b1d2e',
      email: 'ada@example.com',
      phone: '',
      app_metadata: { provider: 'google', providers: ['google'] },
      user_metadata: { full_name: 'Ada Lovelace', email: 'ada@example.com', email_verified: true },
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'oauth', timestamp: iat }],
      session_id: 'c7b2a0f4-0000-4000-8000-000000000000',
      is_anonymous: false,
    });
    const identity = await supabase().verify(token);
    expect(identity).toMatchObject({
      userId: '8d0f3c8e-6a44-4c39-9a39-1b0f0c9b1d2e',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      guest: false,
      claims: { issuer: SUPABASE_ISS, role: 'authenticated', rooms: { kind: 'none' } },
    });
  });

  it('rejects the anon project API key as not a user', async () => {
    const iat = nowSec();
    const anon = await signHs256({
      iss: 'supabase',
      ref: 'abcdefghijklmnop',
      role: 'anon',
      iat,
      exp: iat + 1e8,
    });
    await expectReason(supabase(), anon, 'not-a-user');
    await expectReason(secretVerifier(), anon, 'not-a-user');
    expect((await rejection(secretVerifier(), anon)).message).toMatch(/API key/);
  });

  it('rejects the service_role key even when it carries a sub', async () => {
    const iat = nowSec();
    const serviceRole = await signHs256({
      iss: 'supabase',
      role: 'service_role',
      sub: 'user-123',
      iat,
      exp: iat + 1e8,
    });
    await expectReason(supabase(), serviceRole, 'not-a-user');
    await expectReason(secretVerifier(), serviceRole, 'not-a-user');
  });
});

describe('TokenVerifier: rejections', () => {
  it('reports a missing or empty token', async () => {
    await expectReason(secretVerifier(), '', 'missing');
    await expectReason(secretVerifier(), '   ', 'missing');
    await expectReason(secretVerifier(), undefined as unknown as string, 'missing');
  });

  it('reports garbage as malformed', async () => {
    for (const garbage of ['garbage', 'a.b', 'a.b.c', '!!!.???.###', `${b64url({ alg: 'HS256' })}.%%%.sig`]) {
      await expectReason(secretVerifier(), garbage, 'malformed');
    }
    await expectReason(secretVerifier(), 'x'.repeat(20_000), 'malformed');
    // Five parts: a JWE, which this server never accepts.
    await expectReason(secretVerifier(), 'a.b.c.d.e', 'malformed');
  });

  it('reports a wrong signature', async () => {
    await expectReason(
      secretVerifier(),
      await signHs256(userClaims(), encoder.encode(`${SECRET}x`)),
      'bad-signature',
    );
    const token = await signHs256(userClaims());
    const [h, p] = token.split('.');
    const tampered = `${h}.${b64url({ ...userClaims(), sub: 'admin' })}.${token.split('.')[2]}`;
    expect(p).not.toBe(tampered.split('.')[1]);
    await expectReason(secretVerifier(), tampered, 'bad-signature');
  });

  it('rejects a JWKS token signed by a key not in the set', async () => {
    await expectReason(jwksVerifier(), await signWith(rogue, 'RS256', userClaims()), 'bad-signature');
    // Same kid as a published key, wrong private key.
    const forged = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(rogue.privateKey);
    await expectReason(jwksVerifier(), forged, 'bad-signature');
  });

  it('rejects a token from its exp on, whatever the clock tolerance (which only covers nbf)', async () => {
    const now = nowSec();
    const stale = await signHs256({ sub: 'user-123', iat: now - 3600, exp: now - 60 });
    await expectReason(secretVerifier(), stale, 'expired');
    const justExpired = await signHs256({ sub: 'user-123', iat: now - 3600, exp: now - 2 });
    await expectReason(secretVerifier({ clockToleranceSec: 30 }), justExpired, 'expired');
  });

  it('holds exp to its own clock: valid up to the millisecond before, expired from it', async () => {
    const exp = nowSec() + 60;
    const token = await signHs256({ sub: 'user-123', iat: exp - 120, exp });
    const clock = new ManualClock(exp * 1000 - 1);
    const verifier = secretVerifier({ now: () => clock.now() });
    expect((await verifier.verify(token)).expiresAt).toBe(exp * 1000);
    clock.advance(1);
    await expectReason(verifier, token, 'expired');
  });

  it('requires exp', async () => {
    const error = await rejection(secretVerifier(), await signHs256({ sub: 'user-123', iat: nowSec() }));
    expect(error.reason).toBe('malformed');
    expect(error.message).toMatch(/exp/);
  });

  it('honours nbf', async () => {
    await expectReason(
      secretVerifier(),
      await signHs256(userClaims({ nbf: nowSec() + 60 })),
      'not-yet-valid',
    );
    expect((await secretVerifier().verify(await signHs256(userClaims({ nbf: nowSec() + 2 })))).userId).toBe(
      'user-123',
    );
  });

  it('checks aud and iss when configured', async () => {
    const verifier = jwksVerifier({ issuer: ['https://a.example', 'https://b.example'], audience: 'tandem' });
    const ok = userClaims({ iss: 'https://b.example', aud: ['other', 'tandem'] });
    expect((await verifier.verify(await signWith(rsa, 'RS256', ok))).userId).toBe('user-123');
    await expectReason(verifier, await signWith(rsa, 'RS256', { ...ok, aud: 'other' }), 'wrong-audience');
    await expectReason(
      verifier,
      await signWith(rsa, 'RS256', { ...ok, iss: 'https://evil.example' }),
      'wrong-issuer',
    );
    const { iss: _iss, ...noIss } = ok;
    await expectReason(verifier, await signWith(rsa, 'RS256', noIss), 'wrong-issuer');
  });

  it('reports a token without sub as no-subject', async () => {
    const iat = nowSec();
    await expectReason(secretVerifier(), await signHs256({ iat, exp: iat + 60 }), 'no-subject');
    await expectReason(secretVerifier(), await signHs256({ sub: '  ', iat, exp: iat + 60 }), 'no-subject');
    await expectReason(
      secretVerifier(),
      await signHs256({ sub: 42, iat, exp: iat + 60 } as unknown as JWTPayload),
      'no-subject',
    );
  });
});

describe('TokenVerifier: algorithm policy', () => {
  function unsigned(alg: string): string {
    return `${b64url({ alg, typ: 'JWT' })}.${b64url(userClaims())}.`;
  }

  it('rejects alg none in any spelling, with every key source', async () => {
    const guest = new GuestIssuer({ secret: new Uint8Array(32).fill(7) }).verifierConfig();
    const verifiers = [
      secretVerifier(),
      jwksVerifier(),
      new TokenVerifier({ jwtSecret: SECRET, jwksUrl, guest }),
    ];
    for (const verifier of verifiers) {
      for (const alg of ['none', 'None', 'NONE'])
        await expectReason(verifier, unsigned(alg), 'algorithm-not-allowed');
    }
  });

  it('rejects an HS256 token signed with the RSA public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const forgedWithPem = await signHs256(userClaims(), encoder.encode(pem), 'rsa-1');
    const forgedWithJwk = await signHs256(userClaims(), encoder.encode(JSON.stringify(rsa.jwk)), 'rsa-1');
    const forgedWithEcJwk = await signHs256(userClaims(), encoder.encode(JSON.stringify(ec.jwk)), 'ec-1');
    // JWKS only: HS256 has no key source at all.
    for (const forged of [forgedWithPem, forgedWithJwk, forgedWithEcJwk]) {
      await expectReason(jwksVerifier(), forged, 'algorithm-not-allowed');
    }
    // Secret and JWKS: HS256 goes to the shared secret, which is not the public key.
    const both = new TokenVerifier({ jwtSecret: SECRET, jwksUrl });
    for (const forged of [forgedWithPem, forgedWithJwk, forgedWithEcJwk]) {
      await expectReason(both, forged, 'bad-signature');
    }
  });

  it('rejects asymmetric algorithms that are not configured', async () => {
    // The published RSA key, used with an algorithm the server was not configured for.
    const rsaAs384 = await importJWK(await exportJWK(rsa.privateKey), 'RS384');
    const rs384 = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'RS384', kid: 'rsa-1' })
      .sign(rsaAs384);
    await expectReason(jwksVerifier(), rs384, 'algorithm-not-allowed');
    await expectReason(
      jwksVerifier({ jwksAlgorithms: ['ES256'] }),
      await signWith(rsa, 'RS256', userClaims()),
      'algorithm-not-allowed',
    );
    // RS256 with no JWKS configured.
    await expectReason(secretVerifier(), await signWith(rsa, 'RS256', userClaims()), 'algorithm-not-allowed');
    // HS384/HS512 are never accepted, even with the right secret.
    const hs512 = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'HS512' })
      .sign(encoder.encode(SECRET));
    await expectReason(secretVerifier(), hs512, 'algorithm-not-allowed');
  });

  it('refuses unsafe configurations at construction', () => {
    expect(() => new TokenVerifier({})).toThrow(TypeError);
    expect(() => new TokenVerifier({ jwtSecret: '' })).toThrow(TypeError);
    expect(() => new TokenVerifier({ jwksUrl, jwksAlgorithms: ['HS256' as JwksAlgorithm] })).toThrow(
      TypeError,
    );
    expect(() => new TokenVerifier({ jwksUrl, jwksAlgorithms: ['none' as JwksAlgorithm] })).toThrow(
      TypeError,
    );
    expect(() => new TokenVerifier({ jwksUrl: 'file:///etc/jwks.json' })).toThrow(TypeError);
    expect(
      () =>
        new TokenVerifier({
          guest: { secret: new Uint8Array(8), issuer: 'tandem-guest', audience: 'tandem' },
        }),
    ).toThrow(RangeError);
  });
});

describe('TokenVerifier: JWKS availability', () => {
  it('reports a dead JWKS endpoint as jwks-unavailable', async () => {
    const dead = createServer();
    const port = await listen(dead);
    await close(dead);
    const verifier = new TokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
    const error = await rejection(verifier, await signWith(rsa, 'RS256', userClaims()));
    expect(error.reason).toBe('jwks-unavailable');
    expect(error.isTransient).toBe(true);
  });

  it('reports a hanging JWKS endpoint as jwks-unavailable after the timeout', async () => {
    const hanging = createServer(() => {
      // Never answers.
    });
    const port = await listen(hanging);
    const verifier = new TokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, jwksTimeoutMs: 200 });
    const error = await rejection(verifier, await signWith(ec, 'ES256', userClaims()));
    expect(error.reason).toBe('jwks-unavailable');
    expect(error.message).toMatch(/timed out/);
    await close(hanging);
  });

  it('reports a non-200 JWKS response as jwks-unavailable', async () => {
    const verifier = new TokenVerifier({ jwksUrl: jwksUrl.replace('jwks.json', 'missing.json') });
    await expectReason(verifier, await signWith(rsa, 'RS256', userClaims()), 'jwks-unavailable');
  });

  it('backs off after a failed fetch: one request for a burst, the next only once the growing wait has passed', async () => {
    let requests = 0;
    let healthy = false;
    const flaky = createServer((_req, res) => {
      requests++;
      if (!healthy) return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [rsa.jwk] }));
    });
    const port = await listen(flaky);
    const clock = new ManualClock(Date.now());
    const verifier = new TokenVerifier({
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      jwksBackoffMs: 1000,
      jwksBackoffMaxMs: 4000,
      now: () => clock.now(),
    });
    const token = await signWith(rsa, 'RS256', userClaims());
    const burst = async (n: number): Promise<AuthError[]> =>
      Promise.all(Array.from({ length: n }, () => rejection(verifier, token)));

    const first = await burst(200);
    expect(requests).toBe(1);
    expect(new Set(first.map((e) => e.reason))).toEqual(new Set(['jwks-unavailable']));
    const waiting = await rejection(verifier, token);
    expect(waiting.message).toMatch(/tried again in 1 s/);
    expect(waiting.retryAfterMs).toBe(1000);
    clock.advance(999);
    await burst(50);
    expect(requests).toBe(1);

    // Each failure doubles the wait, up to the cap.
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = requests;
      clock.advance((await rejection(verifier, token)).retryAfterMs ?? 0);
      await burst(20);
      expect(requests).toBe(before + 1);
      waits.push((await rejection(verifier, token)).retryAfterMs ?? 0);
    }
    expect(waits).toEqual([2000, 4000, 4000, 4000]);

    // Once the endpoint answers again, tokens verify and the wait starts over.
    healthy = true;
    clock.advance(4000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'user-123' });
    expect(requests).toBe(6);
    await close(flaky);
  });

  it('caches the key set between verifications', async () => {
    const verifier = jwksVerifier();
    const token = await signWith(rsa, 'RS256', userClaims());
    await verifier.verify(token);
    const before = jwksRequests;
    await verifier.verify(token);
    await verifier.verify(await signWith(ec, 'ES256', userClaims()));
    expect(jwksRequests).toBe(before);
  });
});

describe('GuestIssuer and guest tokens', () => {
  const secret = new Uint8Array(32).map((_, i) => i + 1);
  const issuer = new GuestIssuer({ secret });

  it('issues a token that verifies as a guest identity', async () => {
    const issued = await issuer.issue('  Ada\u0000 Lovelace\u202E ');
    expect(issued.name).toBe('Ada Lovelace');
    expect(issued.userId).toMatch(/^guest_[A-Za-z0-9_-]{22}$/);
    expect(issued.expiresAt).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    expect(issued.expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);

    const verifier = new TokenVerifier({ guest: issuer.verifierConfig() });
    const identity = await verifier.verify(issued.token);
    expect(identity).toEqual({
      userId: issued.userId,
      name: 'Ada Lovelace',
      expiresAt: issued.expiresAt,
      guest: true,
      claims: { issuer: 'tandem-guest', role: undefined, rooms: { kind: 'none' } },
    });
  });

  it('verifies guest tokens alongside the shared secret and JWKS', async () => {
    const verifier = new TokenVerifier({ jwtSecret: SECRET, jwksUrl, guest: issuer.verifierConfig() });
    expect((await verifier.verify((await issuer.issue('Grace')).token)).guest).toBe(true);
    expect((await verifier.verify(await signHs256(userClaims()))).guest).toBe(false);
  });

  it('gives every guest a fresh random id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add((await issuer.issue('Same name')).userId);
    expect(ids.size).toBe(50);
    const fixed = new GuestIssuer({ secret, random: () => 'A'.repeat(22) });
    expect((await fixed.issue('x')).userId).toBe(`guest_${'A'.repeat(22)}`);
    await expect(new GuestIssuer({ secret, random: () => 'short' }).issue('x')).rejects.toThrow(/22/);
  });

  it('validates the display name', async () => {
    await expect(issuer.issue('')).rejects.toBeInstanceOf(InvalidGuestNameError);
    await expect(issuer.issue(' \u0001\t ')).rejects.toMatchObject({ problem: 'empty' });
    await expect(issuer.issue('x'.repeat(65))).rejects.toMatchObject({ problem: 'too-long' });
    expect((await issuer.issue('x'.repeat(64))).name).toHaveLength(64);
    // 64 emoji are 64 characters, though 128 UTF-16 units.
    expect((await issuer.issue('😀'.repeat(64))).name).toBe('😀'.repeat(64));
  });

  it('rejects guest tokens when the verifier has no guest config', async () => {
    const { token } = await issuer.issue('Mallory');
    await expectReason(jwksVerifier(), token, 'algorithm-not-allowed');
    await expectReason(secretVerifier(), token, 'bad-signature');
  });

  it('rejects guest tokens signed with another guest secret, or with the wrong audience', async () => {
    const verifier = new TokenVerifier({ guest: issuer.verifierConfig() });
    const other = new GuestIssuer({ secret: new Uint8Array(32).fill(9) });
    await expectReason(verifier, (await other.issue('Mallory')).token, 'bad-signature');
    const elsewhere = new GuestIssuer({ secret, audience: 'other-app' });
    await expectReason(verifier, (await elsewhere.issue('Mallory')).token, 'wrong-audience');
  });

  it('rejects a token signed with the guest secret that lacks the guest markers', async () => {
    const verifier = new TokenVerifier({ guest: issuer.verifierConfig() });
    const iat = nowSec();
    const noFlag = await signHs256(
      { sub: 'guest_AAAAAAAAAAAAAAAAAAAAAA', iss: 'tandem-guest', aud: 'tandem', iat, exp: iat + 60 },
      secret,
    );
    await expectReason(verifier, noFlag, 'malformed');
    const notGuestId = await signHs256(
      { sub: 'admin', guest: true, iss: 'tandem-guest', aud: 'tandem', iat, exp: iat + 60 },
      secret,
    );
    await expectReason(verifier, notGuestId, 'malformed');
  });

  it('refuses a short secret or a bad ttl', () => {
    expect(() => new GuestIssuer({ secret: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => new GuestIssuer({ secret, ttlSec: 0 })).toThrow(RangeError);
  });
});

describe('loadOrCreateGuestSecret', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tandem-auth-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the directory and a 0600 secret, then returns the same secret', () => {
    const dataDir = join(root, 'data', 'nested');
    const first = loadOrCreateGuestSecret(dataDir);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first.length).toBe(32);
    const file = join(dataDir, 'guest-secret');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateGuestSecret(dataDir);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('keeps guest tokens valid across a restart', async () => {
    const dataDir = join(root, 'restart');
    const { token } = await new GuestIssuer({ secret: loadOrCreateGuestSecret(dataDir) }).issue('Ada');
    const afterRestart = new GuestIssuer({ secret: loadOrCreateGuestSecret(dataDir) });
    const identity = await new TokenVerifier({ guest: afterRestart.verifierConfig() }).verify(token);
    expect(identity.name).toBe('Ada');
  });

  it('tightens a loose file mode and refuses a corrupt file', () => {
    const dataDir = join(root, 'loose');
    loadOrCreateGuestSecret(dataDir);
    const file = join(dataDir, 'guest-secret');
    if (process.platform !== 'win32') {
      chmodSync(file, 0o644);
      loadOrCreateGuestSecret(dataDir);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    writeFileSync(file, 'too-short\n');
    expect(() => loadOrCreateGuestSecret(dataDir)).toThrow(/guest secret/);
  });
});
