import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../src/index.js';
import { nodeClient, reach, until } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer();

/** Ada reaches the server through the proxy, Bob directly; both in one open room. */
async function pair(docMode: 'lww' | 'ops', bobOptions: { opsSnapshotEvery?: number } = {}) {
  const adaClient = nodeClient(env.proxy.url, { guest: 'Ada' });
  const { roomId } = await adaClient.host({ policy: 'open', docMode });
  const ada = adaClient.join({ roomId });
  const bob = nodeClient(env.server.url, { guest: 'Bob' }, bobOptions).join({ roomId });
  env.rooms.push(ada, bob);
  await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
  return { roomId, ada, bob };
}

/** Cuts Ada's connection and waits until she is back in the room. */
async function dropAndReturn(ada: RoomConnection): Promise<void> {
  const away = until(ada, 'status', () => ada.status === 'reconnecting');
  env.proxy.reset();
  await away;
  await reach(ada, 'connected');
}

describe('a retried edit is applied once', () => {
  it('ops: an op whose echo was lost and that another participant compacted is not sequenced again', async () => {
    const { roomId, ada, bob } = await pair('ops', { opsSnapshotEvery: 1 });
    const reducer = { initial: [] as string[], apply: (s: string[], op: string) => [...s, op] };
    ada.ops.use(reducer);
    bob.ops.use(reducer);
    await bob.ops.submit('first');
    await until(ada, 'activity', () => ada.ops.version === bob.ops.version);

    env.proxy.deafen();
    const x = ada.ops.submit('X');
    await until(bob, 'activity', () => (bob.ops.state as string[]).includes('X'));
    // Bob's next op makes him offer a snapshot, which compacts the log past Ada's op.
    await bob.ops.submit('Y');
    await dropAndReturn(ada);
    await x;
    await until(ada, 'activity', () => ada.ops.version === bob.ops.version);

    expect(ada.ops.state).toEqual(['first', 'X', 'Y']);
    expect(bob.ops.state).toEqual(['first', 'X', 'Y']);
    const carol = nodeClient(env.server.url, { guest: 'Carol' }).join({ roomId });
    env.rooms.push(carol);
    carol.ops.use(reducer);
    await reach(carol, 'connected');
    expect(carol.ops.state).toEqual(['first', 'X', 'Y']);
  });

  it('lww: a write that landed but whose ack was lost does not overwrite a later write after the reconnect', async () => {
    const { ada, bob } = await pair('lww');
    env.proxy.deafen();
    const written = ada.lww.set({ by: 'ada' });
    await until(bob, 'activity', () => (bob.lww.json() as { by?: string } | undefined)?.by === 'ada');
    const adaVersion = bob.lww.version;
    await bob.lww.set({ by: 'bob, later' });
    await dropAndReturn(ada);

    expect(await written).toBe(adaVersion);
    await until(ada, 'activity', () => ada.lww.version === bob.lww.version);
    expect(ada.lww.json()).toEqual({ by: 'bob, later' });
    expect(bob.lww.json()).toEqual({ by: 'bob, later' });
  });

  it('chat: a message whose echo was lost is posted once, and its promise resolves after the reconnect', async () => {
    const { ada, bob } = await pair('lww');
    env.proxy.deafen();
    const sent = ada.sendChat('hello once');
    await until(bob, 'chat', () => bob.chat.length === 1);
    await dropAndReturn(ada);

    expect((await sent).text).toBe('hello once');
    expect(bob.chat.map((m) => m.text)).toEqual(['hello once']);
    expect(ada.chat.map((m) => m.text)).toEqual(['hello once']);
  });
});
