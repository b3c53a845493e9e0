import { afterAll, describe, expect, it } from 'vitest';
import { nodeClient, reach } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer();

// What a browser window is to the SDK here: the target of its `offline` and `online` events. Set
// before any connection exists, as a page's window is; this file runs in a worker of its own.
const page = new EventTarget();
(globalThis as { window?: EventTarget }).window = page;
afterAll(() => {
  delete (globalThis as { window?: EventTarget }).window;
});

describe("the browser's offline and online events", () => {
  it('drop the connection at once, and bring it back at once, without waiting for the backoff', async () => {
    const host = nodeClient(env.server.url, { guest: 'Host' });
    const { roomId } = await host.host({ policy: 'open', docMode: 'lww' });
    // A backoff far longer than the test waits, and no liveness watch: only the events can act.
    const room = nodeClient(
      env.server.url,
      { guest: 'Ada' },
      {
        backoff: { baseMs: 600_000, maxMs: 600_000 },
        liveness: false,
      },
    ).join({ roomId });
    env.rooms.push(room);
    await reach(room, 'connected');

    page.dispatchEvent(new Event('offline'));
    // At once: in the same task as the event.
    expect(room.status).toBe('reconnecting');

    const back = reach(room, 'connected');
    page.dispatchEvent(new Event('online'));
    await back;
    expect(room.status).toBe('connected');
  });

  it('say nothing to a connection that has left', async () => {
    const host = nodeClient(env.server.url, { guest: 'Host' });
    const { roomId } = await host.host({ policy: 'open', docMode: 'lww' });
    const room = nodeClient(env.server.url, { guest: 'Ada' }, { liveness: false }).join({ roomId });
    await reach(room, 'connected');
    room.leave();
    page.dispatchEvent(new Event('offline'));
    page.dispatchEvent(new Event('online'));
    expect(room.status).toBe('disconnected');
  });
});
