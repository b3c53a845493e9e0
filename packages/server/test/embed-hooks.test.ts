import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RoomConnection } from '../../client/src/index.js';
import { nodeClient, reach, until } from '../../client/test/support/clients.js';
import { ManualClock } from '../../room/src/index.js';
import {
  type AppIdentity,
  type DocumentChange,
  type RoomParticipant,
  type TandemHooks,
  TandemServer,
} from '../src/index.js';
import { LogRecorder } from './support/logs.js';

const open: { tandem?: TandemServer; http?: Server; rooms: RoomConnection[] } = { rooms: [] };
afterEach(async () => {
  for (const room of open.rooms.splice(0)) room.leave();
  await open.tandem?.close();
  const http = open.http;
  if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
  open.tandem = undefined;
  open.http = undefined;
});

/** The app's token format in these tests: `user:<id>:<name>`. */
function appToken(userId: string, name: string): string {
  return `user:${userId}:${name}`;
}

const fromAppToken = (token: string): AppIdentity | undefined => {
  const [kind, userId, name] = token.split(':');
  return kind === 'user' && userId && name !== undefined ? { userId, name } : undefined;
};

/** Tandem attached at the root of a plain `http.Server` (whose own answer is 418), with `hooks`. */
async function embedded(
  hooks: TandemHooks,
  { logger = pino({ level: 'silent' }), clock }: { logger?: LogRecorder['logger']; clock?: ManualClock } = {},
) {
  const http = createServer((_req, res) => res.writeHead(418).end());
  open.http = http;
  const tandem = await TandemServer.attach(http, {
    data: ':memory:',
    roomIdleSeconds: 0,
    logger,
    hooks,
    ...(clock ? { clock } : {}),
  });
  open.tandem = tandem;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { tandem, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function ticketStatus(url: string, token: string): Promise<number> {
  return fetch(`${url}/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
    (res) => res.status,
  );
}

function track(room: RoomConnection): RoomConnection {
  open.rooms.push(room);
  return room;
}

describe('onAuthenticate', () => {
  it("admits the app's own tokens with the identity it returns, and refuses the rest", async () => {
    const seen: string[] = [];
    const { url } = await embedded({
      onAuthenticate: (token: string, request: IncomingMessage) => {
        seen.push(request.headers.host ?? '');
        return fromAppToken(token);
      },
    });
    const client = nodeClient(url, appToken('u-1', 'Ada'));
    const hosted = await client.host({ policy: 'open' });
    const host = track(client.join({ roomId: hosted.roomId }));
    await reach(host, 'connected');
    expect(host.self).toMatchObject({ userId: 'u-1', name: 'Ada', role: 'host' });
    expect(seen.length).toBeGreaterThan(0);
    expect(await ticketStatus(url, 'not-ours')).toBe(401);
    // Guests are the app's to decide now: the server issues none.
    const guest = await fetch(`${url}/auth/guest`, { method: 'POST', body: '{"name":"Eve"}' });
    expect(guest.status).not.toBe(200);
  });

  it('refuses with 401 when the hook throws, 503 when it is too slow, 401 for a bad identity', async () => {
    const clock = new ManualClock();
    let hanging: (() => void) | undefined;
    const asked = new Promise<void>((resolve) => {
      hanging = resolve;
    });
    const { url } = await embedded(
      {
        hookTimeoutMs: 50,
        onAuthenticate: (token) => {
          if (token === 'throw') throw new Error('database down');
          if (token === 'hang') {
            hanging?.();
            return new Promise<never>(() => undefined);
          }
          if (token === 'bad') return { userId: '', name: 'x' };
          return fromAppToken(token);
        },
      },
      { clock },
    );
    const thrown = await fetch(`${url}/tickets`, {
      method: 'POST',
      headers: { authorization: 'Bearer throw' },
    });
    expect(thrown.status).toBe(401);
    expect(await thrown.json()).toMatchObject({ error: 'Unauthorized', message: 'the token was refused' });
    const slowAnswer = fetch(`${url}/tickets`, { method: 'POST', headers: { authorization: 'Bearer hang' } });
    await asked;
    clock.advance(50);
    const slow = await slowAnswer;
    expect(slow.status).toBe(503);
    expect(await slow.json()).toMatchObject({ message: 'authentication timed out; try again' });
    expect(await ticketStatus(url, 'bad')).toBe(401);
    // The server is unharmed.
    expect(await ticketStatus(url, appToken('u-2', 'Bob'))).toBe(201);
  });
  it('refuses a WebSocket whose token the hook throws on with 401, before any room', async () => {
    const { url } = await embedded({
      onAuthenticate: (token) => {
        if (token === 'throw') throw new Error('app bug');
        return fromAppToken(token);
      },
    });
    const { default: WebSocket } = await import('ws');
    const status = (token: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/rooms/nosuchroom?token=${token}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
      });
    expect(await status('throw')).toBe(401);
    expect(await status('nonsense')).toBe(401);
    // A good token passes the gate (the room then refuses it: there is no such room).
    expect(await status(appToken('u-3', 'Cy'))).toBe(101);
  });
});

describe('room hooks', () => {
  it('tells the app of joins, leaves and the stored document after edits pause', async () => {
    const joins: [string, RoomParticipant][] = [];
    const leaves: [string, RoomParticipant][] = [];
    const changes: DocumentChange[] = [];
    let changed: (() => void) | undefined;
    let left: (() => void) | undefined;
    const { url } = await embedded({
      onAuthenticate: fromAppToken,
      onJoin: (roomId, who) => void joins.push([roomId, who]),
      onLeave: (roomId, who) => {
        leaves.push([roomId, who]);
        left?.();
      },
      onChange: (change) => {
        changes.push(change);
        changed?.();
      },
      changeDebounceMs: 30,
    });
    const adaClient = nodeClient(url, appToken('ada', 'Ada'));
    const hosted = await adaClient.host({ policy: 'open', docMode: 'lww' });
    const ada = track(adaClient.join({ roomId: hosted.roomId }));
    await reach(ada, 'connected');
    const bob = track(nodeClient(url, appToken('bob', 'Bob')).join({ code: hosted.joinCode }));
    await reach(bob, 'connected');
    expect(joins).toEqual([
      [hosted.roomId, { userId: 'ada', name: 'Ada' }],
      [hosted.roomId, { userId: 'bob', name: 'Bob' }],
    ]);
    const reported = new Promise<void>((resolve) => {
      changed = resolve;
    });
    await bob.lww.set({ title: 'one' });
    await bob.lww.set({ title: 'two' });
    await reported;
    const last = changes.at(-1);
    expect(last).toMatchObject({ roomId: hosted.roomId, docMode: 'lww' });
    expect(last?.doc.mode).toBe('lww');
    if (last?.doc.mode === 'lww') {
      expect(JSON.parse(new TextDecoder().decode(last.doc.doc))).toEqual({ title: 'two' });
    }
    const gone = new Promise<void>((resolve) => {
      left = resolve;
    });
    bob.leave();
    await gone;
    expect(leaves).toEqual([[hosted.roomId, { userId: 'bob', name: 'Bob' }]]);
  });

  it('hands a yjs room its stored updates, which rebuild the document', async () => {
    let reported: ((change: DocumentChange) => void) | undefined;
    const { url } = await embedded({
      onChange: (change) => reported?.(change),
      changeDebounceMs: 20,
    });
    const client = nodeClient(url, { guest: 'Ada' });
    const hosted = await client.host({ policy: 'open', docMode: 'yjs' });
    const ada = track(client.join({ roomId: hosted.roomId }));
    await reach(ada, 'connected');
    const change = new Promise<DocumentChange>((resolve) => {
      reported = (c) => {
        if (c.doc.mode !== 'yjs') return;
        const doc = new Y.Doc();
        for (const update of c.doc.updates) Y.applyUpdate(doc, update);
        if (doc.getText('notes').toString() === 'stored') resolve(c);
      };
    });
    ada.yjs.getText('notes').insert(0, 'stored');
    expect(await change).toMatchObject({ roomId: hosted.roomId, docMode: 'yjs' });
  });

  it('logs a hook that throws or rejects, and the room carries on', async () => {
    const logs = new LogRecorder('info');
    let failures = 0;
    const fail = () => {
      failures++;
      throw new Error('app bug');
    };
    const { url } = await embedded(
      {
        onJoin: fail,
        onLeave: () => Promise.reject(new Error('app bug')),
        onChange: fail,
        changeDebounceMs: 0,
      },
      { logger: logs.logger },
    );
    const adaClient = nodeClient(url, { guest: 'Ada' });
    const hosted = await adaClient.host({ policy: 'open' });
    const ada = track(adaClient.join({ roomId: hosted.roomId }));
    await reach(ada, 'connected');
    const bob = track(nodeClient(url, { guest: 'Bob' }).join({ code: hosted.joinCode }));
    await reach(bob, 'connected');
    await bob.lww.set({ title: 'still works' });
    await until(ada, 'activity', () => ada.lww.json<{ title: string }>()?.title === 'still works');
    await logs.seen((line) => line.msg === 'hook failed' && line.hook === 'onChange');
    await logs.seen((line) => line.msg === 'hook failed' && line.hook === 'onJoin', 2);
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(ada.status).toBe('connected');
  });

  it('does not let an onChange that never returns hold up close() past the hook timeout', async () => {
    const clock = new ManualClock();
    let called: (() => void) | undefined;
    const asked = new Promise<void>((resolve) => {
      called = resolve;
    });
    const { tandem, url } = await embedded(
      {
        onChange: () => {
          called?.();
          return new Promise<never>(() => undefined);
        },
        changeDebounceMs: 60_000,
        hookTimeoutMs: 1000,
      },
      { clock },
    );
    const adaClient = nodeClient(url, { guest: 'Ada' });
    const hosted = await adaClient.host({ policy: 'open', docMode: 'lww' });
    const ada = track(adaClient.join({ roomId: hosted.roomId }));
    await reach(ada, 'connected');
    await ada.lww.set({ title: 'then the app hangs' });
    const closed = tandem.close();
    await asked;
    clock.advance(1000);
    await closed;
  });

  it('reports a change still waiting for its debounce when the server closes', async () => {
    const changes: DocumentChange[] = [];
    const { tandem, url } = await embedded({
      onChange: (change) => void changes.push(change),
      changeDebounceMs: 60_000,
    });
    const adaClient = nodeClient(url, { guest: 'Ada' });
    const hosted = await adaClient.host({ policy: 'open', docMode: 'lww' });
    const ada = track(adaClient.join({ roomId: hosted.roomId }));
    await reach(ada, 'connected');
    await ada.lww.set({ title: 'last words' });
    expect(changes).toEqual([]);
    await tandem.close();
    expect(changes.map((c) => c.roomId)).toEqual([hosted.roomId]);
  });
});
