import { ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { RoomConnection, StatusChange, TandemClient } from '../src/index.js';
import { nodeClient, reach, until } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeEach(async () => {
  server = await startServer({ joinsPerMinute: 1000, docRate: 1000, accessTimeoutSeconds: 1 });
});
afterEach(async () => {
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

function track(room: RoomConnection): RoomConnection {
  open.push(room);
  return room;
}

/** A host with an open session and a connected room, plus a way to bring guests in. */
async function session(docMode: 'lww' | 'ops' | 'yjs' = 'lww', policy: 'open' | 'host-approval' = 'open') {
  const hostClient = nodeClient(server.url, { guest: 'Ada' });
  const hosted = await hostClient.host({ policy, docMode });
  const host = track(hostClient.join({ roomId: hosted.roomId }));
  await reach(host, 'connected');
  const guest = async (name: string, client: TandemClient = nodeClient(server.url, { guest: name })) => {
    const room = track(client.join({ code: hosted.joinCode }));
    await reach(room, policy === 'open' ? 'connected' : 'waiting');
    return room;
  };
  return { hostClient, hosted, host, guest };
}

describe('connection', () => {
  it('goes idle → connecting → connected, with self and others', async () => {
    const { host, guest } = await session();
    const statuses: StatusChange[] = [];
    const client = nodeClient(server.url, { guest: 'Bob' });
    const hostJoins = until(host, 'join', () => host.others.length === 1);
    const bob = track(client.join({ roomId: (await client.host()).roomId }));
    bob.on('status', (s) => statuses.push(s));
    await reach(bob, 'connected');
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'connected']);
    expect(bob.self).toMatchObject({ name: 'Bob', role: 'host', isSelf: true });
    const b2 = await guest('Bob2');
    await hostJoins;
    expect(host.others.map((p) => p.name)).toEqual(['Bob2']);
    expect(b2.others.map((p) => p.name)).toEqual(['Ada']);
    const left = until(host, 'leave', () => host.others.length === 0);
    b2.leave();
    await left;
    expect(b2.status).toBe('disconnected');
  });

  it('waits for the host, who admits from the waiting list', async () => {
    const { host, guest } = await session('lww', 'host-approval');
    const bob = await guest('Bob');
    expect(bob.status).toBe('waiting');
    await until(host, 'admission', () => host.waitingList.length === 1);
    expect(host.isHost).toBe(true);
    host.admit(host.waitingList[0]!.slot);
    await reach(bob, 'connected');
    expect(bob.others.map((p) => p.name)).toEqual(['Ada']);
  });

  it('stops retrying on a close code that means no, and says why', async () => {
    const { host, guest } = await session('lww', 'host-approval');
    let tokenCalls = 0;
    const client = nodeClient(server.url, async () => {
      tokenCalls++;
      return (
        await (await fetch(`${server.url}/auth/guest`, { method: 'POST', body: '{"name":"Eve"}' })).json()
      ).token;
    });
    const eve = await guest('Eve', client);
    await until(host, 'admission', () => host.waitingList.length === 1);
    const done = new Promise<StatusChange>((resolve) =>
      eve.on('status', (s) => s.status === 'disconnected' && resolve(s)),
    );
    host.decline(host.waitingList[0]!.slot);
    const change = await done;
    expect(change.error?.code).toBe(ErrorCode.Declined);
    expect(change.error?.codeName).toBe('Declined');
    expect(tokenCalls).toBe(1);
    expect(eve.status).toBe('disconnected');
  });
});

describe('presence and cursors', () => {
  it('shares app-defined presence', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    host.setPresence({ tool: 'brush', selected: 'layer-2' });
    await until(bob, 'others', () => (bob.others[0]?.presence as { tool?: string })?.tool === 'brush');
    bob.updatePresence({ tool: 'eraser' });
    bob.updatePresence({ zoom: 2 });
    await until(
      host,
      'others',
      () => JSON.stringify(host.others[0]?.presence) === '{"tool":"eraser","zoom":2}',
    );
  });

  it('sends a 1000-call burst of cursor moves at the budget rate, ending at the last position', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    const seen: number[] = [];
    const refusals: string[] = [];
    host.on('error', (e) => refusals.push(e.codeName));
    bob.on('cursor', (_slot, c) => c?.kind === '2d' && seen.push(c.x));
    const started = Date.now();
    for (let i = 1; i <= 1000; i++) host.updateCursor({ kind: '2d', x: i, y: 0 });
    await until(bob, 'cursor', () => seen.at(-1) === 1000);
    const elapsed = Date.now() - started;
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(elapsed / (1000 / 15)) + 1);
    expect(refusals).toEqual([]);
  });

  it('stops the cursor of a hidden page for others while its presence stays', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    host.setPresence({ here: true });
    host.updateCursor({ kind: '2d', x: 5, y: 5 });
    await until(bob, 'cursor', () => bob.cursors.size === 1);
    host.setHidden(true);
    await until(bob, ['cursor', 'others'], () => bob.cursors.size === 0 && bob.others[0]?.hidden === true);
    host.updateCursor({ kind: '2d', x: 9, y: 9 });
    host.setPresence({ here: 'still' });
    await until(bob, 'others', () => (bob.others[0]?.presence as { here?: unknown })?.here === 'still');
    expect(bob.cursors.size).toBe(0);
  });
});

