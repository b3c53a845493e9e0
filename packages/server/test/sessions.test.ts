import { closeCodeOf, ErrorCode, MESSAGES } from '@tandem/protocol';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import {
  createSession,
  guestToken,
  hostSession,
  joinAs,
  postJson,
  roomUrl,
  startServer,
} from './support/server.js';

let server: TandemServer;
const bytes = (s: string) => new TextEncoder().encode(s);

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('guest tokens', () => {
  it('issues a signed guest token with a random user id and the chosen name', async () => {
    const res = await postJson(`${server.url}/auth/guest`, { name: '  Ada  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Ada' });
    expect(res.body.userId).toMatch(/^guest_/);
    const other = await postJson(`${server.url}/auth/guest`, { name: 'Ada' });
    expect(other.body.userId).not.toBe(res.body.userId);
  });

  it('refuses an empty or missing name', async () => {
    expect((await postJson(`${server.url}/auth/guest`, { name: '   ' })).status).toBe(400);
    expect((await postJson(`${server.url}/auth/guest`, {})).status).toBe(400);
  });

  it('refreshes a guest token for the same user, who keeps the host role', async () => {
    const first = await postJson(`${server.url}/auth/guest`, { name: 'Ada' });
    const session = await createSession(server, first.body.token as string);
    const renewed = await postJson(`${server.url}/auth/guest/refresh`, {}, first.body.token as string);
    expect(renewed.status).toBe(201);
    expect(renewed.body).toMatchObject({ userId: first.body.userId, name: 'Ada' });
    expect(renewed.body.expiresAt as number).toBeGreaterThanOrEqual(first.body.expiresAt as number);
    const host = await (
      await TestClient.join(roomUrl(server, session.roomId, renewed.body.token as string))
    ).admitted();
    expect(host.welcome).toMatchObject({ role: 'host', userId: first.body.userId });
    await host.close();
  });

  it('refreshes only a valid guest token, and says why not', async () => {
    const refresh = (token?: string) => postJson(`${server.url}/auth/guest/refresh`, {}, token);
    expect(await refresh()).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
    expect(await refresh('not.a.jwt')).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
    const secret = 'a-project-secret-of-at-least-32-bytes!!';
    const app = await startServer({ jwtSecret: secret });
    try {
      const own = await new SignJWT({ sub: 'user-1', email: 'ada@example.com' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      const res = await postJson(`${app.url}/auth/guest/refresh`, {}, own);
      expect(res).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    } finally {
      await app.close();
    }
  });

  it('requires a token to start a session', async () => {
    expect((await postJson(`${server.url}/sessions`, {})).status).toBe(401);
  });
});

describe('sessions: join code, invite link and waiting room', () => {
  it('returns a short unambiguous join code and an invite link', async () => {
    const { session } = await hostSession(server);
    expect(session.joinCode).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{6}$/);
    expect(session.inviteUrl).toBe(`${server.url}/?join=${session.joinCode}`);
  });

  it('takes a guest through the waiting room by join code: nothing of the room until the host adds them', async () => {
    const { host, session } = await hostSession(server);
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"lesson":"secret"}') });
    await host.next('docAck');
    host.send({ type: 'chatSend', rid: 2, body: bytes('"host only"') });

    const { token } = await guestToken(server, 'Bob');
    const frames: number[] = [];
    const guest = await TestClient.open(
      `${server.wsUrl}/join/${session.joinCode.toLowerCase()}?token=${token}`,
    );
    guest.ws.on('message', (data) => frames.push((data as Buffer)[0]!));
    guest.send({ type: 'hello', version: 1, clientId: '', name: '', since: 0 });
    expect((await guest.next('admission')).state).toBe('waiting');
    const waiting = await host.next('waitingList', (w) => w.waiting.length === 1);
    expect(waiting.waiting[0]).toMatchObject({ name: 'Bob' });
    host.send({ type: 'cursor2d', x: 1, y: 1 });
    host.send({ type: 'chatSend', rid: 3, body: bytes('"still private"') });
    await host.next('chat', (c) => c.rid === 3);
    expect(new Set(frames)).toEqual(new Set([MESSAGES.welcome.tag, MESSAGES.admission.tag]));

    host.send({ type: 'admit', action: 'admit', slot: waiting.waiting[0]!.slot });
    await guest.admitted();
    expect(guest.of('lwwDoc').at(-1)?.doc).toEqual(bytes('{"lesson":"secret"}'));
    guest.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"lesson":"edited"}') });
    expect((await host.next('lwwDoc', (d) => d.slot === guest.welcome.slot)).doc).toEqual(
      bytes('{"lesson":"edited"}'),
    );
  });

  it('closes a declined guest with the declined code', async () => {
    const { host, session } = await hostSession(server);
    const { token } = await guestToken(server, 'Eve');
    const guest = await TestClient.join(roomUrl(server, session.roomId, token));
    const { waiting } = await host.next('waitingList', (w) => w.waiting.length === 1);
    host.send({ type: 'admit', action: 'decline', slot: waiting[0]!.slot });
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.Declined));
  });

  it('admits a trusted email without waiting, and makes everyone else wait', async () => {
    const secret = 'trusted-test-secret-of-at-least-32-bytes';
    const app = await startServer({ jwtSecret: secret });
    try {
      const sign = (sub: string, email: string) =>
        new SignJWT({ sub, email })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(secret));
      const hostToken = await sign('teacher', 'teacher@example.com');
      const session = await createSession(app, hostToken, { trusted: ['Carol@Example.com'] });
      const host = await (await TestClient.join(roomUrl(app, session.roomId, hostToken))).admitted();
      expect((await host.next('settings')).trusted).toEqual(['carol@example.com']);
      const carol = await TestClient.join(
        roomUrl(app, session.roomId, await sign('carol', 'carol@example.com')),
      );
      await carol.admitted();
      expect(carol.of('admission').map((a) => a.state)).toEqual(['admitted']);
      const dave = await TestClient.join(
        roomUrl(app, session.roomId, await sign('dave', 'dave@example.com')),
      );
      expect((await dave.next('admission')).state).toBe('waiting');
    } finally {
      await app.close();
    }
  });

  it('tells a client joining an unknown room or code so, with a clear close code', async () => {
    const { token } = await guestToken(server, 'Lost');
    const byId = await TestClient.join(`${server.wsUrl}/rooms/nope?token=${token}`);
    expect((await byId.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));
    const byCode = await TestClient.join(`${server.wsUrl}/join/ZZZZZZ?token=${token}`);
    expect((await byCode.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));
  });

  it('resolves a join code over HTTP for an authenticated caller', async () => {
    const { session, token } = await hostSession(server);
    const res = await fetch(`${server.url}/sessions/${session.joinCode}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await res.json()).toMatchObject({ roomId: session.roomId });
    expect((await fetch(`${server.url}/sessions/${session.joinCode}`)).status).toBe(401);
  });

  it('stops an address guessing join codes, even with a fresh guest id per guess', async () => {
    const guesser = await startServer({ codeMissesPerMinute: 3 });
    try {
      const { session, token } = await hostSession(guesser);
      const lookup = async (code: string) => {
        const fresh = await guestToken(guesser, 'Guesser');
        return fetch(`${guesser.url}/sessions/${code}`, {
          headers: { authorization: `Bearer ${fresh.token}` },
        });
      };
      expect((await lookup(session.joinCode)).status).toBe(200);
      for (const code of ['AAAAAA', 'BBBBBB', 'CCCCCC']) expect((await lookup(code)).status).toBe(404);
      const refused = await lookup(session.joinCode);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: 'JoinRateLimited' });
      // When the oldest miss leaves the minute: no sooner than the rest of it.
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(50);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const overWs = await TestClient.join(`${guesser.wsUrl}/join/${session.joinCode}?token=${token}`);
      expect((await overWs.closed).code).toBe(closeCodeOf(ErrorCode.JoinRateLimited));
      // Joining by room id is not a guess: the host's own link still works.
      const byId = await TestClient.join(roomUrl(guesser, session.roomId, token));
      await byId.admitted();
      await byId.close();
    } finally {
      await guesser.close();
    }
  });

  it('validates session options', async () => {
    const { token } = await guestToken(server, 'H');
    expect((await postJson(`${server.url}/sessions`, { policy: 'everyone' }, token)).status).toBe(400);
    expect((await postJson(`${server.url}/sessions`, { docMode: 'crdt' }, token)).status).toBe(400);
    expect((await postJson(`${server.url}/sessions`, { trusted: ['not-an-email'] }, token)).status).toBe(400);
  });
});

describe('health and metrics', () => {
  it('reports health and Prometheus metrics', async () => {
    const { host } = await hostSession(server);
    host.send({ type: 'cursor2d', x: 1, y: 2 });
    host.send({ type: 'ping', nonce: 1 });
    await host.next('pong');
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', rooms: 1, connections: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_connections 1/);
    expect(metrics).toMatch(/tandem_messages_in_total\{type="cursor2d"\} 1/);
    expect(metrics).toMatch(/tandem_messages_out_total\{type="pong"\} 1/);
    expect(metrics).toMatch(/tandem_store_seconds_count\{op="write"\}/);
  });

  it("adds the process's metrics, one set shared by every server in the process", async () => {
    const other = await startServer();
    try {
      for (const url of [server.url, other.url]) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/\nnodejs_active_handles_total \d+\n/);
        expect(metrics).toMatch(/\nnodejs_active_resources_total \d+\n/);
        expect(metrics).toMatch(/\nnodejs_heap_size_used_bytes \d+\n/);
        expect(metrics).toMatch(/\nprocess_resident_memory_bytes \d+\n/);
        expect(metrics.match(/^# TYPE nodejs_heap_size_used_bytes /gm)).toHaveLength(1);
        expect(metrics).toMatch(/\ntandem_rooms 0\n/);
      }
    } finally {
      await other.close();
    }
  });
});

describe('read-only participants over real sockets', () => {
  it('the host admits a waiting guest as a viewer: it sees everything, and its edits change nothing', async () => {
    const { host, session } = await hostSession(server);
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck');
    host.send({ type: 'lockAcquire', rid: 2, resource: 'title' });
    await host.next('lockGranted');

    const { token } = await guestToken(server, 'Vera');
    const viewer = await TestClient.join(roomUrl(server, session.roomId, token));
    const { waiting } = await host.next('waitingList', (w) => w.waiting.length === 1);
    const slot = waiting[0]!.slot;
    host.send({ type: 'setAccess', slot, access: 'read' });
    host.send({ type: 'admit', action: 'admit', slot });
    await viewer.admitted();
    expect(viewer.of('peerAccess')).toEqual([{ type: 'peerAccess', slot, access: 'read' }]);
    expect(await host.next('peerAccess')).toEqual({ type: 'peerAccess', slot, access: 'read' });
    expect(viewer.of('lwwDoc').at(-1)?.doc).toEqual(bytes('{"v":1}'));

    viewer.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":"mine"}') });
    viewer.send({ type: 'lockAcquire', rid: 2, resource: 'other' });
    viewer.send({ type: 'accessRequest', rid: 3, resource: 'title', message: 'please' });
    for (const rid of [1, 2, 3]) {
      const error = await viewer.next('error', (e) => e.rid === rid);
      expect(error.code).toBe(ErrorCode.Forbidden);
      expect(error.message).toMatch(/^you are a viewer in this room/);
    }
    // Its chat and cursor still reach the host, after which anything its edits caused would have too.
    viewer.send({ type: 'cursor2d', x: 5, y: 6 });
    viewer.send({ type: 'chatSend', rid: 4, body: bytes('"just looking"') });
    await host.next('chat', (c) => c.slot === slot);
    await host.next('peerCursor2d', (c) => c.slot === slot);
    expect(host.of('lwwDoc').filter((d) => d.slot !== 0)).toEqual([]);
    expect(host.of('accessRequested')).toEqual([]);
    expect(host.of('lockState').filter((l) => l.resource === 'other')).toEqual([]);

    // A late joiner gets the host's document, and learns who the viewer is.
    const late = await joinAsAdmitted(session.roomId, host);
    expect(late.of('lwwDoc').at(-1)).toMatchObject({ version: 1, doc: bytes('{"v":1}') });
    expect(late.of('peerAccess')).toEqual([{ type: 'peerAccess', slot, access: 'read' }]);

    // The host's edits still reach the viewer live.
    host.send({ type: 'lwwSet', rid: 3, resource: 'title', doc: bytes('{"v":2}') });
    expect((await viewer.next('lwwDoc', (d) => d.version === 2)).doc).toEqual(bytes('{"v":2}'));
  });

  it('switches an admitted guest to viewer and back; a guest may not', async () => {
    const { host, session } = await hostSession(server, { policy: 'open' });
    const bob = await joinAs(server, session.roomId, 'Bob');
    const carol = await joinAs(server, session.roomId, 'Carol');
    carol.send({ type: 'setAccess', slot: bob.welcome.slot, access: 'read' });
    expect(await carol.next('error')).toMatchObject({ code: ErrorCode.Forbidden });

    bob.send({ type: 'lockAcquire', rid: 1, resource: 'title' });
    await bob.next('lockGranted');
    host.send({ type: 'setAccess', slot: bob.welcome.slot, access: 'read' });
    expect(await carol.next('peerAccess')).toEqual({
      type: 'peerAccess',
      slot: bob.welcome.slot,
      access: 'read',
    });
    // Its lock is free for the editors at once.
    await carol.next('lockState', (l) => l.resource === 'title' && l.reason === 'released');
    bob.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('x') });
    expect(await bob.next('error', (e) => e.rid === 2)).toMatchObject({ code: ErrorCode.Forbidden });

    host.send({ type: 'setAccess', slot: bob.welcome.slot, access: 'write' });
    await bob.next('peerAccess', (a) => a.access === 'write');
    bob.send({ type: 'lwwSet', rid: 3, resource: '', doc: bytes('y') });
    await bob.next('docAck', (a) => a.rid === 3);
  });
});

/** A new guest in an open room or, in a host-approval room, admitted by `host`. */
async function joinAsAdmitted(roomId: string, host: TestClient): Promise<TestClient> {
  const { token } = await guestToken(server, 'Late');
  const late = await TestClient.join(roomUrl(server, roomId, token));
  const { waiting } = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === 'Late'));
  host.send({ type: 'admit', action: 'admit', slot: waiting.find((g) => g.name === 'Late')!.slot });
  return late.admitted();
}
