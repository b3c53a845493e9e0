import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { TestClusters } from './support/cluster.js';
import { skipPostgres } from './support/postgres.js';
import { skipRedis } from './support/redis.js';
import {
  createSession,
  type Endpoint,
  guestToken,
  hostSession,
  joinAs,
  roomUrl,
  startServer,
} from './support/server.js';
import { yFinalClose, yProvider, ySynced } from './support/y-websocket.js';

const ENDED = closeCodeOf(ErrorCode.SessionEnded);

/** A session on `server` with a companion room, the host and an open-room guest in both. */
async function sessionWithEveryone(server: Endpoint) {
  const { host, token, session } = await hostSession(server, { policy: 'open' });
  const companion = await createSession(server, token, { companionOf: session.roomId, docMode: 'yjs' });
  const hostNotes = await (await TestClient.join(roomUrl(server, companion.roomId, token))).admitted();
  const guestAuth = await guestToken(server, 'Bob');
  const guest = await (await TestClient.join(roomUrl(server, session.roomId, guestAuth.token))).admitted();
  const guestNotes = await (
    await TestClient.join(roomUrl(server, companion.roomId, guestAuth.token))
  ).admitted();
  return { host, hostNotes, guest, guestNotes, token, guestToken: guestAuth.token, session, companion };
}

/** Whether `server` still knows the session: by its room, its companion and its join code. */
async function expectForgotten(server: Endpoint, token: string, roomIds: string[], joinCode: string) {
  // A connection waits for the room's deletion to finish, so the join code is gone after it.
  for (const roomId of roomIds) {
    const late = await TestClient.join(roomUrl(server, roomId, token));
    expect((await late.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));
  }
  const byCode = await TestClient.join(`${server.wsUrl}/join/${joinCode}?token=${token}`);
  expect((await byCode.closed).code).toBe(closeCodeOf(ErrorCode.RoomNotFound));
  const res = await fetch(`${server.url}/sessions/${joinCode}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(404);
}

describe('the host ends the session', () => {
  let server: TandemServer;
  beforeEach(async () => {
    server = await startServer({ joinsPerMinute: 1000 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('closes everyone in the session and its companions with SessionEnded, and the server forgets it', async () => {
    const everyone = await sessionWithEveryone(server);
    everyone.host.send({ type: 'endSession' });
    for (const client of [everyone.host, everyone.hostNotes, everyone.guest, everyone.guestNotes]) {
      const closed = await client.closed;
      expect(closed.code).toBe(ENDED);
      expect(client.of('error').at(-1)?.message).toBe('the host ended the session');
    }
    await expectForgotten(
      server,
      everyone.guestToken,
      [everyone.session.roomId, everyone.companion.roomId],
      everyone.session.joinCode,
    );
    expect(server.registry.size).toBe(0);
  });

  it('stops a y-websocket provider in a companion room for good (4433)', async () => {
    const everyone = await sessionWithEveryone(server);
    const provider = yProvider(server.wsUrl, `rooms/${everyone.companion.roomId}`, everyone.guestToken);
    await ySynced(provider);
    const closed = yFinalClose(provider);
    everyone.host.send({ type: 'endSession' });
    expect((await closed).code).toBe(4400 + ErrorCode.SessionEnded);
    provider.destroy();
  });

  it('ends the whole session when the host ends it from a companion room', async () => {
    const everyone = await sessionWithEveryone(server);
    everyone.hostNotes.send({ type: 'endSession' });
    for (const client of [everyone.host, everyone.guest, everyone.guestNotes])
      expect((await client.closed).code).toBe(ENDED);
    await expectForgotten(server, everyone.token, [everyone.session.roomId], everyone.session.joinCode);
  });

  it('refuses a guest’s endSession with Forbidden: the session goes on', async () => {
    const { host, session } = await hostSession(server, { policy: 'open' });
    const guest = await joinAs(server, session.roomId, 'Eve');
    guest.send({ type: 'endSession' });
    expect((await guest.next('error')).code).toBe(ErrorCode.Forbidden);
    host.send({ type: 'ping', nonce: 7 });
    expect((await host.next('pong')).nonce).toBe(7);
    const again = await joinAs(server, session.roomId, 'Zed');
    expect(again.welcome.role).toBe('guest');
  });
});

describe.skipIf(skipRedis || skipPostgres)('the host ends a session in a cluster', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  afterEach(async () => {
    for (const node of servers.splice(0)) await node.close();
  });
  afterAll(() => clusters.drop());

  it('closes the clients on both nodes, and neither node finds the session any more', async () => {
    const { config } = clusters.settings();
    const [a, b] = [
      await startServer({ ...config, joinsPerMinute: 1000 }),
      await startServer({ ...config, joinsPerMinute: 1000 }),
    ];
    servers.push(a!, b!);
    const { host, session, token } = await hostSession(a!, { policy: 'open' });
    const remoteGuest = await joinAs(b!, session.roomId, 'Bob');
    host.send({ type: 'endSession' });
    expect((await remoteGuest.closed).code).toBe(ENDED);
    expect((await host.closed).code).toBe(ENDED);
    await expectForgotten(a!, token, [session.roomId], session.joinCode);
    await expectForgotten(b!, token, [session.roomId], session.joinCode);
  });
});