describe('locks', () => {
  it('selecting acquires; others see it held and read-only', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    const grant = await host.select('layer-1');
    expect(host.lockState('layer-1')).toMatchObject({ kind: 'mine', lockId: grant.lockId, readOnly: false });
    await until(bob, 'locks', () => bob.lockState('layer-1').kind === 'held');
    expect(bob.lockState('layer-1')).toMatchObject({ kind: 'held', readOnly: true, holder: { name: 'Ada' } });
    await expect(bob.select('layer-1')).rejects.toMatchObject({ codeName: 'LockedByOther' });
    await host.deselect('layer-1');
    expect(host.lockState('layer-1').kind).toBe('free');
  });

  it('keeps a lock alive while its holder is active and lets it expire once they walk away', async () => {
    await server.close();
    server = await startServer({ joinsPerMinute: 1000, lockTtlSeconds: 1 });
    const { host, guest } = await session();
    const bob = await guest('Bob');
    await host.select('projector');
    await until(bob, 'locks', () => bob.lockState('projector').kind === 'held');
    // The user keeps working for three leases: every move counts as activity.
    const working = setInterval(() => host.updateCursor({ kind: '2d', x: Math.random(), y: 0 }), 100);
    const expiredEarly = until(bob, 'locks', () => bob.lockState('projector').kind === 'free');
    const outcome = await Promise.race([
      expiredEarly.then(() => 'expired'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 3_000)),
    ]);
    clearInterval(working);
    expect(outcome).toBe('held');
    // Walking away: no activity, so no renewal, and the lease runs out.
    await expiredEarly;
    expect(host.lockState('projector').kind).not.toBe('mine');
  });

  it('request access: release grants it, decline declines, silence times out', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    await host.select('a');
    await host.select('b');
    await host.select('c');
    host.on('accessRequest', (req) => {
      if (req.resource === 'a') req.release();
      if (req.resource === 'b') req.decline();
    });
    await until(bob, 'locks', () => bob.lockState('c').kind === 'held');
    expect(await bob.requestAccess('a', 'please')).toBe('granted');
    expect(bob.lockState('a').kind).toBe('mine');
    await until(host, 'locks', () => host.lockState('a').kind === 'held');
    expect(await bob.requestAccess('b', 'please')).toBe('declined');
    expect(await bob.requestAccess('c', 'anyone?')).toBe('timeout');
  });
});

