import { closeCodeOf, ErrorCode, MESSAGES } from '@tandem/protocol';
import { Room } from '@tandem/room';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterBus } from '../src/cluster/bus.js';
import { decodeEnvelope, type Envelope, encodeEnvelope } from '../src/cluster/envelope.js';
import { Ownership } from '../src/cluster/ownership.js';
import type { TandemServer } from '../src/server.js';
import { type ServerProcess, spawnServer } from './support/child.js';
import { TestClient } from './support/client.js';
import { TestClusters } from './support/cluster.js';
import { skipPostgres } from './support/postgres.js';
import { connectRedis, dropPrefix, REDIS_URL, skipRedis, uniquePrefix } from './support/redis.js';
import {
  createSession,
  type Endpoint,
  guestToken,
  hostSession,
  postJson,
  roomUrl,
  startServer,
} from './support/server.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const RECONNECT = closeCodeOf(ErrorCode.ServerShutdown);

describe('cluster messages', () => {
  it('carry frames as bytes and the rest as JSON, and refuse what is not one', () => {
    const frame = new Uint8Array([0, 1, 2, 255]);
    for (const envelope of [
      { t: 'in', conn: 'n1:7', frame },
      { t: 'out', conn: 'n1:7', frame },
      { t: 'close', conn: 'n1:7', code: 4022, reason: 'bye' },
      { t: 'open', conn: 'n1:8', from: 'n1', room: 'r1.c2', identity: { userId: 'u', name: 'Ü' } },
      // A viewer stays one on the node that runs its room.
      {
        t: 'open',
        conn: 'n1:9',
        from: 'n1',
        room: 'r1',
        identity: { userId: 'v', name: 'V', access: 'read' },
      },
      { t: 'keep', from: 'n1', conns: ['n1:7', 'n1:8'] },
      { t: 'gone', conns: ['n1:8'] },
    ] as const) {
      expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
    }
    expect(encodeEnvelope({ t: 'in', conn: 'n1:7', frame }).length).toBe(2 + 4 + 4);
    expect(() => decodeEnvelope(new Uint8Array([9, 1]))).toThrow(/unknown cluster message kind/);
    expect(() => decodeEnvelope(new Uint8Array([1, 40, 65]))).toThrow(/truncated/);
    expect(() => decodeEnvelope(new Uint8Array([0, 123]))).toThrow();
  });
});

describe.skipIf(skipRedis)('the cluster bus', () => {
  const prefix = uniquePrefix();
  afterAll(() => dropPrefix(prefix));

  it('reports a malformed message, or one whose handling fails, and goes on with the next', async () => {
    const errors: string[] = [];
    const received: Envelope[] = [];
    let next: () => void = () => {};
    const bus = await ClusterBus.open({
      redisUrl: REDIS_URL,
      prefix,
      nodeId: 'node-a',
      onMessage: (envelope) => {
        if (envelope.t === 'in' && text(envelope.frame) === 'bug') throw new Error('a defect');
        received.push(envelope);
        next();
      },
      onError: (error) => errors.push(error.message),
      onUndelivered: () => undefined,
      onResubscribed: () => undefined,
    });
    try {
      const arrived = new Promise<void>((resolve) => {
        next = resolve;
      });
      await bus.redis.publish(`${prefix}:node:node-a`, Buffer.from([9, 1]));
      bus.send('node-a', { t: 'in', conn: 'c1', frame: bytes('bug') });
      bus.send('node-a', { t: 'in', conn: 'c1', frame: bytes('fine') });
      await arrived;
      expect(received).toEqual([{ t: 'in', conn: 'c1', frame: bytes('fine') }]);
      expect(errors).toEqual(['unknown cluster message kind 9', 'a defect']);
    } finally {
      await bus.close();
    }
  });
});

