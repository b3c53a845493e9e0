import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const bytes = (s: string) => new TextEncoder().encode(s);

describe('per-user limits across rooms', () => {
  it('allows 5 joins per minute per user and refuses the 6th with the join-rate code', async () => {
    server = await startServer();
    const { session } = await hostSession(server, { policy: 'open' });
    const { token } = await guestToken(server, 'Hopper');
    for (let i = 0; i < 5; i++) {
      const c = await (await TestClient.join(roomUrl(server, session.roomId, token))).admitted();
      await c.close();
    }
    const sixth = await TestClient.join(roomUrl(server, session.roomId, token));
    expect((await sixth.closed).code).toBe(closeCodeOf(ErrorCode.JoinRateLimited));
  });

  it('allows 6 concurrently hosted rooms per user and refuses the 7th', async () => {
    server = await startServer();
    const { token } = await guestToken(server, 'Busy');
    for (let i = 0; i < 6; i++) await createSession(server, token);
    const seventh = await postJson(`${server.url}/sessions`, {}, token);
    expect(seventh.status).toBe(429);
    expect(seventh.body.error).toBe('HostLimit');
  });

  it('counts sessions against the hosted-room limit, not their companion rooms', async () => {
    server = await startServer({ maxHostedRooms: 2 });
    const { token } = await guestToken(server, 'Teacher');
    for (let i = 0; i < 2; i++) {
      const { roomId } = await createSession(server, token);
      for (const docMode of ['yjs', 'lww'])
        expect(
          (await postJson(`${server.url}/sessions`, { companionOf: roomId, docMode }, token)).status,
        ).toBe(201);
    }
    const third = await postJson(`${server.url}/sessions`, {}, token);
    expect([third.status, third.body.message]).toEqual([
      429,
      'you already host 2 sessions, the most allowed',
    ]);
  });

  it('takes the limits from options', async () => {
    server = await startServer({ maxHostedRooms: 1, joinsPerMinute: 100 });
    const { token } = await guestToken(server, 'One');
    await createSession(server, token);
    expect((await postJson(`${server.url}/sessions`, {}, token)).status).toBe(429);
  });
});

describe('per-room and per-connection limits over real sockets', () => {
  it('refuses the 11th participant with the room-full code', async () => {
    server = await startServer({ joinsPerMinute: 100 });
    const { session } = await hostSession(server, { policy: 'open' });
    const peers: TestClient[] = [];
    for (let i = 0; i < 9; i++) {
      const { token } = await guestToken(server, `p${i}`);
      peers.push(await (await TestClient.join(roomUrl(server, session.roomId, token))).admitted());
    }
    const { token } = await guestToken(server, 'eleventh');
    const eleventh = await TestClient.join(roomUrl(server, session.roomId, token));
    expect((await eleventh.closed).code).toBe(closeCodeOf(ErrorCode.RoomFull));
  });

  it('drops the 9th document edit within a second and tells the sender', async () => {
    server = await startServer();
    const { host } = await hostSession(server, { policy: 'open' });
    for (let i = 1; i <= 9; i++) host.send({ type: 'lwwSet', rid: i, resource: '', doc: bytes(`v${i}`) });
    expect(await host.next('error')).toMatchObject({ code: ErrorCode.RateLimited, rid: 9 });
    await host.next('docAck', (a) => a.rid === 8);
    expect(host.of('docAck').map((a) => a.rid)).not.toContain(9);
  });

  it('drops chat over 2 per second', async () => {
    server = await startServer();
    const { host } = await hostSession(server);
    for (let i = 1; i <= 3; i++) host.send({ type: 'chatSend', rid: i, body: bytes('"hi"') });
    expect(await host.next('error')).toMatchObject({ code: ErrorCode.RateLimited, rid: 3 });
  });

  it('refuses a document over the cap with the too-large code, keeping the stored one', async () => {
    server = await startServer();
    const { host, session, token } = await hostSession(server);
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('kept') });
    await host.next('docAck');
    host.send({ type: 'lwwSet', rid: 2, resource: '', doc: new Uint8Array(513 * 1024) });
    expect(await host.next('error')).toMatchObject({ code: ErrorCode.DocTooLarge, rid: 2 });
    const again = await (await TestClient.join(roomUrl(server, session.roomId, token))).admitted();
    expect(again.of('lwwDoc').at(-1)).toMatchObject({ version: 1, doc: bytes('kept') });
  });
});

