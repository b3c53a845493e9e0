import { ErrorCode } from '@tandem/protocol';
import { type Access, type Identity, ManualClock } from '@tandem/room';
import { type JWTPayload, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { accessFromGrants, roomGrantsOf } from '../src/auth/index.js';
import type { TandemServer } from '../src/server.js';
import { openSqliteStore } from '../src/store/open-sqlite-store.js';
import { TestClient, UpgradeRefused } from './support/client.js';
import { createSession, guestToken, postJson, startServer } from './support/server.js';
import { b64, SERVICE_KEY, serviceCall, unb64 } from './support/service-api.js';

const SECRET = 'an-app-secret-of-at-least-32-bytes!!';
const secretKey = new TextEncoder().encode(SECRET);

/** A token the app signs for `sub`, with `rooms` as its `tandem.rooms` claim. */
function appToken(sub: string, rooms?: unknown, expiresAtMs = Date.now() + 600_000): Promise<string> {
  const claims: JWTPayload = { sub, ...(rooms === undefined ? {} : { tandem: { rooms } }) };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(expiresAtMs / 1000))
    .sign(secretKey);
}

function docUrl(server: TandemServer, name: string, token: string, mode?: string): string {
  const query = `${mode ? `mode=${mode}&` : ''}token=${encodeURIComponent(token)}`;
  return `${server.wsUrl}/docs/${encodeURIComponent(name)}?${query}`;
}

/** Connects and says hello; resolves once the room admits or refuses it. */
async function enter(url: string): Promise<TestClient> {
  return TestClient.join(url);
}

/** The refusal a connection meets: its error code and message, and its close code. */
async function refusal(url: string): Promise<{ code: number; message: string; close: number }> {
  const client = await enter(url);
  const error = await client.next('error');
  const { code } = await client.closed;
  return { code: error.code, message: error.message, close: code };
}

async function upgradeStatus(url: string): Promise<number> {
  try {
    const client = await TestClient.open(url);
    await client.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const base64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

describe('the rooms claim', () => {
  it('takes the most specific pattern, and refuses what is malformed or over-broad', () => {
    const grants = roomGrantsOf({
      rooms: { 'course-7-*': 'write', 'course-7-exam': 'read', 'course-*': 'read' },
    });
    expect(grants.kind).toBe('grants');
    if (grants.kind !== 'grants') return;
    expect(accessFromGrants(grants.patterns, 'course-7-unit')).toBe('write');
    expect(accessFromGrants(grants.patterns, 'course-7-exam')).toBe('read');
    expect(accessFromGrants(grants.patterns, 'course-8')).toBe('read');
    expect(accessFromGrants(grants.patterns, 'lesson-1')).toBeUndefined();
    expect(accessFromGrants(grants.patterns, 'toString')).toBeUndefined();
    expect(roomGrantsOf(undefined)).toEqual({ kind: 'none' });
    expect(roomGrantsOf({})).toEqual({ kind: 'none' });
    for (const bad of [
      'lesson-*',
      { rooms: ['lesson-*'] },
      { rooms: { '*': 'write' } },
      { rooms: { 'a*b': 'write' } },
      { rooms: { 'lesson-**': 'write' } },
      { rooms: { 'lesson-1': 'admin' } },
      { rooms: { 'lesson-1': true } },
      { rooms: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`r${i}`, 'read'])) },
    ])
      expect(roomGrantsOf(bad).kind).toBe('malformed');
  });
});