describe.skipIf(skipRedis)('session ownership', () => {
  const prefix = uniquePrefix();
  afterAll(() => dropPrefix(prefix));

  it('gives a session to one node at a time; only the holder renews or releases it', async () => {
    const redis = await connectRedis();
    try {
      const a = new Ownership(redis, prefix, 'node-a', 60_000);
      const b = new Ownership(redis, prefix, 'node-b', 60_000);
      expect(await a.claim('s1')).toEqual({ owner: 'node-a', generation: 1 });
      expect(await b.claim('s1')).toEqual({ owner: 'node-a', generation: 1 });
      expect(await b.renew(['s1'])).toEqual(['s1']);
      expect(await a.renew(['s1'])).toEqual([]);
      await b.release('s1');
      expect(await a.owner('s1')).toBe('node-a');
      await a.release('s1');
      expect(await a.owner('s1')).toBeNull();
      // Every claim takes a later generation than any before it.
      expect(await b.claim('s1')).toEqual({ owner: 'node-b', generation: 2 });
      expect(await a.claim('s2')).toEqual({ owner: 'node-a', generation: 3 });
      await a.release('s2');
      // Taken over while a thought it held it: a's renewal reports it lost.
      expect(await a.renew(['s1', 's2'])).toEqual(['s1', 's2']);

      // The store holds generation 30 while the counter is below it (Redis restarted empty): only
      // the lease's holder, or anyone when nobody holds it, claims again above 30.
      expect(await a.claim('s3')).toEqual({ owner: 'node-a', generation: 4 });
      expect(await b.claimAbove('s3', undefined, 30)).toEqual({ owner: 'node-a', generation: 4 });
      expect(await a.claimAbove('s3', 4, 30)).toEqual({ owner: 'node-a', generation: 31 });
      expect(await a.claimAbove('s3', 4, 30)).toEqual({ owner: 'node-a', generation: 31 });
      expect(await b.claimAbove('s4', undefined, 30)).toEqual({ owner: 'node-b', generation: 32 });
    } finally {
      redis.disconnect();
    }
  });
});

