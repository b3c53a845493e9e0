import { type MessageOf, PROTOCOL_VERSION } from '@tandem/protocol';
import { YjsSyncClient } from '@tandem/yjs';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { guestToken, hostSession, roomUrl, startServer, tempDataDir } from './support/server.js';
import { awarenessUntil, notesWhen, yFinalClose, yProvider, ySynced } from './support/y-websocket.js';

const opened: WebsocketProvider[] = [];
const servers: TandemServer[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const p of opened.splice(0)) p.destroy();
  for (const s of servers.splice(0)) await s.close();
  for (const c of cleanups.splice(0)) c();
});

async function serve(config: Parameters<typeof startServer>[0] = {}): Promise<TandemServer> {
  const server = await startServer({ docRate: 1000, ...config });
  servers.push(server);
  return server;
}

function provider(server: TandemServer, room: string, token: string, doc = new Y.Doc()): WebsocketProvider {
  const p = yProvider(server.wsUrl, room, token, doc);
  opened.push(p);
  return p;
}

const synced = ySynced;
const finalClose = yFinalClose;
const textWhen = notesWhen;

/** A raw socket to a y-websocket URL, keeping what it receives. */
async function rawSocket(
  url: string,
): Promise<{ ws: WebSocket; got: Uint8Array[]; closed: Promise<number>; first: Promise<Uint8Array> }> {
  const ws = new WebSocket(url);
  const got: Uint8Array[] = [];
  const first = new Promise<Uint8Array>((resolve) =>
    ws.once('message', (data: Buffer) => resolve(new Uint8Array(data))),
  );
  ws.on('message', (data: Buffer) => got.push(new Uint8Array(data)));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got, closed, first };
}

function encodeAwarenessFrame(clientId: number, state: string): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1);
  encoding.writeVarUint(update, clientId);
  encoding.writeVarUint(update, 1);
  encoding.writeVarString(update, state);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(update));
  return encoding.toUint8Array(e);
}

function syncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  return encoding.toUint8Array(e);
}

async function yjsSession(server: TandemServer, policy = 'open') {
  const { host, session, token } = await hostSession(server, { policy, docMode: 'yjs' });
  return { host, roomId: session.roomId, token };
}