describe('app-named rooms, access from the token', () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer({
      jwtSecret: SECRET,
      guests: true,
      maxDocBytes: 4096,
      joinsPerMinute: 10_000,
    });
  });
  afterAll(() => server.close());

  it('a writer creates the room in its mode and edits it; a reader is let in and sees the edit', async () => {
    const writer = await (
      await enter(docUrl(server, 'lesson-1', await appToken('w', { 'lesson-*': 'write' }), 'lww'))
    ).admitted();
    writer.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
    await writer.next('docAck', (a) => a.rid === 1);
    const reader = await (
      await enter(docUrl(server, 'lesson-1', await appToken('r', { 'lesson-1': 'read' }), 'lww'))
    ).admitted();
    expect(text((await reader.next('lwwDoc')).doc)).toBe('v1');
    // Read access from the token makes a viewer: its edit is refused and changes nothing.
    reader.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('by the reader') });
    expect((await reader.next('error', (e) => e.rid === 1)).code).toBe(ErrorCode.Forbidden);
    writer.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('v2') });
    await writer.next('docAck', (a) => a.rid === 2);
    expect(text((await reader.next('lwwDoc', (d) => text(d.doc) !== 'v1')).doc)).toBe('v2');
    // No host: the room's first connection is not one, and neither is anyone after it.
    expect([writer.welcome.role, reader.welcome.role]).toEqual(['guest', 'guest']);
    expect(writer.of('settings').at(-1)).toMatchObject({ hostUserId: '', policy: 'open' });
    await Promise.all([writer.close(), reader.close()]);
  });

  it('refuses a token with no claim for the room, or a malformed one, with Forbidden and why', async () => {
    const none = await refusal(docUrl(server, 'lesson-1', await appToken('n'), 'lww'));
    expect(none.code).toBe(ErrorCode.Forbidden);
    expect(none.message).toMatch(/no access to room lesson-1/);
    expect(none.close).toBe(4000 + ErrorCode.Forbidden);
    const other = await refusal(
      docUrl(server, 'lesson-1', await appToken('o', { 'course-*': 'write' }), 'lww'),
    );
    expect(other.code).toBe(ErrorCode.Forbidden);
    const star = await refusal(docUrl(server, 'lesson-1', await appToken('s', { '*': 'write' }), 'lww'));
    expect(star.code).toBe(ErrorCode.Forbidden);
    expect(star.message).toMatch(/may not grant "\*"/);
    const wrongValue = await refusal(
      docUrl(server, 'lesson-1', await appToken('v', { 'lesson-1': 1 }), 'lww'),
    );
    expect(wrongValue.message).toMatch(/must map to "read" or "write"/);
  });

  it('guest tokens get no app room without a hook', async () => {
    const { token } = await guestToken(server, 'Guest');
    expect((await refusal(docUrl(server, 'lesson-1', token, 'lww'))).code).toBe(ErrorCode.Forbidden);
  });

  it('a reader cannot create a room, and a room is refused in another mode than its own', async () => {
    const reader = await refusal(
      docUrl(server, 'lesson-new', await appToken('r', { 'lesson-*': 'read' }), 'lww'),
    );
    expect(reader.code).toBe(ErrorCode.RoomNotFound);
    const noMode = await refusal(docUrl(server, 'lesson-none', await appToken('w', { 'lesson-*': 'write' })));
    expect(noMode.code).toBe(ErrorCode.RoomNotFound);
    expect(noMode.message).toMatch(/name a document mode/);
    const wrong = await refusal(
      docUrl(server, 'lesson-1', await appToken('w', { 'lesson-*': 'write' }), 'ops'),
    );
    expect(wrong.code).toBe(ErrorCode.WrongDocMode);
    expect(wrong.message).toMatch(/lesson-1 is a lww room, not ops/);
    // Without a mode, the room is joined in whatever mode it has.
    const any = await (
      await enter(docUrl(server, 'lesson-1', await appToken('w', { 'lesson-*': 'write' })))
    ).admitted();
    await any.close();
  });

  it('refuses bad names and modes at the upgrade with HTTP 400, and over the API', async () => {
    const token = await appToken('w', { 'lesson-*': 'write' });
    for (const name of ['-lesson', 'lesson 1', 'lesson/1', 'x'.repeat(129), ''])
      expect(await upgradeStatus(`${server.wsUrl}/docs/${encodeURIComponent(name)}?token=${token}`)).toBe(
        400,
      );
    expect(await upgradeStatus(docUrl(server, 'lesson-1', token, 'xml'))).toBe(400);
    expect(await upgradeStatus(`${server.wsUrl}/docs/%E0%A4%A?token=${token}`)).toBe(400);
    const api = await postJson(`${server.url}/docs/lesson%201`, { docMode: 'lww' }, token);
    expect(api.status).toBe(400);
    expect(api.body.message).toMatch(/letters, digits/);
    expect((await postJson(`${server.url}/docs/lesson-2`, { docMode: 'xml' }, token)).status).toBe(400);
    // A session id is never an app room's, nor the other way round.
    expect(await upgradeStatus(`${server.wsUrl}/rooms/doc:lesson-1?token=${token}`)).toBe(404);
  });

  it('starts a room from the document in hand, once; later ones are ignored and say so', async () => {
    const token = await appToken('w', { 'lesson-*': 'write' });
    const first = await postJson(
      `${server.url}/docs/lesson-init`,
      { docMode: 'lww', initial: base64(bytes('draft')) },
      token,
    );
    expect(first).toMatchObject({
      status: 201,
      body: { room: 'lesson-init', created: true, docMode: 'lww' },
    });
    expect(first.body.websocketPath).toBe('/docs/lesson-init?mode=lww');
    const again = await postJson(
      `${server.url}/docs/lesson-init`,
      { docMode: 'lww', initial: base64(bytes('other')) },
      token,
    );
    expect(again).toMatchObject({ status: 200, body: { created: false, initial: 'ignored' } });
    const client = await (await enter(docUrl(server, 'lesson-init', token, 'lww'))).admitted();
    expect(await client.next('lwwDoc')).toMatchObject({ version: 1 });
    expect(text(client.of('lwwDoc')[0]!.doc)).toBe('draft');
    await client.close();

    const ops = await postJson(
      `${server.url}/docs/lesson-ops`,
      { docMode: 'ops', initial: base64(bytes('{"a":1}')) },
      token,
    );
    expect(ops.status).toBe(201);
    const opsClient = await (await enter(docUrl(server, 'lesson-ops', token, 'ops'))).admitted();
    expect(text((await opsClient.next('opsSync')).base)).toBe('{"a":1}');
    await opsClient.close();

    const wrongMode = await postJson(`${server.url}/docs/lesson-init`, { docMode: 'yjs' }, token);
    expect(wrongMode).toMatchObject({ status: 409, body: { error: 'WrongDocMode' } });
  });

  it('refuses an initial document over the cap, one that is not Yjs, and a reader creating', async () => {
    const token = await appToken('w', { 'lesson-*': 'write' });
    const big = await postJson(
      `${server.url}/docs/lesson-big`,
      { docMode: 'lww', initial: base64(new Uint8Array(4097)) },
      token,
    );
    expect(big).toMatchObject({ status: 413, body: { error: 'DocTooLarge' } });
    const notYjs = await postJson(
      `${server.url}/docs/lesson-y`,
      { docMode: 'yjs', initial: base64(bytes('nope')) },
      token,
    );
    expect(notYjs).toMatchObject({ status: 400, body: { error: 'BadMessage' } });
    const reader = await postJson(
      `${server.url}/docs/lesson-r`,
      { docMode: 'lww' },
      await appToken('r', { 'lesson-*': 'read' }),
    );
    expect(reader).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    // Nothing refused was created.
    for (const name of ['lesson-big', 'lesson-y', 'lesson-r'])
      expect((await refusal(docUrl(server, name, token))).code).toBe(ErrorCode.RoomNotFound);
  });

  it('starts a Yjs room from an update', async () => {
    const token = await appToken('w', { 'lesson-*': 'write' });
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    const created = await postJson(
      `${server.url}/docs/lesson-yjs`,
      { docMode: 'yjs', initial: base64(Y.encodeStateAsUpdate(doc)) },
      token,
    );
    expect(created.status).toBe(201);
    const client = await (await enter(docUrl(server, 'lesson-yjs', token, 'yjs'))).admitted();
    await client.close();
  });

  it('deleteRoom closes its clients with RoomClosed and removes what is stored', async () => {
    const token = await appToken('w', { 'lesson-*': 'write' });
    const client = await (await enter(docUrl(server, 'lesson-del', token, 'lww'))).admitted();
    client.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('gone soon') });
    await client.next('docAck');
    expect(await server.deleteRoom('lesson-del')).toBe(true);
    expect((await client.closed).code).toBe(4000 + ErrorCode.RoomClosed);
    expect(await server.deleteRoom('lesson-del')).toBe(false);
    await expect(server.deleteRoom('bad name')).rejects.toThrow(/letters, digits/);
    // Created again, it starts empty.
    const fresh = await (await enter(docUrl(server, 'lesson-del', token, 'lww'))).admitted();
    expect((await fresh.next('lwwDoc')).version).toBe(0);
    await fresh.close();
    // Deleting an unloaded room removes it from the store.
    expect(await server.deleteRoom('lesson-del')).toBe(true);
    expect((await refusal(docUrl(server, 'lesson-del', token))).code).toBe(ErrorCode.RoomNotFound);
  });
});

