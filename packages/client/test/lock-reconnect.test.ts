import { describe, expect, it } from 'vitest';
import { nodeClient, reach, until } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer({ lockTtlSeconds: 1 });

describe('a lock that expired while its holder was away', () => {
  it('is not reported as held under its old fence, after the reconnect or once taken again', async () => {
    const adaClient = nodeClient(env.proxy.url, { guest: 'Ada' });
    const { roomId } = await adaClient.host({ policy: 'open' });
    const ada = adaClient.join({ roomId });
    const bob = nodeClient(env.server.url, { guest: 'Bob' }).join({ roomId });
    env.rooms.push(ada, bob);
    await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
    const first = await ada.select('layer');
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'held');

    // Ada is cut off and stays away past the lease: Bob sees the lock expire.
    env.proxy.cut('refuse');
    await until(bob, 'locks', () => bob.lockState('layer').kind === 'free');
    env.proxy.restore();
    await reach(ada, 'connected');
    expect(ada.lockState('layer').kind).toBe('free');

    const seen: number[] = [];
    ada.on('locks', () => {
      const state = ada.lockState('layer');
      if (state.kind === 'mine') seen.push(state.fence);
    });
    const second = await ada.select('layer');
    expect(second.fence).toBeGreaterThan(first.fence);
    expect(seen.every((fence) => fence === second.fence)).toBe(true);
    expect(ada.lockState('layer')).toMatchObject({ kind: 'mine', fence: second.fence });
  });
});
