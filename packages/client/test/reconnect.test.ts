import { describe, expect, it } from 'vitest';
import { nodeClient, reach, until } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer();

async function guestToken(name: string): Promise<string> {
  const res = await fetch(`${env.server.url}/auth/guest`, { method: 'POST', body: JSON.stringify({ name }) });
  return ((await res.json()) as { token: string }).token;
}

describe('reconnect after the network drops', () => {
  it('brings back presence and locks, and catches up on missed and pending edits', async () => {
    const adaToken = await guestToken('Ada');
    let tokenCalls = 0;
    const flaky = nodeClient(env.proxy.url, () => {
      tokenCalls++;
      return adaToken;
    });
    const { roomId } = await flaky.host({ policy: 'open', docMode: 'ops' });
    const ada = flaky.join({ roomId });
    env.rooms.push(ada);
    const bob = nodeClient(env.server.url, { guest: 'Bob' }).join({ roomId });
    env.rooms.push(bob);
    await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
    const reducer = { initial: [] as string[], apply: (s: string[], op: string) => [...s, op] };
    ada.ops.use(reducer);
    bob.ops.use(reducer);

    ada.setPresence({ tool: 'warp' });
    const grant = await ada.select('projector-2');
    await ada.ops.submit('a1');
    await until(
      bob,
      ['locks', 'others'],
      () => bob.lockState('projector-2').kind === 'held' && bob.ops.version === ada.ops.version,
    );
    const slotBefore = ada.self!.slot;

    const callsBeforeDrop = tokenCalls;
    const dropped = until(ada, 'status', () => ada.status === 'reconnecting');
    env.proxy.reset();
    await dropped;
    await bob.ops.submit('b-while-away');
    const pending = ada.ops.submit('a-while-away');
    expect(ada.ops.state).toEqual(['a1', 'a-while-away']);

    await reach(ada, 'connected');
    await pending;
    expect(tokenCalls).toBe(callsBeforeDrop + 1);
    expect(ada.self!.slot).not.toBe(slotBefore);
    expect(ada.lockState('projector-2')).toMatchObject({
      kind: 'mine',
      lockId: grant.lockId,
      fence: grant.fence,
    });
    await until(
      bob,
      'others',
      () => (bob.others[0]?.presence as { tool?: string } | undefined)?.tool === 'warp',
    );
    expect(ada.self?.presence).toEqual({ tool: 'warp' });
    expect(ada.presence).toEqual({ tool: 'warp' });
    await until(bob, 'activity', () => bob.ops.version === ada.ops.version);
    expect(ada.ops.state).toEqual(bob.ops.state);
    expect(ada.ops.state).toEqual(['a1', 'b-while-away', 'a-while-away']);
  });

  it('resends an unacknowledged whole-document write and converges', async () => {
    const flaky = nodeClient(env.proxy.url, { guest: 'Ada' });
    const { roomId } = await flaky.host({ policy: 'open' });
    const ada = flaky.join({ roomId });
    const bob = nodeClient(env.server.url, { guest: 'Bob' }).join({ roomId });
    env.rooms.push(ada, bob);
    await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
    await ada.lww.set({ v: 1 });
    const dropped = until(ada, 'status', () => ada.status === 'reconnecting');
    env.proxy.reset();
    await dropped;
    const write = ada.lww.set({ v: 2, offline: true });
    expect(ada.lww.json()).toEqual({ v: 2, offline: true });
    await reach(ada, 'connected');
    await write;
    await until(bob, 'activity', () => JSON.stringify(bob.lww.json()) === '{"v":2,"offline":true}');
  });
});