describe("app-named rooms, from the app's backend with the service key", () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer({ jwtSecret: SECRET, serviceKey: SERVICE_KEY, joinsPerMinute: 10_000 });
  });
  afterAll(() => server.close());

  it('reads, replaces and deletes an app room at /docs/<name>, as its clients see', async () => {
    const token = await appToken('w', { 'notes-*': 'write' });
    const writer = await (await enter(docUrl(server, 'notes-1', token, 'lww'))).admitted();
    writer.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('by the writer') });
    await writer.next('docAck', (a) => a.rid === 1);

    const read = await serviceCall(server, 'GET', '/docs/notes-1/document');
    expect(read.status).toBe(200);
    expect(text(unb64(read.body.document))).toBe('by the writer');

    const replaced = await serviceCall(server, 'PUT', '/docs/notes-1/document', {
      mode: 'lww',
      document: b64(bytes('by the backend')),
    });
    expect(replaced.status).toBe(200);
    const pushed = await writer.next('lwwDoc', (d) => d.version === replaced.body.version);
    expect(text(pushed.doc)).toBe('by the backend');

    // A session room of the same spelling is another room: the app room is not reached through it.
    expect((await serviceCall(server, 'GET', '/rooms/notes-1/document')).status).toBe(404);
    expect((await serviceCall(server, 'GET', '/docs/bad%20name/document')).status).toBe(404);
    // A user's token is not the service key.
    expect((await serviceCall(server, 'GET', '/docs/notes-1/document', undefined, token)).status).toBe(401);

    expect((await serviceCall(server, 'DELETE', '/docs/notes-1')).status).toBe(200);
    expect((await writer.closed).code).toBe(4000 + ErrorCode.RoomClosed);
    expect((await serviceCall(server, 'GET', '/docs/notes-1/document')).status).toBe(404);
    expect((await serviceCall(server, 'DELETE', '/docs/notes-1')).status).toBe(404);
  });
});

