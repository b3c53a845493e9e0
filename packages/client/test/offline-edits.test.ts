import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { guestToken } from '../../server/test/support/server.js';
import type { RoomConnection } from '../src/index.js';
import { nodeClient, reach, until } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';
import { type WatchedOutbox, watchedOutbox } from './support/watched-outbox.js';

const env = useProxiedServer();

type DocMode = 'lww' | 'ops' | 'yjs';
const reducer = { initial: [] as string[], apply: (s: string[], op: string) => [...s, op] };

/**
 * Ada's pages reach the server through the proxy, with one outbox between them (one browser's
 * storage) and one user; Bob connects directly. Each `adaPage()` is a page load: a new client and
 * a new RoomConnection.
 */
async function setup(docMode: DocMode, bobOptions: { opsSnapshotEvery?: number } = {}) {
  const outbox = watchedOutbox();
  const { token } = await guestToken(env.server, 'Ada');
  const { roomId } = await nodeClient(env.server.url, token).host({ policy: 'open', docMode });
  const adaPage = () => {
    const room = nodeClient(env.proxy.url, token, { outbox }).join({ roomId });
    if (docMode === 'ops') room.ops.use(reducer);
    env.rooms.push(room);
    return room;
  };
  const ada = adaPage();
  const bob = nodeClient(env.server.url, { guest: 'Bob' }, bobOptions).join({ roomId });
  if (docMode === 'ops') bob.ops.use(reducer);
  env.rooms.push(bob);
  await Promise.all([reach(ada, 'connected'), reach(bob, 'connected')]);
  return { roomId, outbox, ada, bob, adaPage };
}

/** The network goes down under Ada's page. */
async function offline(ada: RoomConnection): Promise<void> {
  const away = until(ada, 'status', () => ada.status === 'reconnecting');
  env.proxy.cut();
  await away;
}

/**
 * Ada's page goes away (a reload, a closed tab): what it kept is all that remains, and its claim
 * on it goes with it (the browser lets a page's Web Locks go when it unloads).
 */
async function gone(ada: RoomConnection, outbox: WatchedOutbox): Promise<void> {
  ada.leave();
  await outbox.until(() => !outbox.claimed.has(ada.clientId));
}

const opsState = (room: RoomConnection) => room.ops.state as string[];

/** Resolves once `check()` holds, re-checking whenever `subscribe` reports a change. */
function when(subscribe: (listener: () => void) => () => void, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const test = () => {
      if (!check()) return;
      off();
      resolve();
    };
    const off = subscribe(test);
    test();
  });
}

const whenOps = (room: RoomConnection, check: () => boolean) =>
  when((l) => room.ops.subscribeState(l), check);
const whenLww = (room: RoomConnection, check: () => boolean) => when((l) => room.lww.subscribe(l), check);

/** Resolves once the text `name` of the room's Y.Doc reads `text`. */
function whenText(room: RoomConnection, name: string, text: string): Promise<void> {
  const shared = room.yjs.getText(name);
  return new Promise((resolve) => {
    const test = () => {
      if (shared.toString() !== text) return;
      shared.unobserve(test);
      resolve();
    };
    shared.observe(test);
    test();
  });
}
/** Ada's page makes `ops` offline, keeps them, and goes. */
async function opsLeftOffline(ada: RoomConnection, outbox: WatchedOutbox, ops: string[]): Promise<void> {
  await offline(ada);
  for (const op of ops) void ada.ops.submit(op);
  await outbox.until(() => opsOf(outbox).length === ops.length);
  await gone(ada, outbox);
}

/** Ada's page, already offline, types with `edit`, keeps it, and goes; her next page brings `text` to Bob. */
async function yjsAcrossReload(
  { outbox, ada, bob, adaPage }: Awaited<ReturnType<typeof setup>>,
  edit: (text: Y.Text) => void,
  text: string,
): Promise<RoomConnection> {
  edit(ada.yjs.getText('notes'));
  await outbox.until((entries) => [...entries.values()].some((e) => e.yjs !== undefined));
  await gone(ada, outbox);
  const again = adaPage();
  env.proxy.restore();
  await whenText(bob, 'notes', text);
  await empty(outbox);
  return again;
}

