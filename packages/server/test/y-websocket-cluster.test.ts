import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import type { TandemServer } from '../src/server.js';
import { TestClusters } from './support/cluster.js';
import { skipPostgres } from './support/postgres.js';
import { skipRedis } from './support/redis.js';
import { guestToken, hostSession, startServer } from './support/server.js';
import { awarenessUntil, notesWhen, yFinalClose, yProvider, ySynced } from './support/y-websocket.js';

describe.skipIf(skipRedis || skipPostgres)('y-websocket clients on a cluster', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  const providers: WebsocketProvider[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => clusters.drop());

  it('reach a room on another node through the node they connect to, awareness included, and its refusals stop them', async () => {
    const { config } = clusters.settings();
    const [a, b] = [await startServer(config), await startServer(config)];
    servers.push(a, b);
    const { host, session } = await hostSession(a, { policy: 'host-approval', docMode: 'yjs' });
    const onA = yProvider(a.wsUrl, `rooms/${session.roomId}`, (await guestToken(a, 'Ada')).token);
    const onB = yProvider(b.wsUrl, `rooms/${session.roomId}`, (await guestToken(b, 'Bob')).token);
    providers.push(onA, onB);
    for (const name of ['Ada', 'Bob']) {
      const list = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === name));
      host.send({ type: 'admit', action: 'admit', slot: list.waiting.find((g) => g.name === name)!.slot });
    }
    await Promise.all([ySynced(onA), ySynced(onB)]);
    // One room, on the node that created it; b only carries its client's frames.
    expect([a.registry.size, b.registry.size]).toEqual([1, 0]);
    onB.doc.getText('notes').insert(0, 'from b');
    await notesWhen(onA.doc, (t) => t === 'from b');
    // Awareness crosses too, through the owner, under the verified name.
    const bobShown = () => onA.awareness.getStates().get(onB.doc.clientID) as { cursor?: number } | undefined;
    const seen = awarenessUntil(onA.awareness, () => bobShown()?.cursor === 5);
    onB.awareness.setLocalState({ user: { name: 'Ada' }, cursor: 5 });
    await seen;
    expect(bobShown()).toMatchObject({ user: { name: 'Bob' }, cursor: 5 });

    const removed = yFinalClose(onB);
    const bob = await host.next('peerJoin', (p) => p.name === 'Bob');
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    expect((await removed).code).toBe(4410);
    expect(onB.shouldConnect).toBe(false);
  });
});