describe.skipIf(skipRedis || skipPostgres)('a cluster of servers', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  const children: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const child of children.splice(0)) child.child.kill('SIGKILL');
  });
  afterAll(() => clusters.drop());

  async function nodes(count: number, leaseMs?: number): Promise<TandemServer[]> {
    const { config } = clusters.settings(leaseMs);
    const started: TandemServer[] = [];
    for (let i = 0; i < count; i++) started.push(await startServer(config));
    servers.push(...started);
    return started;
  }

  async function join(node: Endpoint, roomId: string, name: string): Promise<TestClient> {
    const { token } = await guestToken(node, name);
    return (await TestClient.join(roomUrl(node, roomId, token))).admitted();
  }

  it('serves a room from the node that hosts it to clients on every node', async () => {
    const [a, b, c] = await nodes(3);
    const { host, session } = await hostSession(a!, { policy: 'open' });
    const onB = await join(b!, session.roomId, 'Grace');
    const onC = await join(c!, session.roomId, 'Linus');
    // One room, on the node that created it; the others only carry their clients' frames.
    expect([a!.registry.size, b!.registry.size, c!.registry.size]).toEqual([1, 0, 0]);
    expect(
      onB
        .of('roster')
        .at(-1)
        ?.participants.map((p) => p.name),
    ).toEqual(['Host', 'Grace']);
    await host.next('peerJoin', (p) => p.name === 'Linus');

    onB.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"b"}') });
    expect((await onB.next('docAck', (a) => a.rid === 1)).version).toBeGreaterThan(0);
    const edited = (d: { version: number }) => d.version > 0;
    expect(text((await host.next('lwwDoc', edited)).doc)).toBe('{"from":"b"}');
    expect(text((await onC.next('lwwDoc', edited)).doc)).toBe('{"from":"b"}');

    onC.send({ type: 'cursor2d', x: 12.5, y: 40 });
    const cursor = await onB.next('peerCursor2d');
    expect([cursor.slot, cursor.x, cursor.y]).toEqual([onC.welcome.slot, 12.5, 40]);

    onB.send({ type: 'chatSend', rid: 2, body: bytes('"hi from b"') });
    expect(text((await onC.next('chat')).body)).toBe('"hi from b"');

    const scrape = async (node: TandemServer) => (await fetch(`${node.url}/metrics`)).text();
    expect(await scrape(a!)).toMatch(
      /tandem_cluster_sessions_owned 1\n[\s\S]*tandem_cluster_remote_connections 2\n/,
    );
    expect(await scrape(b!)).toMatch(/tandem_cluster_forwarded_connections 1\n/);

    // A forwarded client that leaves is gone from the room.
    await onC.close();
    await host.next('peerLeave', (p) => p.slot === onC.welcome.slot);
  });

  it('keeps a viewer on another node read-only: its edits are refused there, and it sees the host’s', async () => {
    const [a, b] = await nodes(2);
    const { host, session } = await hostSession(a!, { policy: 'open' });
    const onB = await join(b!, session.roomId, 'Vera');
    host.send({ type: 'setAccess', slot: onB.welcome.slot, access: 'read' });
    await onB.next('peerAccess', (m) => m.access === 'read');
    onB.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"b"}') });
    expect(await onB.next('error', (e) => e.rid === 1)).toMatchObject({ code: ErrorCode.Forbidden });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"a"}') });
    expect(text((await onB.next('lwwDoc', (d) => d.version > 0)).doc)).toBe('{"from":"a"}');
    expect(host.of('lwwDoc').filter((d) => d.slot === onB.welcome.slot)).toEqual([]);
  });

  it('lets go of a forwarded connection the room closes: the room unloads once empty', async () => {
    const [a, b] = await nodes(2);
    const { host, session } = await hostSession(a!, { policy: 'host-approval' });
    const { token } = await guestToken(b!, 'Mallory');
    const waiting = await TestClient.join(roomUrl(b!, session.roomId, token));
    const list = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === 'Mallory'));
    host.send({ type: 'admit', action: 'decline', slot: list.waiting[0]!.slot });
    expect((await waiting.closed).code).toBe(closeCodeOf(ErrorCode.Declined));
    expect([a!.cluster?.remoteConnections, b!.cluster?.forwardedConnections]).toEqual([0, 0]);
    await host.close();
    await a!.registry.whenEmpty();
  });

  it('restarts forwarded connections when a server’s subscription drops, as messages may be lost', async () => {
    const [a, b] = await nodes(2);
    const { host, session } = await hostSession(a!, { policy: 'open' });
    const onB = await join(b!, session.roomId, 'Grace');
    await host.next('peerJoin', (p) => p.name === 'Grace');
    const redis = await connectRedis();
    try {
      // Redis drops b's subscriber connection; whatever was published to b meanwhile is gone.
      const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const id = /id=(\d+) [^\n]*name=tandem-(\S+)-subscriber/.exec(
        clients.split('\n').find((line) => line.includes(`name=tandem-${b!.cluster!.nodeId}-subscriber`)) ??
          '',
      )?.[1];
      expect(id).toBeDefined();
      await redis.call('CLIENT', 'KILL', 'ID', id!);
    } finally {
      redis.disconnect();
    }
    // Its client is told to reconnect, and leaves the room on a.
    expect((await onB.closed).code).toBe(RECONNECT);
    await host.next('peerLeave', (p) => p.slot === onB.welcome.slot);
    // Back through b, it works again.
    const again = await join(b!, session.roomId, 'Grace');
    again.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"after":"restart"}') });
    await again.next('docAck', (ack) => ack.rid === 1);
  });

  it('refuses what the room refuses, through any node: an unknown room and a bad frame', async () => {
    const [a, b] = await nodes(2);
    const { session } = await hostSession(a!, { policy: 'open' });
    const { token } = await guestToken(b!, 'Eve');
    const nowhere = await TestClient.join(roomUrl(b!, 'rNoSuchRoom00', token));
    expect((await nowhere.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));

    const eve = await join(b!, session.roomId, 'Eve');
    eve.ws.send(new Uint8Array([0xfe, 1, 2]));
    expect((await eve.next('error')).code).toBe(ErrorCode.BadMessage);
  });

  it('closes only the forwarded connection whose frame meets a defect in the room, and its client may come back', async () => {
    const [a, b] = await nodes(2);
    const { host, session } = await hostSession(a!, { policy: 'open' });
    const eve = await join(b!, session.roomId, 'Eve');
    // A defect in the room, met by Eve's frames only (both nodes run in this process).
    const receive = Room.prototype.receive;
    const eveSlot = eve.welcome.slot;
    const spy = vi.spyOn(Room.prototype, 'receive').mockImplementation(function (this: Room, id, frame) {
      if (frame[0] === MESSAGES.chatSend.tag) throw new Error('a defect');
      return receive.call(this, id, frame);
    });
    try {
      eve.send({ type: 'chatSend', rid: 1, body: bytes('hello') });
      expect((await eve.closed).code).toBe(closeCodeOf(ErrorCode.Internal));
      // The host, and the room, carry on; Eve's leaving reached it.
      expect((await host.next('peerLeave')).slot).toBe(eveSlot);
      host.send({ type: 'ping', nonce: 3 });
      await host.next('pong', (p) => p.nonce === 3);
    } finally {
      spy.mockRestore();
    }
    const back = await join(b!, session.roomId, 'Eve');
    expect(back.welcome.slot).toBeGreaterThan(0);
  });

  it('creates a companion room on the node hosting its session, whichever node is asked', async () => {
    const [a, b] = await nodes(2);
    const { token, session } = await hostSession(a!, { policy: 'open' });
    const res = await postJson(`${b!.url}/sessions`, { companionOf: session.roomId, docMode: 'yjs' }, token);
    expect(res.status).toBe(201);
    const companion = res.body.roomId as string;
    expect(companion.startsWith(`${session.roomId}.`)).toBe(true);
    expect([a!.registry.size, b!.registry.size]).toEqual([2, 0]);
    // A companion of a session that does not exist is refused as on one server.
    const missing = await postJson(`${b!.url}/sessions`, { companionOf: 'rNoSuchRoom00' }, token);
    expect(missing.status).toBe(404);
  });

  it('moves a session when its node shuts down: clients are told to reconnect and find it elsewhere at once', async () => {
    const [a, b] = await nodes(2);
    const { host, session } = await hostSession(a!, { policy: 'open' });
    const onB = await join(b!, session.roomId, 'Grace');
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck', (ack) => ack.rid === 1);

    servers.splice(servers.indexOf(a!), 1);
    await a!.close();
    expect((await host.closed).code).toBe(RECONNECT);
    expect((await onB.closed).code).toBe(RECONNECT);

    // The lease was given up on the way out: b takes the session at once.
    const back = await join(b!, session.roomId, 'Grace');
    expect(text(back.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');
    expect(b!.registry.size).toBe(1);
  });

  it('moves the sessions of a node killed with SIGKILL, with every acknowledged edit', async () => {
    const args = [...clusters.settings(900).args, '--doc-rate', '1000'];
    const a = await spawnServer(args);
    const b = await spawnServer(args);
    children.push(a, b);
    const { host, session } = await hostSession(a, { policy: 'open' });
    const onB = await join(b, session.roomId, 'Grace');
    let acked = 0;
    for (let i = 1; i <= 30; i++) {
      host.send({ type: 'lwwSet', rid: i, resource: '', doc: bytes(`{"v":${i}}`) });
      if (i % 10 === 0) acked = (await host.next('docAck', (ack) => ack.rid === i)).rid;
    }
    a.child.kill('SIGKILL');
    await a.exited;
    // b notices the owner's lease run out and tells its client to reconnect.
    expect((await onB.closed).code).toBe(RECONNECT);
    const back = await join(b, session.roomId, 'Grace');
    const doc = text(back.of('lwwDoc').at(-1)!.doc);
    expect(Number(JSON.parse(doc).v)).toBeGreaterThanOrEqual(acked);
    expect(acked).toBe(30);

    // The session lives on b now: a client arriving through a new node is forwarded there.
    const c = await spawnServer(args);
    children.push(c);
    const onC = await join(c, session.roomId, 'Linus');
    await back.next('peerJoin', (p) => p.name === 'Linus');
    onC.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":"c"}') });
    expect(text((await back.next('lwwDoc', (d) => text(d.doc) === '{"v":"c"}')).doc)).toBe('{"v":"c"}');
  });

  it('a server whose session was taken over acknowledges no more edits to it', async () => {
    const { config } = clusters.settings();
    const [a, b] = [await startServer(config), await startServer(config)];
    servers.push(a, b);
    const { host, session } = await hostSession(a, { policy: 'open' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck', (ack) => ack.rid === 1);

    // A partition, as b sees it: a's lease is gone (a has not noticed yet), so b takes the session.
    await dropLease(config.redisPrefix, session.roomId);
    const onB = await join(b, session.roomId, 'Grace');
    expect(b.registry.size).toBe(1);

    // a still has the room open; its next write is refused by the store, and its client is told
    // to reconnect, never that the edit was kept.
    host.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('{"v":"lost"}') });
    const refused = await host.next('error', (e) => e.rid === 2);
    expect(refused.code).toBe(ErrorCode.Internal);
    expect((await host.closed).code).toBe(RECONNECT);
    expect(host.of('docAck').map((ack) => ack.rid)).toEqual([1]);
    expect(text(onB.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');
    const again = await join(b, session.roomId, 'Host again');
    expect(text(again.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');
  });

  it('a server whose session was taken over tells nobody of a lock it grants there', async () => {
    const { config } = clusters.settings();
    const [a, b] = [await startServer(config), await startServer(config)];
    servers.push(a, b);
    const { host, session } = await hostSession(a, { policy: 'open' });
    const watcher = await join(a, session.roomId, 'Watcher');
    await dropLease(config.redisPrefix, session.roomId);
    const onB = await join(b, session.roomId, 'Grace');
    onB.send({ type: 'lockAcquire', rid: 1, resource: 'layer' });
    await onB.next('lockGranted', (g) => g.rid === 1);

    // a has not noticed: it grants the same resource in its copy, but the grant is never stored,
    // so nobody on a is told of it and only Grace holds the lock.
    host.send({ type: 'lockAcquire', rid: 7, resource: 'layer' });
    expect((await host.closed).code).toBe(RECONNECT);
    expect(host.of('lockGranted')).toEqual([]);
    expect(watcher.of('lockState')).toEqual([]);
  });

  it('a server that notices its session was taken over closes its room there by itself', async () => {
    const { config } = clusters.settings(900);
    const [a, b] = [await startServer(config), await startServer(config)];
    servers.push(a, b);
    const { host, session } = await hostSession(a, { policy: 'open' });
    await dropLease(config.redisPrefix, session.roomId);
    await join(b, session.roomId, 'Grace');
    // Within a third of a lease a's renewal finds the lease gone: its room closes, clients reconnect.
    expect((await host.closed).code).toBe(RECONNECT);
    expect(a.registry.size).toBe(0);
    expect(b.registry.size).toBe(1);
  });

  it('carries a peer-to-peer host and guests reaching other nodes to the node that created the session', async () => {
    const [a, b] = await nodes(2);
    const ada = await guestToken(a!, 'Ada');
    const sessionId = (await postJson(`${a!.url}/p2p`, {}, ada.token)).body.sessionId as string;
    // The host's signaling lands on b: it is forwarded to a, where the session lives.
    const host = await TestClient.open(`${b!.wsUrl}/p2p/${sessionId}?token=${ada.token}`);
    host.send({ type: 'ping', nonce: 1 });
    await host.next('pong');
    const grace = await guestToken(b!, 'Grace');
    const found = await fetch(`${b!.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${grace.token}` },
    });
    expect(found.status).toBe(200);
    const guest = await TestClient.open(`${b!.wsUrl}/p2p/${sessionId}?token=${grace.token}`);
    const join = await host.next('signal', (m) => m.kind === 'join');
    expect(JSON.parse(text(join.payload))).toEqual({ userId: grace.userId, name: 'Grace' });
    host.send({ type: 'signal', peer: join.peer, kind: 'offer', payload: bytes('{"sdp":"o"}') });
    expect(text((await guest.next('signal', (m) => m.kind === 'offer')).payload)).toBe('{"sdp":"o"}');
    guest.send({ type: 'signal', peer: 0, kind: 'answer', payload: bytes('{"sdp":"a"}') });
    expect(text((await host.next('signal', (m) => m.kind === 'answer')).payload)).toBe('{"sdp":"a"}');
    expect([a!.signaling.size, b!.signaling.size]).toEqual([1, 0]);

    // The host ends the session (a clean close).
    host.ws.close(1000);
    expect((await guest.next('signal', (m) => m.kind === 'leave')).peer).toBe(0);
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.RoomClosed));
    const gone = await fetch(`${b!.url}/p2p/${sessionId}`, {
      headers: { authorization: `Bearer ${grace.token}` },
    });
    expect(gone.status).toBe(404);
  });

  it('counts a user’s joins across every node: the limit is per user, not per server', async () => {
    const { config } = clusters.settings();
    const limited = { ...config, joinsPerMinute: 3 };
    const [a, b] = [await startServer(limited), await startServer(limited)];
    servers.push(a, b);
    const onA = (await hostSession(a, { policy: 'open' })).session.roomId;
    const onB = (await hostSession(b, { policy: 'open' }, 'Host B')).session.roomId;
    const { token } = await guestToken(a, 'Hopper');
    // Each server's own count stays under 3 (a: 2, b: 1, then b: 2); the cluster's reaches it.
    for (const [node, roomId] of [
      [a, onA],
      [b, onB],
      [a, onA],
    ] as const) {
      const c = await (await TestClient.join(roomUrl(node, roomId, token))).admitted();
      await c.close();
    }
    const over = await TestClient.join(roomUrl(b, onB, token));
    expect((await over.closed).code).toBe(closeCodeOf(ErrorCode.JoinRateLimited));
  });

  it('counts the sessions a user hosts on every node against the hosted-session limit', async () => {
    const { config } = clusters.settings();
    const limited = { ...config, maxHostedRooms: 2 };
    const [a, b] = [await startServer(limited), await startServer(limited)];
    servers.push(a, b);
    const { token } = await guestToken(a, 'Busy');
    await createSession(a, token);
    await createSession(b, token);
    for (const node of [a, b]) {
      const third = await postJson(`${node.url}/sessions`, {}, token);
      expect([third.status, third.body.error]).toEqual([429, 'HostLimit']);
    }
    // Requests at the same moment on different servers cannot all pass: places are reserved.
    const other = await guestToken(a, 'Racer');
    const raced = await Promise.all(
      [a, b, a, b].map((node) => postJson(`${node.url}/sessions`, {}, other.token)),
    );
    expect(raced.map((r) => r.status).sort()).toEqual([201, 201, 429, 429]);
  });

  it('a session created on one node is found by its join code on another', async () => {
    const [a, b] = await nodes(2);
    const { token } = await guestToken(a!, 'Host');
    const session = await createSession(a!, token, { policy: 'open' });
    const guest = await guestToken(b!, 'Grace');
    const byCode = await TestClient.join(`${b!.wsUrl}/join/${session.joinCode}?token=${guest.token}`);
    await byCode.admitted();
    expect(byCode.welcome.name).toBe('Grace');
    expect([a!.registry.size, b!.registry.size]).toEqual([1, 0]);
  });
});

/** A partition as another server sees it: the session's lease is gone, its owner has not noticed. */
async function dropLease(prefix: string, sessionId: string): Promise<void> {
  const redis = await connectRedis();
  try {
    await redis.del(`${prefix}:owner:${sessionId}`);
  } finally {
    redis.disconnect();
  }
}