const opsOf = (outbox: WatchedOutbox) => [...outbox.entries.values()].flatMap((e) => e.ops.map((o) => o.op));
const empty = (outbox: WatchedOutbox) => outbox.until((entries) => entries.size === 0);

describe('edits kept across a reload', () => {
  it('ops made offline are sent once by the next page, under the same client id', async () => {
    const { outbox, ada, bob, adaPage, roomId } = await setup('ops');
    await opsLeftOffline(ada, outbox, ['A1', 'A2']);
    const [entry] = outbox.entries.values();
    expect(entry?.clientId).toBe(ada.clientId);
    expect(entry?.userId).toBe(ada.self?.userId);

    const again = adaPage();
    env.proxy.restore();
    await whenOps(bob, () => opsState(bob).length === 2);
    await reach(again, 'connected');
    expect(again.clientId).toBe(ada.clientId);
    await whenOps(again, () => again.ops.version === bob.ops.version);
    expect(opsState(bob)).toEqual(['A1', 'A2']);
    expect(opsState(again)).toEqual(['A1', 'A2']);
    expect(again.activity.some((a) => a.message.includes('2 edits unsent before a reload'))).toBe(true);
    await empty(outbox);

    const carol = nodeClient(env.server.url, { guest: 'Carol' }).join({ roomId });
    carol.ops.use(reducer);
    env.rooms.push(carol);
    await reach(carol, 'connected');
    expect(opsState(carol)).toEqual(['A1', 'A2']);
  });

  it('ops the next page makes before it has adopted the entry go after the adopted ones, offline reload after offline reload', async () => {
    const { outbox, ada, bob, adaPage } = await setup('ops');
    await opsLeftOffline(ada, outbox, ['first page']);

    // Still offline: the second page edits at once, and goes too before it ever reached the room.
    const second = adaPage();
    void second.ops.submit('second page');
    await outbox.until(() => opsOf(outbox).length === 2);
    expect(opsOf(outbox)).toEqual(['first page', 'second page']);
    await gone(second, outbox);

    const third = adaPage();
    env.proxy.restore();
    await whenOps(bob, () => opsState(bob).length === 2);
    await empty(outbox);
    expect(third.clientId).toBe(ada.clientId);
    expect(opsState(bob)).toEqual(['first page', 'second page']);
  });

  it('ops: one that landed but whose ack was lost, past a compaction, is answered and not sequenced again', async () => {
    const { outbox, ada, bob, adaPage } = await setup('ops', { opsSnapshotEvery: 1 });
    env.proxy.deafen();
    void ada.ops.submit('X');
    await whenOps(bob, () => opsState(bob).includes('X'));
    await outbox.until(() => opsOf(outbox).includes('X'));
    // Bob's op makes him offer a snapshot: the catch-up of the next page holds no trace of X's id.
    await bob.ops.submit('Y');
    env.proxy.cut();
    await gone(ada, outbox);

    const again = adaPage();
    env.proxy.restore();
    await reach(again, 'connected');
    await whenOps(again, () => again.ops.version === bob.ops.version);
    await empty(outbox);
    expect(opsState(bob)).toEqual(['X', 'Y']);
    expect(opsState(again)).toEqual(['X', 'Y']);
  });

  it('lww: a write made offline reaches the room after the reload', async () => {
    const { outbox, ada, bob, adaPage } = await setup('lww');
    await offline(ada);
    void ada.lww.set({ by: 'ada, offline' }, { resource: 'card' });
    await outbox.until((entries) => [...entries.values()].some((e) => e.lww?.resource === 'card'));
    await gone(ada, outbox);

    const again = adaPage();
    env.proxy.restore();
    await whenLww(bob, () => bob.lww.version > 0);
    expect(bob.lww.json()).toEqual({ by: 'ada, offline' });
    await empty(outbox);
    expect(again.lww.json()).toEqual({ by: 'ada, offline' });
  });

  it('lww: a write that landed but whose ack was lost does not overwrite a later write after the reload', async () => {
    const { outbox, ada, bob, adaPage } = await setup('lww');
    env.proxy.deafen();
    void ada.lww.set({ by: 'ada' });
    await whenLww(bob, () => (bob.lww.json() as { by?: string } | undefined)?.by === 'ada');
    await outbox.until((entries) => entries.size === 1);
    await bob.lww.set({ by: 'bob, later' });
    env.proxy.cut();
    await gone(ada, outbox);

    const again = adaPage();
    env.proxy.restore();
    await reach(again, 'connected');
    await empty(outbox);
    await whenLww(again, () => again.lww.version === bob.lww.version);
    expect(again.lww.json()).toEqual({ by: 'bob, later' });
    expect(bob.lww.json()).toEqual({ by: 'bob, later' });
  });

  it('yjs: text typed offline, and text whose ack was lost, arrive once after the reload', async () => {
    const room = await setup('yjs');
    env.proxy.deafen();
    room.ada.yjs.getText('notes').insert(0, 'landed. ');
    await whenText(room.bob, 'notes', 'landed. ');
    await offline(room.ada);
    const again = await yjsAcrossReload(room, (t) => t.insert(8, 'offline.'), 'landed. offline.');
    expect(again.yjs.getText('notes').toString()).toBe('landed. offline.');
  });

  it("yjs: text typed offline into someone else's text arrives after the reload, though the new page lacks that text at first", async () => {
    const room = await setup('yjs');
    room.bob.yjs.getText('notes').insert(0, 'Bob wrote this.');
    await whenText(room.ada, 'notes', 'Bob wrote this.');
    await offline(room.ada);
    const again = await yjsAcrossReload(room, (t) => t.insert(3, ' (and Ada)'), 'Bob (and Ada) wrote this.');
    await whenText(again, 'notes', 'Bob (and Ada) wrote this.');
  });

  it('two pages opened at once: one adopts the entry, the other starts its own', async () => {
    const { outbox, ada, bob, adaPage } = await setup('ops');
    await opsLeftOffline(ada, outbox, ['once']);

    const [first, second] = [adaPage(), adaPage()];
    env.proxy.restore();
    await Promise.all([reach(first, 'connected'), reach(second, 'connected')]);
    expect([first.clientId, second.clientId].filter((id) => id === ada.clientId)).toHaveLength(1);
    await whenOps(bob, () => opsState(bob).length === 1);
    await empty(outbox);
    await bob.ops.submit('after');
    expect(opsState(bob)).toEqual(['once', 'after']);
  });

  it("another user's page keeps the entry for its user and says so; that user's next page adopts it", async () => {
    const { outbox, ada, bob, adaPage, roomId } = await setup('ops');
    await opsLeftOffline(ada, outbox, ['from Ada']);
    env.proxy.restore();

    // Grace signs in on the same browser (same storage) and opens the room.
    const grace = nodeClient(env.proxy.url, { guest: 'Grace' }, { outbox }).join({ roomId });
    grace.ops.use(reducer);
    env.rooms.push(grace);
    await until(grace, 'activity', () => grace.activity.some((a) => a.message.includes('by another user')));
    await reach(grace, 'connected');
    expect(grace.clientId).not.toBe(ada.clientId);
    expect(opsState(grace)).toEqual([]);
    expect([...outbox.entries.values()].map((e) => e.clientId)).toEqual([ada.clientId]);

    const again = adaPage();
    await whenOps(bob, () => opsState(bob).length === 1);
    expect(again.clientId).toBe(ada.clientId);
    await empty(outbox);
    expect(opsState(bob)).toEqual(['from Ada']);
  });
});