/**
 * An open room where `Slow` has stopped reading and its socket is backed up on the server (more
 * document bytes than the loopback kernel buffers hold), while `Fast` keeps up. `others` join too.
 */
async function backedUpRoom(others: string[], options: Parameters<typeof startServer>[0] = {}) {
  server = await startServer({
    cursorRate: 100_000,
    docRate: 100_000,
    slowSoftBytes: 4 * 1024,
    slowHardBytes: 64 * 1024 * 1024,
    ...options,
  });
  const { host, session } = await hostSession(server, { policy: 'open' });
  const people = new Map<string, TestClient>();
  for (const name of ['Fast', 'Slow', ...others])
    people.set(name, await joinAs(server, session.roomId, name));
  const fast = people.get('Fast')!;
  const slow = people.get('Slow')!;
  slow.ws.pause();
  const doc = new Uint8Array(100 * 1024);
  for (let i = 1; i <= 100; i++) host.send({ type: 'lwwSet', rid: i, resource: '', doc });
  await fast.next('lwwDoc', (d) => d.version === 100);
  return { server, host, fast, slow, people };
}

describe('slow consumers', () => {
  it('never shows a backed-up reader a cursor of someone who already left', async () => {
    const { host, fast, slow, people } = await backedUpRoom(['Mover']);
    const mover = people.get('Mover')!;
    for (let i = 1; i <= 50; i++) mover.send({ type: 'cursor2d', x: i, y: 0 });
    await fast.next('peerCursor2d', (c) => c.x === 50);
    const moverSlot = mover.welcome.slot;
    await mover.close();
    await fast.next('peerLeave', (l) => l.slot === moverSlot);
    host.send({ type: 'chatSend', rid: 1, body: bytes('"after"') });
    slow.ws.resume();
    await slow.next('chat');
    const aboutMover = slow.received.filter((m) => 'slot' in m && m.slot === moverSlot && m.type !== 'chat');
    expect(aboutMover.at(-1)?.type).toBe('peerLeave');
  });

  it('coalesces cursors for a reader that stops reading, without slowing the others', async () => {
    // Every move its own frame, so the fast reader's count shows nothing was held back from it.
    const { server, host, fast, slow } = await backedUpRoom([], { cursorTickMs: 0 });
    const total = 20_000;
    // Batches the fast reader drains before the next, as a steady stream would; the paused one can't.
    for (let i = 1; i <= total; i++) {
      host.send({ type: 'cursor2d', x: i, y: 0 });
      if (i % 100 === 0) await fast.next('peerCursor2d', (c) => c.x === i);
    }
    expect(fast.of('peerCursor2d')).toHaveLength(total);
    slow.ws.resume();
    await slow.next('peerCursor2d', (c) => c.x === total);
    expect(slow.of('peerCursor2d').length).toBeLessThan(total);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_drops_total\{reason="coalesced"\} [1-9]/);
  });

  it('takes a backed-up reader’s per-tick cursor frames apart and keeps each sender’s latest', async () => {
    const { server, fast, slow, people } = await backedUpRoom(['A', 'B']);
    const [a, b] = [people.get('A')!, people.get('B')!];
    const rounds = 30;
    // One tick per round: both movers land in one packed frame, which the paused reader must hold.
    for (let i = 1; i <= rounds; i++) {
      a.send({ type: 'cursor2d', x: i, y: 1 });
      b.send({ type: 'cursor2d', x: i, y: 2 });
      await fast.next('peerCursor2d', (c) => c.x === i && c.y === 2);
    }
    slow.ws.resume();
    const [aSlot, bSlot] = [a.welcome.slot, b.welcome.slot];
    await slow.next('peerCursor2d', (c) => c.slot === aSlot && c.x === rounds);
    await slow.next('peerCursor2d', (c) => c.slot === bSlot && c.x === rounds);
    const fromA = slow.of('peerCursor2d').filter((c) => c.slot === aSlot);
    expect(fromA.length).toBeLessThan(rounds);
    expect(fromA.at(-1)).toMatchObject({ x: rounds, y: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_drops_total\{reason="coalesced"\} [1-9]/);
  });

  it('closes a socket that falls too far behind with the slow-consumer code; the room carries on', async () => {
    server = await startServer({ docRate: 100_000, slowSoftBytes: 4 * 1024, slowHardBytes: 256 * 1024 });
    const { host, session } = await hostSession(server, { policy: 'open' });
    const slow = await joinAs(server, session.roomId, 'Slow');
    const fast = await joinAs(server, session.roomId, 'Fast');
    slow.ws.pause();
    const doc = new Uint8Array(100 * 1024);
    for (let i = 1; i <= 200; i++) host.send({ type: 'lwwSet', rid: i, resource: '', doc });
    await fast.next('lwwDoc', (d) => d.version === 200);
    slow.ws.resume();
    expect((await slow.closed).code).toBe(closeCodeOf(ErrorCode.SlowConsumer));
    host.send({ type: 'chatSend', rid: 1, body: bytes('"still here"') });
    await fast.next('chat');
  });

  it('takes a slow consumer out of the room at once, even if it never reads again', async () => {
    server = await startServer({ docRate: 100_000, slowSoftBytes: 4 * 1024, slowHardBytes: 256 * 1024 });
    const { host, session } = await hostSession(server, { policy: 'open' });
    const stuck = await joinAs(server, session.roomId, 'Stuck');
    stuck.ws.pause();
    const doc = new Uint8Array(100 * 1024);
    for (let i = 1; i <= 200; i++) host.send({ type: 'lwwSet', rid: i, resource: '', doc });
    // Without the fix the room kept the stuck peer until ws gave up on the close handshake (30 s).
    const leave = await host.next('peerLeave', (l) => l.slot === stuck.welcome.slot);
    expect(leave.slot).toBe(stuck.welcome.slot);
    stuck.ws.terminate();
  }, 10_000);
});

