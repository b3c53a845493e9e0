import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { ManualClock } from '@tandem/room';
import { SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient, UpgradeRefused } from './support/client.js';
import { DATABASE_URL, dropSchema, skipPostgres, uniqueSchema } from './support/postgres.js';
import { dropPrefix, REDIS_URL, skipRedis, uniquePrefix } from './support/redis.js';
import {
  createSession,
  type Endpoint,
  guestToken,
  hostSession,
  postJson,
  startServer,
  tempDataDir,
} from './support/server.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

async function ticketFor(server: Endpoint, token: string): Promise<string> {
  const res = await postJson(`${server.url}/tickets`, {}, token);
  if (res.status !== 201) throw new Error(`no ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ticket as string;
}

/** Opens `path?ticket=…`: the socket, or the HTTP status the upgrade was refused with. */
async function withTicket(server: Endpoint, path: string, ticket: string): Promise<TestClient | number> {
  try {
    return await TestClient.open(`${server.wsUrl}${path}?ticket=${encodeURIComponent(ticket)}`);
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

/** The status and JSON body of a refused upgrade, as a client that can read them sees it. */
function refusal(server: Endpoint, path: string): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, message: (JSON.parse(body) as { message: string }).message }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('connection tickets', () => {
  let server: TandemServer;
  afterEach(() => server?.close());

  it('are issued for a bearer token, open one connection as its user, and are refused 401 the second time', async () => {
    server = await startServer();
    const { host, session } = await hostSession(server, { policy: 'open' });
    const { token, userId } = await guestToken(server, 'Grace');
    const res = await postJson(`${server.url}/tickets`, {}, token);
    expect(res.status).toBe(201);
    const ticket = res.body.ticket as string;
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ticket).not.toContain(token.split('.')[1]!.slice(0, 20));
    expect(res.body.expiresAt).toBeGreaterThan(Date.now());

    const grace = await withTicket(server, `/rooms/${session.roomId}`, ticket);
    if (typeof grace === 'number') throw new Error(`refused ${grace}`);
    grace.send({ type: 'hello', version: 1, clientId: '', name: 'Mallory', since: 0 });
    expect(await grace.next('welcome')).toMatchObject({ userId, name: 'Grace' });
    await grace.admitted();

    expect(await withTicket(server, `/rooms/${session.roomId}`, ticket)).toBe(401);
    await grace.close();
    await host.close();
  });

  it('open a peer-to-peer signaling connection and a join-code connection the same way', async () => {
    server = await startServer();
    const { token } = await guestToken(server, 'Ada');
    const p2p = (await postJson(`${server.url}/p2p`, {}, token)).body.sessionId as string;
    const signaling = await withTicket(server, `/p2p/${p2p}`, await ticketFor(server, token));
    expect(signaling).toBeInstanceOf(TestClient);
    const { joinCode } = await createSession(server, token, { policy: 'open' });
    const byCode = await withTicket(server, `/join/${joinCode}`, await ticketFor(server, token));
    expect(byCode).toBeInstanceOf(TestClient);
    await (byCode as TestClient).close();
    await (signaling as TestClient).close();
  });

  it('expire after ticketTtlSeconds seconds, and with the token they were issued for', async () => {
    const clock = new ManualClock(Date.now());
    server = await startServer({ clock, ticketTtlSeconds: 30, jwtSecret: SECRET });
    const { session } = await hostSession(server, { policy: 'open' });
    const { token } = await guestToken(server, 'Grace');
    const path = `/rooms/${session.roomId}`;

    const early = await ticketFor(server, token);
    const late = await ticketFor(server, token);
    clock.advance(29_999);
    const used = await withTicket(server, path, early);
    expect(used).toBeInstanceOf(TestClient);
    clock.advance(1);
    expect(await withTicket(server, path, late)).toBe(401);

    // A token that runs out before its ticket is used takes the ticket with it.
    const exp = Math.floor(clock.now() / 1000) + 10;
    const shortLived = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const ticket = await ticketFor(server, shortLived);
    clock.advance(exp * 1000 - clock.now());
    expect(await withTicket(server, path, ticket)).toBe(401);
    await (used as TestClient).close();
  });

  it('are refused with a clear 401 when unknown or malformed, and only issued for a valid token', async () => {
    server = await startServer();
    const { session } = await hostSession(server, { policy: 'open' });
    const path = `/rooms/${session.roomId}`;
    expect(await withTicket(server, path, 'A'.repeat(43))).toBe(401);
    expect(await withTicket(server, path, 'not a ticket')).toBe(401);
    expect((await refusal(server, `${path}?ticket=${'A'.repeat(43)}`)).message).toMatch(
      /ticket is unknown, used or expired/,
    );
    expect((await refusal(server, `${path}?ticket=short`)).message).toMatch(/ticket is malformed/);

    const none = await postJson(`${server.url}/tickets`, {});
    expect(none.status).toBe(401);
    const bad = await postJson(`${server.url}/tickets`, {}, 'not.a.jwt');
    expect(bad.status).toBe(401);
    expect(bad.body.ticket).toBeUndefined();
  });

  it('are limited to ticketsPerUser within a ticket lifetime (429)', async () => {
    server = await startServer({ ticketsPerUser: 3 });
    const { token } = await guestToken(server, 'Ada');
    for (let i = 0; i < 3; i++) expect((await postJson(`${server.url}/tickets`, {}, token)).status).toBe(201);
    const over = await postJson(`${server.url}/tickets`, {}, token);
    expect(over.status).toBe(429);
    expect(over.body.message).toMatch(/tickets/);
    const other = await guestToken(server, 'Grace');
    expect((await postJson(`${server.url}/tickets`, {}, other.token)).status).toBe(201);
  });

  it('keep ?token= working for plain WebSocket clients', async () => {
    server = await startServer();
    const { session, token } = await hostSession(server, { policy: 'open' });
    const plain = await TestClient.open(`${server.wsUrl}/rooms/${session.roomId}?token=${token}`);
    await plain.close();
  });
});

describe.skipIf(skipRedis || skipPostgres)('connection tickets in a cluster', () => {
  const data = tempDataDir();
  const schema = uniqueSchema();
  const prefix = uniquePrefix();
  const servers: TandemServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    await dropSchema(schema);
    await dropPrefix(prefix);
    data.remove();
  });

  it('are issued by one server, accepted once by another, and refused by every server after', async () => {
    const config = {
      data: data.dir,
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: REDIS_URL,
      redisPrefix: prefix,
    };
    const a = await startServer(config);
    servers.push(a);
    const b = await startServer(config);
    servers.push(b);
    const { host, session } = await hostSession(a, { policy: 'open' });
    const { token, userId } = await guestToken(a, 'Grace');
    const ticket = await ticketFor(a, token);

    const onB = await withTicket(b, `/rooms/${session.roomId}`, ticket);
    if (typeof onB === 'number') throw new Error(`refused ${onB}`);
    onB.send({ type: 'hello', version: 1, clientId: '', name: '', since: 0 });
    expect(await onB.next('welcome')).toMatchObject({ userId });
    await onB.admitted();

    expect(await withTicket(a, `/rooms/${session.roomId}`, ticket)).toBe(401);
    expect(await withTicket(b, `/rooms/${session.roomId}`, ticket)).toBe(401);

    // Presented to both servers at once, a ticket opens one connection.
    const raced = await ticketFor(b, token);
    const outcomes = await Promise.all([a, b].map((node) => withTicket(node, `/p2p/nss-ab12cd-3xy7`, raced)));
    expect(outcomes.filter((o) => o === 401)).toHaveLength(1);
    for (const o of outcomes) if (o instanceof TestClient) await o.closed;
    await onB.close();
    await host.close();
  });
});