describe('documents', () => {
  it('lww: a set reaches others with its author, the author is not echoed, and concurrent sets converge', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    let hostChanges = 0;
    host.lww.subscribe(() => hostChanges++);
    await host.lww.set({ title: 'v1' });
    expect(hostChanges).toBe(1);
    await until(bob, 'activity', () => bob.lww.json<{ title: string }>()?.title === 'v1');
    // Each side knows who wrote the version it holds: the host, its own once acknowledged.
    expect(bob.lww.writer).toBe(host.self?.slot);
    expect(host.lww.writer).toBe(host.self?.slot);
    await Promise.all([host.lww.set({ title: 'host' }), bob.lww.set({ title: 'bob' })]);
    await until(host, 'activity', () => host.lww.version === bob.lww.version);
    expect(host.lww.json()).toEqual(bob.lww.json());
  });

  it('ops: optimistic local apply, one order for everyone, converging state', async () => {
    const { host, guest } = await session('ops');
    const bob = await guest('Bob');
    type Layer = Record<string, number>;
    const reducer = {
      initial: {} as Layer,
      apply: (s: Layer, op: { k: string; v: number }) => ({ ...s, [op.k]: op.v }),
    };
    host.ops.use(reducer);
    bob.ops.use(reducer);
    const p = host.ops.submit({ k: 'opacity', v: 0.5 });
    expect(host.ops.state).toEqual({ opacity: 0.5 });
    await p;
    const writes = [];
    for (let i = 0; i < 10; i++) {
      writes.push(host.ops.submit({ k: 'brightness', v: i }));
      writes.push(bob.ops.submit({ k: 'brightness', v: 100 + i }));
    }
    await Promise.all(writes);
    await until(host, 'activity', () => host.ops.version === bob.ops.version);
    await until(bob, 'activity', () => host.ops.version === bob.ops.version);
    expect(host.ops.state).toEqual(bob.ops.state);
  });

  it('ops: a reducer attached after operations arrived folds them in', async () => {
    const { host, guest } = await session('ops');
    await host.ops.submit('first');
    await host.ops.submit('second');
    const bob = await guest('Bob');
    await until(bob, 'activity', () => bob.ops.version === host.ops.version);
    bob.ops.use({ initial: [] as string[], apply: (s: string[], op: string) => [...s, op] });
    expect(bob.ops.state).toEqual(['first', 'second']);
    await host.ops.submit('third');
    await until(bob, 'activity', () => bob.ops.version === host.ops.version);
    expect(bob.ops.state).toEqual(['first', 'second', 'third']);
  });

  it('yjs: two clients edit one Y.Doc and converge', async () => {
    const { host, guest } = await session('yjs');
    const bob = await guest('Bob');
    host.yjs.getText('notes').insert(0, 'Hello ');
    bob.yjs.getText('notes').insert(0, 'World ');
    const same = () => host.yjs.getText('notes').toString() === bob.yjs.getText('notes').toString();
    await new Promise<void>((resolve) => {
      const check = () => same() && host.yjs.getText('notes').length === 12 && resolve();
      host.yjs.on('update', check);
      bob.yjs.on('update', check);
      check();
    });
    expect(Y.encodeStateVector(host.yjs)).toEqual(Y.encodeStateVector(bob.yjs));
  });
});

describe('chat and activity', () => {
  it('delivers chat, counts unread and marks read', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    const sent = await host.sendChat('hello Bob');
    expect(sent).toMatchObject({ text: 'hello Bob', mine: true });
    await until(bob, 'chat', () => bob.unread === 1);
    expect(bob.chat.at(-1)).toMatchObject({ text: 'hello Bob', mine: false, author: { name: 'Ada' } });
    bob.markChatRead();
    expect(bob.unread).toBe(0);
  });

  it('surfaces rate-limit notices as typed errors and keeps the last 20 events, newest first', async () => {
    const { host, guest } = await session();
    const bob = await guest('Bob');
    const errors: string[] = [];
    host.on('error', (e) => errors.push(e.codeName));
    const sends = [];
    for (let i = 0; i < 5; i++)
      sends.push(host.sendChat(`m${i}`).catch((e: { codeName: string }) => e.codeName));
    const outcomes = await Promise.all(sends);
    expect(outcomes.filter((o) => o === 'RateLimited').length).toBeGreaterThan(0);
    expect(host.activity.length).toBeLessThanOrEqual(20);
    expect(host.activity[0]!.at).toBeGreaterThanOrEqual(host.activity.at(-1)!.at);
    await until(bob, 'chat', () => bob.chat.length >= 2);
  });
});
