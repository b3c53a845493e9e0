import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOST_MESSAGE } from '../src/cluster/cluster.js';
import type { TandemServer, TandemServerConfig } from '../src/server.js';
import { TestClient } from './support/client.js';
import { TestClusters } from './support/cluster.js';
import { within } from './support/deadline.js';
import { LogRecorder } from './support/logs.js';
import { skipPostgres } from './support/postgres.js';
import { connectRedis, dropPrefix, REDIS_URL, skipRedis } from './support/redis.js';
import { createSession, guestToken, hostSession, joinAs, roomUrl, startServer } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const RECONNECT = closeCodeOf(ErrorCode.ServerShutdown);

/** Short enough for a quick test, long enough that the cuts below never cost a server its leases. */
const LEASE_MS = 3_000;

describe.skipIf(skipRedis || skipPostgres)('a cluster whose Redis connections fail', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });
  afterAll(() => clusters.drop());

  /** Two nodes of a new cluster; `cutOff` takes its commands and publishing through `proxy`. */
  async function twoNodes(cutOff: 'a' | 'b', extra: TandemServerConfig = {}) {
    const { config } = clusters.settings(LEASE_MS);
    const proxy = await TcpProxy.start(REDIS_URL);
    proxies.push(proxy);
    const throughProxy = { ...config, ...extra, redisUrl: proxy.url, redisSubscriberUrl: REDIS_URL };
    const a = await startServer(cutOff === 'a' ? throughProxy : config);
    servers.push(a);
    const b = await startServer(cutOff === 'b' ? throughProxy : config);
    servers.push(b);
    return { a, b, proxy, prefix: config.redisPrefix };
  }

  it('tells a forwarded client to reconnect when its room’s server could not send to it', async () => {
    const { a, b, proxy } = await twoNodes('a');
    const { host, session } = await hostSession(a, { policy: 'open' });
    const grace = await joinAs(b, session.roomId, 'Grace');
    await host.next('peerJoin', (p) => p.name === 'Grace');

    // Only a's commands and publishing are cut: what its room sends Grace is lost, so a lets go of
    // her connection (b, and Grace, hear nothing of it).
    proxy.cut();
    host.send({ type: 'chatSend', rid: 1, body: bytes('"anyone there?"') });
    await host.next('peerLeave', (p) => p.slot === grace.welcome.slot);
    proxy.restore();

    // An edit sent now reaches no room; within a lease Grace is told to reconnect, never left waiting.
    grace.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"grace"}') });
    const closed = await within(2 * LEASE_MS, grace.closed, 'the forwarded client was told to reconnect');
    expect(closed.code).toBe(RECONNECT);
    expect(grace.of('docAck')).toEqual([]);

    // Back through b, her edit lands.
    const back = await joinAs(b, session.roomId, 'Grace');
    back.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"grace"}') });
    await back.next('docAck', (ack) => ack.rid === 1);
    const seen = await host.next('lwwDoc', (d) => text(d.doc) === '{"from":"grace"}');
    expect(seen.version).toBeGreaterThan(0);
  });

  it('lets go of forwarded clients whose leaving was lost while their server was cut off', async () => {
    const logs = new LogRecorder();
    const { a, b, proxy } = await twoNodes('b', { logger: logs.logger });
    const { host, session } = await hostSession(a, { policy: 'open' });
    const guests = [];
    for (const name of ['Ada', 'Grace', 'Linus']) {
      guests.push(await joinAs(b, session.roomId, name));
      await host.next('peerJoin', (p) => p.name === name);
    }

    // b's commands and publishing are cut while its three clients close: their leaving is lost.
    proxy.cut();
    await Promise.all(guests.map((g) => g.close()));
    await logs.seen((e) => e.msg === LOST_MESSAGE && e.type === 'leave', guests.length);
    proxy.restore();

    // a stops holding their places once b no longer vouches for them: within a lease, not never.
    for (const { welcome } of guests) {
      const left = host.next('peerLeave', (p) => p.slot === welcome.slot);
      await within(2 * LEASE_MS, left, `${welcome.name} left the room`);
    }
    expect(a.cluster?.remoteConnections).toBe(0);
  });

  it('tells its forwarded clients to reconnect when cut off from Redis for a whole lease', async () => {
    const { a, b, proxy } = await twoNodes('b');
    const { host, session } = await hostSession(a, { policy: 'open' });
    const grace = await joinAs(b, session.roomId, 'Grace');
    await host.next('peerJoin', (p) => p.name === 'Grace');

    // b hears from nobody for a lease, and a hears no vouching for Grace: both let her go.
    proxy.cut();
    const closed = await within(3 * LEASE_MS, grace.closed, 'the forwarded client was told to reconnect');
    expect(closed.code).toBe(RECONNECT);
    await within(
      3 * LEASE_MS,
      host.next('peerLeave', (p) => p.slot === grace.welcome.slot),
      'Grace left',
    );
    proxy.restore();

    const back = await joinAs(b, session.roomId, 'Grace');
    back.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"from":"grace"}') });
    await back.next('docAck', (ack) => ack.rid === 1);
  });

  it('gives up its sessions within a lease when its Redis connection hangs instead of failing', async () => {
    const { a, b, proxy } = await twoNodes('a');
    const { host, session } = await hostSession(a, { policy: 'open' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck', (ack) => ack.rid === 1);

    // a's commands go into a connection that neither answers nor closes (a network that drops
    // packets): its renewals must time out, not wait forever, so its room closes within a lease
    // or so and the session moves to b.
    proxy.cut('hold');
    const closed = await within(4 * LEASE_MS, host.closed, 'the owner cut off gave up its room');
    expect(closed.code).toBe(RECONNECT);
    // Until a's lease runs out in Redis, b sends the client to a and then tells it to reconnect.
    const back = await within(
      4 * LEASE_MS,
      joinWhenMoved(b, session.roomId, 'Host again'),
      'b took the room',
    );
    expect(text(back.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');
    back.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('{"v":2}') });
    await within(
      4 * LEASE_MS,
      back.next('docAck', (ack) => ack.rid === 2),
      'b acknowledged an edit',
    );
    proxy.restore();
  });

  it('serves its rooms again after Redis restarts empty, and acknowledges no edit of an owner it passed', async () => {
    const { config } = clusters.settings(LEASE_MS);
    const roomy = { ...config, maxHostedRooms: 40 };
    const a = await startServer(roomy);
    servers.push(a);
    const b = await startServer(roomy);
    servers.push(b);
    // Some thirty claims: the generation counter is near 30, and so is what the last room has stored.
    const { token } = await guestToken(a, 'Busy');
    for (let i = 0; i < 29; i++) await createSession(a, token);
    const { host, session } = await hostSession(a, { policy: 'open' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck', (ack) => ack.rid === 1);

    /** A client admitted through `node` within a lease, finding every acknowledged edit. */
    const admittedThrough = async (node: TandemServer, name: string) => {
      const client = await within(2 * LEASE_MS, joinAs(node, session.roomId, name), `${name} was admitted`);
      expect(text(client.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');
      return client;
    };

    // Redis restarts without persistence: no lease, and a counter starting again from nothing.
    await dropPrefix(config.redisPrefix);
    const onB = await admittedThrough(b, 'Grace');

    // a's copy of the room, under a generation b's claim has passed, acknowledges nothing more.
    host.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('{"v":"stale"}') });
    expect((await host.closed).code).toBe(RECONNECT);
    expect(host.of('docAck').map((ack) => ack.rid)).toEqual([1]);

    // Through either server, the room is there, with every acknowledged edit and no other.
    const onA = await admittedThrough(a, 'Linus');
    onA.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":2}') });
    await onA.next('docAck', (ack) => ack.rid === 1);
    await onB.next('lwwDoc', (d) => text(d.doc) === '{"v":2}');
  });

  it('fences an owner whose generation a later claim was handed again after Redis restarted empty', async () => {
    const { a, b, proxy, prefix } = await twoNodes('a');
    const { host, session } = await hostSession(a, { policy: 'open' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":1}') });
    await host.next('docAck', (ack) => ack.rid === 1);
    const redis = await connectRedis();
    try {
      const lease = await redis.get(`${prefix}:owner:${session.roomId}`);
      const generation = Number(lease?.split(' ')[1]);
      expect(generation).toBeGreaterThan(0);

      // a cannot reach Redis (so it has not yet noticed), and Redis restarts empty. Other sessions
      // claimed since bring the new counter to exactly a's generation: b's claim is handed it again.
      proxy.cut('hold');
      await dropPrefix(prefix);
      await redis.set(`${prefix}:generation`, generation - 1);
      const grace = await within(2 * LEASE_MS, joinAs(b, session.roomId, 'Grace'), 'Grace was admitted');
      expect(text(grace.of('lwwDoc').at(-1)!.doc)).toBe('{"v":1}');

      // The same number from another server is not the same claim: a's copy acknowledges nothing more.
      host.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('{"v":"stale"}') });
      expect((await within(2 * LEASE_MS, host.closed, 'a gave up its room')).code).toBe(RECONNECT);
      expect(host.of('docAck').map((ack) => ack.rid)).toEqual([1]);
      grace.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"v":2}') });
      await grace.next('docAck', (ack) => ack.rid === 1);
    } finally {
      redis.disconnect();
      proxy.restore();
    }
  });
});

/** Joins through `server`, again each time the client is told the room moved, until admitted. */
async function joinWhenMoved(server: TandemServer, roomId: string, name: string): Promise<TestClient> {
  const { token } = await guestToken(server, name);
  for (;;) {
    const client = await TestClient.join(roomUrl(server, roomId, token));
    const admitted = await Promise.race([
      client.admitted().then(() => true),
      client.closed.then(() => false),
    ]);
    if (admitted) return client;
  }
}