describe('app-named rooms, access from the authorize hook', () => {
  let server: TandemServer;
  const asked: [string, string][] = [];
  beforeAll(async () => {
    server = await startServer({
      jwtSecret: SECRET,
      guests: true,
      joinsPerMinute: 10_000,
      hooks: {
        hookTimeoutMs: 200,
        authorize: (identity: Identity, room: string): Access | undefined | Promise<Access | undefined> => {
          asked.push([identity.userId, room]);
          if (room.startsWith('open-')) return 'write';
          if (room.startsWith('view-')) return 'read';
          if (room === 'throws') throw new Error('app defect');
          if (room === 'rejects') return Promise.reject(new Error('app defect'));
          if (room === 'slow') return new Promise(() => undefined);
          if (room === 'odd') return 'admin' as Access;
          return undefined;
        },
      },
    });
  });
  afterAll(() => server.close());

  it('grants a guest what the hook says, and the token claim comes first', async () => {
    const { token, userId } = await guestToken(server, 'Guest');
    const guest = await (await enter(docUrl(server, 'open-1', token, 'yjs'))).admitted();
    expect(asked).toContainEqual([userId, 'open-1']);
    await guest.close();
    asked.length = 0;
    const claimed = await (
      await enter(docUrl(server, 'open-1', await appToken('c', { 'open-1': 'read' })))
    ).admitted();
    expect(asked).toEqual([]);
    await claimed.close();
  });

  it('refuses what the hook denies, and a hook that throws, rejects, stalls or answers nonsense', async () => {
    const { token } = await guestToken(server, 'Guest');
    expect((await refusal(docUrl(server, 'closed-1', token, 'lww'))).code).toBe(ErrorCode.Forbidden);
    for (const room of ['throws', 'rejects', 'odd']) {
      const refused = await refusal(docUrl(server, room, token, 'lww'));
      expect(refused.code).toBe(ErrorCode.Internal);
      expect(refused.message).toMatch(/authorize hook/);
    }
    const slow = await refusal(docUrl(server, 'slow', token, 'lww'));
    expect(slow).toMatchObject({ code: ErrorCode.Internal, message: expect.stringMatching(/within 200 ms/) });
    // The process is fine: the next connection gets in.
    const after = await (await enter(docUrl(server, 'open-2', token, 'lww'))).admitted();
    await after.close();
  });

  it('a read grant from the hook cannot create a room', async () => {
    const { token } = await guestToken(server, 'Guest');
    expect((await refusal(docUrl(server, 'view-1', token, 'lww'))).code).toBe(ErrorCode.RoomNotFound);
  });
});