describe('liveness and token expiry', () => {
  it('drops a peer that stops answering pings within two intervals and removes its presence', async () => {
    server = await startServer({ heartbeatSeconds: 1 });
    const { host, session } = await hostSession(server, { policy: 'open' });
    const { token } = await guestToken(server, 'Ghost');
    const ghost = await (
      await TestClient.join(roomUrl(server, session.roomId, token), 0, { autoPong: false })
    ).admitted();
    const started = Date.now();
    const leave = await host.next('peerLeave', (l) => l.slot === ghost.welcome.slot);
    expect(leave.slot).toBe(ghost.welcome.slot);
    expect(Date.now() - started).toBeLessThan(2_500);
    // The host answers every ping, and its pongs reach the heartbeat: two more rounds, still here.
    for (let round = 0; round < 2; round++) await new Promise((resolve) => host.ws.once('ping', resolve));
    host.send({ type: 'ping', nonce: 7 });
    await host.next('pong', (p) => p.nonce === 7);
  });

  it('closes a connection whose token expires, with the token-expired code', async () => {
    const secret = 'expiry-test-secret-of-at-least-32-bytes!';
    server = await startServer({ jwtSecret: secret, jwtClockToleranceSeconds: 0 });
    const key = new TextEncoder().encode(secret);
    const longToken = await new SignJWT({ sub: 'host' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(key);
    const { roomId } = await createSession(server, longToken, { policy: 'open' });
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortToken = await new SignJWT({ sub: 'short' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(key);
    const client = await (await TestClient.join(roomUrl(server, roomId, shortToken))).admitted();
    expect((await client.closed).code).toBe(closeCodeOf(ErrorCode.TokenExpired));
    expect((await client.next('error')).code).toBe(ErrorCode.TokenExpired);
  });
  it('waits for tokens that expire at many different times on a few timer durations only', async () => {
    // Node keeps an empty timer list for each duration a cleared unref'd timer had, until that
    // duration has passed: one duration per connection would leave one list per connection
    // behind, for as long as its token had left.
    const secret = 'expiry-test-secret-of-at-least-32-bytes!';
    server = await startServer({ jwtSecret: secret });
    const key = new TextEncoder().encode(secret);
    const token = (sub: string, exp: number) =>
      new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(key);
    const now = Math.floor(Date.now() / 1000);
    const { roomId } = await createSession(server, await token('host', now + 3600), { policy: 'open' });
    const delays: number[] = [];
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 30; i++) {
        const client = await (
          await TestClient.join(roomUrl(server, roomId, await token(`p${i}`, now + 600 + 37 * i)))
        ).admitted();
        await client.close();
      }
      // The room's own timers are all shorter than a minute here; the rest wait for an expiry.
      for (const [, ms] of spy.mock.calls) if ((ms ?? 0) >= 60_000) delays.push(ms ?? 0);
    } finally {
      spy.mockRestore();
    }
    expect(delays.length).toBeGreaterThanOrEqual(30);
    expect(new Set(delays).size).toBeLessThanOrEqual(3);
    for (const ms of delays) expect(ms).toBeLessThanOrEqual((37 * 29 + 600) * 1000);
  });
});
