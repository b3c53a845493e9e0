import { closeCodeOf, decode, ErrorCode, encode, HOST_PEER, P2P_SESSION_ID } from '@tandem/protocol';
import { ManualClock, type RoomSocket } from '@tandem/room';
import { afterEach, describe, expect, it } from 'vitest';
import { Refusal } from '../src/refusal.js';
import type { TandemServer } from '../src/server.js';
import { SignalingHub } from '../src/signaling/hub.js';
import { TestClient } from './support/client.js';
import { guestToken, postJson, startServer } from './support/server.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('the signaling endpoint', () => {
  let server: TandemServer;
  afterEach(() => server?.close());

  async function start(config: Parameters<typeof startServer>[0] = {}) {
    server = await startServer(config);
    return server;
  }

  async function p2pHost(name = 'Ada') {
    const { token, userId } = await guestToken(server, name);
    const created = await postJson(`${server.url}/p2p`, {}, token);
    expect(created.status).toBe(201);
    const sessionId = created.body.sessionId as string;
    const host = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${token}`);
    return { host, sessionId, token, userId, created: created.body };
  }

  async function p2pGuest(sessionId: string, name: string) {
    const { token, userId } = await guestToken(server, name);
    return { guest: await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${token}`), userId, token };
  }

  it('introduces each guest to the host with its verified identity and relays offers, answers and candidates', async () => {
    await start({ iceServers: 'stun:stun.example.org:3478' });
    const { token } = await guestToken(server, 'Ada');
    const created = await postJson(`${server.url}/p2p`, {}, token);
    const sessionId = created.body.sessionId as string;
    expect(sessionId).toMatch(P2P_SESSION_ID);
    expect(created.body).toMatchObject({
      signalingPath: `/p2p/${sessionId}`,
      iceServers: [{ urls: 'stun:stun.example.org:3478' }],
    });
    // Found as soon as it is created (a guest arriving before the host then waits for it).
    const early = await fetch(`${server.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(early.status).toBe(200);
    const host = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${token}`);
    await host.send({ type: 'ping', nonce: 7 });
    await host.next('pong', (p) => p.nonce === 7);
    const found = await fetch(`${server.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(found.status).toBe(200);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/\ntandem_p2p_sessions 1\n/);

    const { guest, userId } = await p2pGuest(sessionId, 'Grace');
    const join = await host.next('signal', (s) => s.kind === 'join');
    expect(join.peer).toBe(1);
    expect(JSON.parse(text(join.payload))).toEqual({ userId, name: 'Grace' });

    host.send({ type: 'signal', peer: 1, kind: 'offer', payload: bytes('{"sdp":"offer"}') });
    const offer = await guest.next('signal', (s) => s.kind === 'offer');
    expect([offer.peer, text(offer.payload)]).toEqual([HOST_PEER, '{"sdp":"offer"}']);
    guest.send({ type: 'signal', peer: 0, kind: 'answer', payload: bytes('{"sdp":"answer"}') });
    guest.send({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('{"candidate":"c1"}') });
    expect(text((await host.next('signal', (s) => s.kind === 'answer' && s.peer === 1)).payload)).toBe(
      '{"sdp":"answer"}',
    );
    expect(text((await host.next('signal', (s) => s.kind === 'ice' && s.peer === 1)).payload)).toBe(
      '{"candidate":"c1"}',
    );

    // A second guest gets its own peer number; the first leaving is told to the host.
    const second = await p2pGuest(sessionId, 'Linus');
    expect((await host.next('signal', (s) => s.kind === 'join')).peer).toBe(2);
    await guest.close();
    expect((await host.next('signal', (s) => s.kind === 'leave')).peer).toBe(1);

    // The host ending the session (a clean close) ends it: its guests are told, and the id is gone.
    host.ws.close(1000);
    expect((await second.guest.next('signal', (s) => s.kind === 'leave')).peer).toBe(HOST_PEER);
    expect((await second.guest.closed).code).toBe(closeCodeOf(ErrorCode.RoomClosed));
    const gone = await fetch(`${server.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(404);
  });

  it('refuses what a signaling connection may not do, each with its error, and keeps relaying', async () => {
    await start();
    const { host, sessionId } = await p2pHost();
    const { guest } = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');

    guest.send({ type: 'signal', peer: 2, kind: 'offer', payload: bytes('x') });
    expect((await guest.next('error')).message).toMatch(/signals the host \(peer 0\) only/);
    guest.send({ type: 'signal', peer: 0, kind: 'join', payload: bytes('{}') });
    expect((await guest.next('error')).code).toBe(ErrorCode.BadMessage);
    guest.send({ type: 'signal', peer: 0, kind: 'ice', payload: new Uint8Array(16 * 1024 + 1) });
    expect((await guest.next('error')).code).toBe(ErrorCode.PayloadTooLarge);
    guest.send({ type: 'chatSend', rid: 1, body: bytes('"hi"') });
    expect((await guest.next('error')).message).toMatch(/only signal and ping/);
    guest.ws.send(new Uint8Array([0xfe]));
    expect((await guest.next('error')).code).toBe(ErrorCode.BadMessage);
    host.send({ type: 'signal', peer: 9, kind: 'offer', payload: bytes('x') });
    expect((await host.next('error')).code).toBe(ErrorCode.NotFound);

    guest.send({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('still here') });
    expect(text((await host.next('signal', (s) => s.kind === 'ice')).payload)).toBe('still here');
  });

  it('refuses a guest of an unknown session, one who arrives before the host, and one of a full session', async () => {
    await start({ maxParticipants: 2 });
    const { token } = await guestToken(server, 'Eve');
    const unknown = await TestClient.open(`${server.wsUrl}/p2p/nss-aaaaaa-aaaa?token=${token}`);
    expect((await unknown.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));

    const ada = await guestToken(server, 'Ada');
    const created = await postJson(`${server.url}/p2p`, {}, ada.token);
    const sessionId = created.body.sessionId as string;
    // Before the host connects the session exists (a guest's GET finds it) and waits: a guest is
    // told to try again.
    const tooEarly = await p2pGuest(sessionId, 'Grace');
    expect((await tooEarly.guest.closed).code).toBe(closeCodeOf(ErrorCode.HostAway));
    const found = await fetch(`${server.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${tooEarly.token}` },
    });
    expect(found.status).toBe(200);
    expect((await found.json()).you).toEqual({ userId: tooEarly.userId, name: 'Grace' });

    const host = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${ada.token}`);
    const first = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');
    const extra = await p2pGuest(sessionId, 'Linus');
    expect((await extra.guest.closed).code).toBe(closeCodeOf(ErrorCode.RoomFull));
    expect(first.guest.ws.readyState).toBe(first.guest.ws.OPEN);

    // Signaling URLs are checked like room URLs: a malformed id is not one, and a token is required.
    await expect(TestClient.open(`${server.wsUrl}/p2p/nss-bad?token=${ada.token}`)).rejects.toMatchObject({
      status: 404,
    });
    await expect(TestClient.open(`${server.wsUrl}/p2p/${sessionId}`)).rejects.toMatchObject({ status: 401 });
    expect((await postJson(`${server.url}/p2p`, {})).status).toBe(401);
  });

  it('lets the host’s newest connection host: the one it replaces, and guests being introduced to it, are told HostAway', async () => {
    await start();
    const { host, sessionId, token } = await p2pHost();
    const grace = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');
    // The host's page reloads before the server has noticed the old one is gone (or a second tab).
    const reloaded = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${token}`);
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.HostAway));
    expect((await grace.guest.closed).code).toBe(closeCodeOf(ErrorCode.HostAway));
    const again = await p2pGuest(sessionId, 'Grace');
    const join = await reloaded.next('signal', (s) => s.kind === 'join');
    expect(JSON.parse(text(join.payload))).toMatchObject({ userId: again.userId });
    // The replaced connection closing later changes nothing.
    expect(server.signaling.size).toBe(1);
    reloaded.send({ type: 'ping', nonce: 4 });
    await reloaded.next('pong', (p) => p.nonce === 4);
  });

  it('keeps the session when the host’s connection drops, for the host to connect again', async () => {
    await start();
    const { host, sessionId, token } = await p2pHost();
    const grace = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');
    host.ws.terminate();
    // A guest mid-handshake goes on signaling the host that is gone: nothing breaks (the server
    // stays up), and the guest is told to connect again, since the host that returns will not
    // know it.
    grace.guest.send({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('into the gap') });
    expect((await grace.guest.closed).code).toBe(closeCodeOf(ErrorCode.HostAway));
    const during = await p2pGuest(sessionId, 'Linus');
    expect((await during.guest.closed).code).toBe(closeCodeOf(ErrorCode.HostAway));
    const back = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${token}`);
    back.send({ type: 'ping', nonce: 2 });
    await back.next('pong');
    // Connecting again, the guest is introduced to the host's new connection, and they signal.
    const again = await TestClient.open(`${server.wsUrl}/p2p/${sessionId}?token=${grace.token}`);
    const join = await back.next('signal', (s) => s.kind === 'join');
    expect(JSON.parse(text(join.payload))).toMatchObject({ userId: grace.userId });
    again.send({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('after the drop') });
    const ice = await back.next('signal', (s) => s.kind === 'ice');
    expect([ice.peer, text(ice.payload)]).toEqual([join.peer, 'after the drop']);
  });

  it('lets a user keep only a few sessions waiting for them to connect', async () => {
    await start();
    const { token } = await guestToken(server, 'Hoarder');
    for (let i = 0; i < 3; i++) expect((await postJson(`${server.url}/p2p`, {}, token)).status).toBe(201);
    const fourth = await postJson(`${server.url}/p2p`, {}, token);
    expect([fourth.status, fourth.body.error]).toEqual([429, 'HostLimit']);
    expect(server.signaling.size).toBe(3);
  });

  it('closes a connection whose frame meets a bug (Internal), and goes on serving everyone else', async () => {
    await start();
    const { host, sessionId } = await p2pHost();
    const grace = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');
    // A defect where frames go, as the one that once crashed the whole server on a guest's signal.
    const receive = server.signaling.receive.bind(server.signaling);
    server.signaling.receive = (id, from, frame) => {
      if (from.identity.userId === grace.userId) throw new Error('a bug');
      receive(id, from, frame);
    };
    grace.guest.send({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('{}') });
    expect((await grace.guest.closed).code).toBe(closeCodeOf(ErrorCode.Internal));
    host.send({ type: 'ping', nonce: 9 });
    await host.next('pong', (p) => p.nonce === 9);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('tells every host and guest to reconnect when the server shuts down', async () => {
    await start();
    const { host, sessionId } = await p2pHost();
    const { guest } = await p2pGuest(sessionId, 'Grace');
    await host.next('signal', (s) => s.kind === 'join');
    await server.close();
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.ServerShutdown));
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.ServerShutdown));
  });
});

describe('the signaling hub', () => {
  /** A socket that records what it was sent. */
  function recorder() {
    const sent: Uint8Array[] = [];
    const closed: number[] = [];
    const socket: RoomSocket = { send: (f) => sent.push(f), close: (code) => closed.push(code) };
    return { socket, sent, closed };
  }

  it('forgets a session whose host never connects, after the wait', () => {
    const clock = new ManualClock();
    const hub = new SignalingHub(clock, Math.random, { hostWaitMs: 60_000 });
    const id = hub.create({ userId: 'ada', name: 'Ada' });
    clock.advance(59_999);
    expect(hub.size).toBe(1);
    clock.advance(1);
    expect(hub.size).toBe(0);
    expect(() => hub.connect(id, { userId: 'ada', name: 'Ada' }, recorder().socket)).toThrow(Refusal);
  });

  it('ends a session whose host dropped and did not come back in time', () => {
    const clock = new ManualClock();
    const hub = new SignalingHub(clock, Math.random, { hostReturnMs: 30_000 });
    const id = hub.create({ userId: 'ada', name: 'Ada' });
    const host = hub.connect(id, { userId: 'ada', name: 'Ada' }, recorder().socket);
    const guest = recorder();
    hub.connect(id, { userId: 'grace', name: 'Grace' }, guest.socket);
    hub.disconnect(id, host);
    // Its guests' signaling is told to try again; the session waits.
    expect([hub.size, guest.closed]).toEqual([1, [closeCodeOf(ErrorCode.HostAway)]]);
    clock.advance(29_999);
    expect(() => hub.connect(id, { userId: 'grace', name: 'Grace' }, recorder().socket)).toThrow(
      expect.objectContaining({ code: ErrorCode.HostAway }),
    );
    clock.advance(1);
    expect(hub.size).toBe(0);
    expect(() => hub.connect(id, { userId: 'grace', name: 'Grace' }, recorder().socket)).toThrow(
      expect.objectContaining({ code: ErrorCode.RoomNotFound }),
    );
  });

  it('drops signals over the budget (telling the sender once a second) and closes a flood', () => {
    const clock = new ManualClock();
    const hub = new SignalingHub(clock, Math.random, { signalsPerSecond: 5 });
    const id = hub.create({ userId: 'ada', name: 'Ada' });
    const host = recorder();
    const hostPeer = hub.connect(id, { userId: 'ada', name: 'Ada' }, host.socket);
    const guest = recorder();
    const guestPeer = hub.connect(id, { userId: 'grace', name: 'Grace' }, guest.socket);
    const ice = encode({ type: 'signal', peer: 0, kind: 'ice', payload: bytes('c') });
    host.sent.length = 0;
    for (let i = 0; i < 8; i++) hub.receive(id, guestPeer, ice);
    expect(host.sent).toHaveLength(5);
    expect(guest.sent).toHaveLength(1); // one RateLimited error for the three dropped
    clock.advance(1_000);
    hub.receive(id, guestPeer, ice);
    expect(host.sent).toHaveLength(6);

    // Past three times the budget for five seconds in a row: closed, and its host told it left.
    for (let s = 0; s < 5; s++) {
      clock.advance(1_000);
      for (let i = 0; i < 16; i++) hub.receive(id, guestPeer, ice);
    }
    expect(guest.closed).toEqual([closeCodeOf(ErrorCode.Flood)]);
    expect(decode(host.sent.at(-1)!)).toMatchObject({ type: 'signal', peer: guestPeer.peer, kind: 'leave' });
    // It is gone: the host's signals to it are refused.
    hub.receive(
      id,
      hostPeer,
      encode({ type: 'signal', peer: guestPeer.peer, kind: 'ice', payload: bytes('x') }),
    );
    expect(decode(host.sent.at(-1)!)).toMatchObject({ type: 'error', code: ErrorCode.NotFound });
  });
});