describe('retention', () => {
  it('the sweep deletes stale session rooms and keeps app rooms', async () => {
    const DAY = 24 * 60 * 60 * 1000;
    const clock = new ManualClock(Date.now());
    const store = await openSqliteStore({ path: ':memory:', synchronous: 'normal', now: () => clock.now() });
    const server = await startServer({
      jwtSecret: SECRET,
      guests: true,
      clock,
      store,
      roomRetentionDays: 30,
      logger: pino({ level: 'silent' }),
    });
    const token = await appToken('w', { 'lesson-*': 'write' }, clock.now() + 600_000);
    expect((await postJson(`${server.url}/docs/lesson-kept`, { docMode: 'lww' }, token)).status).toBe(201);
    const session = await createSession(server, token);
    const joined = await (await enter(`${server.wsUrl}/rooms/${session.roomId}?token=${token}`)).admitted();
    await joined.close();
    // The app room created over HTTP waits its grace for a connection, on the same clock.
    clock.advance(31 * DAY);
    await server.registry.whenEmpty();
    expect(await server.registry.sweepStale()).toBe(1);
    expect(await store.load(session.roomId)).toBeUndefined();
    expect(await store.load('doc:lesson-kept')).toBeDefined();
    await server.close();
    await store.close();
  });
});

describe('a session on an app room', () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer({ jwtSecret: SECRET, guests: true, joinsPerMinute: 10_000 });
  });
  afterAll(() => server.close());

  it("a writer opens one on the lesson in hand; guests it admits edit the app's document", async () => {
    const token = await appToken('teacher', { 'lesson-*': 'write' });
    await postJson(
      `${server.url}/docs/lesson-s`,
      { docMode: 'lww', initial: base64(bytes('lesson')) },
      token,
    );
    const opened = await postJson(
      `${server.url}/sessions`,
      { room: 'lesson-s', policy: 'host-approval' },
      token,
    );
    expect(opened).toMatchObject({
      status: 201,
      body: { room: 'lesson-s', websocketPath: '/docs/lesson-s' },
    });
    const joinCode = opened.body.joinCode as string;
    expect(opened.body.inviteUrl).toMatch(new RegExp(`/\\?join=${joinCode}$`));
    const found = await fetch(`${server.url}/sessions/${joinCode}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await found.json()).toMatchObject({ websocketPath: `/join/${joinCode}` });

    const host = await (await enter(docUrl(server, 'lesson-s', token))).admitted();
    expect(host.welcome.role).toBe('host');
    // A guest of this server, with no claim on the room, comes by the code and waits for the host.
    const { token: guestTok } = await guestToken(server, 'Pupil');
    const pupil = await enter(`${server.wsUrl}/join/${joinCode}?token=${guestTok}`);
    await pupil.next('admission', (a) => a.state === 'waiting');
    const waiting = await host.next('waitingList', (l) => l.waiting.length === 1);
    host.send({ type: 'admit', action: 'admit', slot: waiting.waiting[0]!.slot });
    await pupil.admitted();
    expect(text((await pupil.next('lwwDoc')).doc)).toBe('lesson');
    pupil.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('lesson, with answers') });
    await pupil.next('docAck', (a) => a.rid === 1);
    // Another user of the app gets in at once, by the room's name, and sees the guest's edit.
    const colleague = await (
      await enter(docUrl(server, 'lesson-s', await appToken('colleague', { 'lesson-s': 'read' })))
    ).admitted();
    expect(text((await colleague.next('lwwDoc')).doc)).toBe('lesson, with answers');
    // Opened again by the same host, the code stays.
    const again = await postJson(`${server.url}/sessions`, { room: 'lesson-s' }, token);
    expect(again.body.joinCode).toBe(joinCode);
    await Promise.all([host.close(), pupil.close(), colleague.close()]);
  });

  it('only a writer may open one, on a room that exists, with a good name', async () => {
    const reader = await appToken('r', { 'lesson-*': 'read' });
    expect(await postJson(`${server.url}/sessions`, { room: 'lesson-s' }, reader)).toMatchObject({
      status: 403,
    });
    const { token: guestTok } = await guestToken(server, 'Guest');
    expect(await postJson(`${server.url}/sessions`, { room: 'lesson-s' }, guestTok)).toMatchObject({
      status: 403,
    });
    const writer = await appToken('w', { 'lesson-*': 'write' });
    expect(await postJson(`${server.url}/sessions`, { room: 'lesson-none' }, writer)).toMatchObject({
      status: 404,
    });
    expect(await postJson(`${server.url}/sessions`, { room: 'bad name' }, writer)).toMatchObject({
      status: 400,
    });
    expect(
      await postJson(`${server.url}/sessions`, { room: 'lesson-s', docMode: 'yjs' }, writer),
    ).toMatchObject({ status: 400 });
  });
});