describe('y-websocket endpoint', () => {
  it('syncs two unmodified WebsocketProviders through a Tandem yjs room', async () => {
    const server = await serve();
    const { host, roomId } = await yjsSession(server);
    await host.close();
    const ada = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Ada')).token);
    const bob = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Bob')).token);
    await Promise.all([synced(ada), synced(bob)]);
    ada.doc.getText('notes').insert(0, 'from ada ');
    await textWhen(bob.doc, (t) => t.includes('from ada'));
    bob.doc.getText('notes').insert(0, 'from bob ');
    expect(await textWhen(ada.doc, (t) => t.includes('from bob'))).toBe('from bob from ada ');
  });

  it('shares edits with a Tandem yjs client, and shows in its roster', async () => {
    const server = await serve();
    const { host, roomId, token } = await yjsSession(server);
    await host.close();
    const tandemDoc = new Y.Doc();
    const tandem = await TestClient.open(roomUrl(server, roomId, token));
    const sync = new YjsSyncClient(tandemDoc, (m) => tandem.send(m));
    tandem.ws.on('message', () => {
      const m = tandem.received.at(-1);
      if (m?.type === 'yjs') sync.receive(m as MessageOf<'yjs'>);
    });
    tandem.send({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 });
    await tandem.admitted();

    const y = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Yuki')).token);
    const joined = await tandem.next('peerJoin', (p) => p.name === 'Yuki');
    expect(joined.role).toBe('guest');
    await synced(y);
    tandemDoc.getText('notes').insert(0, 'tandem says hi. ');
    await textWhen(y.doc, (t) => t.includes('tandem says hi'));
    y.doc.getText('notes').insert(0, 'yjs says hi. ');
    expect(await textWhen(tandemDoc, (t) => t.includes('yjs says hi'))).toBe('yjs says hi. tandem says hi. ');
    y.destroy();
    await tandem.next('peerLeave', (p) => p.slot === joined.slot);
  });

  it('keeps a fast typist within the room’s default document budget: no edit lost, no reconnect', async () => {
    const server = await serve({ docRate: 8 });
    const { host, roomId, token } = await yjsSession(server);
    await host.close();
    const typist = provider(server, `rooms/${roomId}`, token);
    const reader = provider(server, `rooms/${roomId}`, token);
    await Promise.all([synced(typist), synced(reader)]);
    let closes = 0;
    typist.on('connection-close', () => closes++);
    const text = typist.doc.getText('notes');
    // A keystroke per turn of the event loop: each is its own y-websocket update frame.
    for (let i = 0; i < 60; i++) {
      text.insert(text.length, String(i % 10));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await textWhen(reader.doc, (t) => t.length === 60)).toBe('0123456789'.repeat(6));
    expect(closes).toBe(0);
  });

  it('keeps the document across a server restart, and the provider reconnects by itself', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = await serve({ data: data.dir });
    const port = Number(new URL(first.url).port);
    const { host, roomId, token } = await yjsSession(first);
    await host.close();
    const ada = provider(first, `rooms/${roomId}`, token);
    await synced(ada);
    ada.doc.getText('notes').insert(0, 'durable words');
    // Once a second client sees it the room holds it; the server's close writes what rooms hold.
    const check = provider(first, `rooms/${roomId}`, token);
    await textWhen(check.doc, (t) => t === 'durable words');
    check.destroy();

    const reconnected = new Promise<void>((resolve) =>
      ada.on('status', ({ status }) => status === 'connected' && ada.wsconnected && resolve()),
    );
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    const second = await serve({ data: data.dir, port });
    await reconnected;
    await synced(ada);
    const fresh = provider(second, `rooms/${roomId}`, token);
    expect(await textWhen(fresh.doc, (t) => t.length > 0)).toBe('durable words');
    ada.doc.getText('notes').insert(0, 'after restart: ');
    await textWhen(fresh.doc, (t) => t === 'after restart: durable words');
  });

  it('sends a waiting guest no document bytes, and a declined one a close that stops the provider', async () => {
    const server = await serve();
    const { host, roomId } = await yjsSession(server, 'host-approval');
    host.send({ type: 'yjs', step: 'update', rid: 0, data: seeded('secret plans') });
    const { token } = await guestToken(server, 'Mallory');
    const raw = await rawSocket(`${server.wsUrl}/yjs/rooms/${roomId}?token=${encodeURIComponent(token)}`);
    raw.ws.send(syncStep1(new Y.Doc()));
    const list = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === 'Mallory'));
    // Its own awareness comes back (what keeps a provider from taking silence for a dead line)...
    const own = encodeAwarenessFrame(7, '{"user":{"name":"Mallory"}}');
    raw.ws.send(own);
    expect(await raw.first).toEqual(own);
    host.send({ type: 'admit', action: 'decline', slot: list.waiting[0]!.slot });
    expect(await raw.closed).toBe(4409);
    // ...and nothing else: no document bytes, no one else's state.
    expect(raw.got).toEqual([own]);

    const { token: t2 } = await guestToken(server, 'Mallory2');
    const p = provider(server, `rooms/${roomId}`, t2);
    const list2 = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === 'Mallory2'));
    const closed = finalClose(p);
    host.send({
      type: 'admit',
      action: 'decline',
      slot: list2.waiting.find((g) => g.name === 'Mallory2')!.slot,
    });
    expect((await closed).code).toBe(4409);
    expect(p.shouldConnect).toBe(false);
    expect(p.doc.getText('notes').toString()).toBe('');
  });

  it('refuses a bad token with a close the provider stops on', async () => {
    const server = await serve();
    const { roomId } = await yjsSession(server);
    const p = provider(server, `rooms/${roomId}`, 'not-a-token');
    expect((await finalClose(p)).code).toBe(4404);
    expect(p.shouldConnect).toBe(false);
    const nowhere = provider(server, 'p2p/whatever', (await guestToken(server, 'Z')).token);
    expect((await finalClose(nowhere)).code).toBe(4426);
  });

  it('refuses an update over the document cap and keeps the room unchanged', async () => {
    const server = await serve();
    const { host, roomId, token } = await yjsSession(server);
    await host.close();
    const big = provider(server, `rooms/${roomId}`, token);
    await synced(big);
    const closed = finalClose(big);
    big.doc.getText('notes').insert(0, 'x'.repeat(530 * 1024));
    expect((await closed).code).toBe(4413);
    const other = provider(server, `rooms/${roomId}`, token);
    await synced(other);
    expect(other.doc.getText('notes').length).toBe(0);
  });

  it('refuses malformed frames without harm to the room', async () => {
    const server = await serve();
    const { host, roomId, token } = await yjsSession(server);
    const url = async (name: string) =>
      `${server.wsUrl}/yjs/rooms/${roomId}?token=${encodeURIComponent((await guestToken(server, name)).token)}`;
    const frames = [[0, 9, 1, 0], [0, 0, 200], [7], [1, 5, 1, 2], [0, 2, 3, 1, 2, 3], []];
    for (const [i, frame] of frames.entries()) {
      const raw = await rawSocket(await url(`Eve${i}`));
      raw.ws.send(new Uint8Array(frame));
      expect(await raw.closed).toBe(4401);
    }
    // A well-formed frame carrying a broken update is refused by the room.
    const raw = await rawSocket(await url('Eve'));
    raw.ws.send(syncStep1(new Y.Doc()));
    // The room's sync step 1 comes with admission; an update before it would be dropped unread.
    expect([...(await raw.first).slice(0, 2)]).toEqual([0, 0]);
    raw.ws.send(new Uint8Array([0, 2, 3, 9, 9, 9]));
    expect(await raw.closed).toBe(4401);
    const p = provider(server, `rooms/${roomId}`, token);
    await synced(p);
    p.doc.getText('notes').insert(0, 'still fine');
    await host.next('yjs', (m) => m.step === 'update');
  });

  it('refuses awareness beyond its limits with a close the provider stops on, and leaves none of it behind', async () => {
    const server = await serve();
    const { host, roomId } = await yjsSession(server);
    await host.close();
    const watcher = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Watcher')).token);
    await synced(watcher);
    const url = async (name: string) =>
      `${server.wsUrl}/yjs/rooms/${roomId}?token=${encodeURIComponent((await guestToken(server, name)).token)}`;
    const admitted = async (name: string) => {
      const raw = await rawSocket(await url(name));
      raw.ws.send(syncStep1(new Y.Doc()));
      await raw.first;
      return raw;
    };
    // Nine Yjs client ids from one connection: the room refuses, the bridge closes it.
    const many = await admitted('Eve');
    for (let id = 1; id <= 9; id++) many.ws.send(encodeAwarenessFrame(1000 + id, '{}'));
    expect(await many.closed).toBe(4418);
    // A state over 8 KiB.
    const big = await admitted('Eve2');
    big.ws.send(encodeAwarenessFrame(2000, JSON.stringify({ pad: 'x'.repeat(9 * 1024) })));
    expect(await big.closed).toBe(4418);
    // A state that is not JSON.
    const broken = await admitted('Eve3');
    broken.ws.send(encodeAwarenessFrame(3000, '{nope'));
    expect(await broken.closed).toBe(4401);
    // Nothing of theirs stays with the watcher (the eight ids the room took went with their
    // connection), and the room still serves it.
    const theirs = new Set([1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 2000, 3000]);
    await awarenessUntil(
      watcher.awareness,
      () => ![...watcher.awareness.getStates().keys()].some((id) => theirs.has(id)),
    );
    expect([...watcher.awareness.getStates().keys()].filter((id) => theirs.has(id))).toEqual([]);
    watcher.doc.getText('notes').insert(0, 'still fine');
    const again = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Later')).token);
    expect(await textWhen(again.doc, (t) => t === 'still fine')).toBe('still fine');
  });

  it('relays awareness between providers under their verified names and room colours, and removes a provider’s state when it leaves', async () => {
    const server = await serve();
    const { host, roomId } = await yjsSession(server);
    await host.close();
    const ada = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Ada')).token);
    const bob = provider(server, `rooms/${roomId}`, (await guestToken(server, 'Bob')).token);
    await Promise.all([synced(ada), synced(bob)]);
    type Shown = { user?: { name?: string; color?: string; icon?: string }; cursor?: number };
    const adaShown = () => bob.awareness.getStates().get(ada.doc.clientID) as Shown | undefined;
    const seen = awarenessUntil(bob.awareness, () => adaShown()?.cursor === 3);
    // Ada claims to be someone else: the others see her own name and her room colour, and the rest.
    ada.awareness.setLocalState({ user: { name: 'Bob', color: '#000000', icon: 'cat' }, cursor: 3 });
    await seen;
    const shown = adaShown()!;
    expect(shown.user?.name).toBe('Ada');
    expect(shown.user?.icon).toBe('cat');
    expect(shown.user?.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(shown.user?.color).not.toBe('#000000');
    const gone = awarenessUntil(bob.awareness, () => !bob.awareness.getStates().has(ada.doc.clientID));
    ada.disconnect();
    await gone;
    // Counted by the room's messages they stand for, not by y-websocket's first bytes.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/tandem_messages_in_total\{type="awareness"\} [1-9]/);
    expect(metrics).toMatch(/tandem_messages_out_total\{type="peerAwareness"\} [1-9]/);
    expect(metrics).not.toMatch(/type="0x[0-3]"/);
  });

  it('keeps a room of ten providers connected: the states each provider sends back are not taken for its own', async () => {
    const server = await serve();
    const { host, roomId } = await yjsSession(server);
    await host.close();
    const names = Array.from({ length: 10 }, (_, i) => `P${i}`);
    const all: WebsocketProvider[] = [];
    for (const name of names)
      all.push(provider(server, `rooms/${roomId}`, (await guestToken(server, name)).token));
    let closes = 0;
    for (const p of all) p.on('connection-close', () => closes++);
    await Promise.all(all.map(synced));
    const shownNames = (p: WebsocketProvider): string[] =>
      [...p.awareness.getStates()]
        .filter(([id]) => id !== p.doc.clientID)
        .map(([, state]) => (state as { user?: { name?: string } }).user?.name ?? '')
        .sort();
    const when = (p: WebsocketProvider, ok: (shown: string[]) => boolean): Promise<void> =>
      awarenessUntil(p.awareness, () => ok(shownNames(p)));
    // Each provider sends every state it applies back to the server: the others' as well as its own.
    for (const [i, p] of all.entries()) p.awareness.setLocalStateField('cursor', i);
    await Promise.all(
      all.map((p, i) => when(p, (shown) => shown.join() === names.filter((_, j) => j !== i).join())),
    );
    // A reader that leaves takes its own state with it, and no one else's.
    all[9]!.disconnect();
    await when(all[0]!, (shown) => shown.join() === names.slice(1, 9).join());
    expect(closes).toBe(1);
  });
});

function seeded(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}
