import { request } from 'node:http';
import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../src/server.js';
import { openSqliteStore } from '../src/store/open-sqlite-store.js';
import { TestClient, UpgradeRefused } from './support/client.js';
import {
  createSession,
  guestToken,
  hostSession,
  joinAs,
  postJson,
  roomUrl,
  startServer,
  tempDataDir,
} from './support/server.js';
import {
  b64,
  readDocument,
  replaceDocument,
  SERVICE_KEY,
  serviceCall,
  unb64,
} from './support/service-api.js';

const text = (s: string) => new TextEncoder().encode(s);
const json = (value: unknown) => text(JSON.stringify(value));

describe('service API: room documents', () => {
  const data = tempDataDir();
  let server: TandemServer;

  beforeAll(async () => {
    server = await startServer({ data: data.dir, serviceKey: SERVICE_KEY, maxDocBytes: 4096 });
  });
  afterAll(async () => {
    await server.close();
    data.remove();
  });

  it('lww: reads the live document, replaces it for connected clients, and reads it back once unloaded', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: text('first') });
    await host.next('docAck', (m) => m.rid === 1);
    const live = await readDocument(server, session.roomId);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ roomId: session.roomId, mode: 'lww' });
    expect(new TextDecoder().decode(unb64(live.body.document))).toBe('first');
    const firstVersion = live.body.version as number;

    const replaced = await replaceDocument(server, session.roomId, 'lww', text('from the backend'));
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBeGreaterThan(firstVersion);
    const pushed = await host.next('lwwDoc', (m) => m.version === replaced.body.version);
    expect(new TextDecoder().decode(pushed.doc)).toBe('from the backend');
    expect(pushed.slot).toBe(0);

    await host.close();
    await server.registry.whenEmpty();
    const stored = await readDocument(server, session.roomId);
    expect(stored.body).toMatchObject({ mode: 'lww', version: replaced.body.version });
    expect(new TextDecoder().decode(unb64(stored.body.document))).toBe('from the backend');
  });

  it('replaces a room nobody is in: loaded for it, stored, unloaded again', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    await host.close();
    await server.registry.whenEmpty();
    const replaced = await replaceDocument(server, session.roomId, 'lww', text('while away'));
    expect(replaced.status).toBe(200);
    await server.registry.whenEmpty();
    const back = await joinAs(server, session.roomId, 'Back');
    const doc = await back.next('lwwDoc');
    expect(new TextDecoder().decode(doc.doc)).toBe('while away');
    await back.close();
  });

  it('ops: reads the snapshot and the log; a replacement is a new snapshot every client is sent', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'ops' });
    host.send({ type: 'opSubmit', rid: 1, resource: 'a', op: json({ set: 1 }) });
    const op = await host.next('op', (m) => m.rid === 1);
    await host.next('docAck', (m) => m.rid === 1);
    const before = await readDocument(server, session.roomId);
    expect(before.body).toMatchObject({ mode: 'ops', version: op.seq, baseSeq: 0, document: '' });
    expect(before.body.ops).toEqual([
      expect.objectContaining({ seq: op.seq, resource: 'a', op: b64(json({ set: 1 })) }),
    ]);

    const replaced = await replaceDocument(server, session.roomId, 'ops', json({ reset: true }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBeGreaterThan(op.seq);
    const sync = await host.next('opsSync', (m) => m.baseSeq === replaced.body.version);
    expect(JSON.parse(new TextDecoder().decode(sync.base))).toEqual({ reset: true });
    expect(sync.ops).toEqual([]);

    const after = await readDocument(server, session.roomId);
    expect(after.body).toMatchObject({
      version: replaced.body.version,
      baseSeq: replaced.body.version,
      ops: [],
    });
    await host.close();
  });

  it('yjs: merges the update into the live document, sends it to clients, and reads the state', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'yjs' });
    const backend = new Y.Doc();
    backend.getText('t').insert(0, 'hello from the backend');
    const replaced = await replaceDocument(server, session.roomId, 'yjs', Y.encodeStateAsUpdate(backend));
    expect(replaced.body).toMatchObject({ mode: 'yjs', version: 0 });
    const update = await host.next('yjs', (m) => m.step === 'update');
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, update.data);
    expect(mirror.getText('t').toString()).toBe('hello from the backend');

    const read = await readDocument(server, session.roomId);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, unb64(read.body.document));
    expect(copy.getText('t').toString()).toBe('hello from the backend');
    await host.close();
    await server.registry.whenEmpty();
    const stored = new Y.Doc();
    Y.applyUpdate(stored, unb64((await readDocument(server, session.roomId)).body.document));
    expect(stored.getText('t').toString()).toBe('hello from the backend');
  });

  it('refuses what is not the service key, and the key is no user token', async () => {
    const { token } = await guestToken(server, 'User');
    const session = await createSession(server, token, { docMode: 'lww' });
    for (const key of [null, 'wrong-key-wrong-key-wrong-key-wrong', token]) {
      const read = await readDocument(server, session.roomId, key);
      expect(read.status).toBe(401);
      expect(read.body.error).toBe('Unauthorized');
      expect((await replaceDocument(server, session.roomId, 'lww', text('x'), key)).status).toBe(401);
      expect((await serviceCall(server, 'DELETE', `/rooms/${session.roomId}`, undefined, key)).status).toBe(
        401,
      );
    }
    await expect(TestClient.open(roomUrl(server, session.roomId, SERVICE_KEY))).rejects.toEqual(
      new UpgradeRefused(401),
    );
    const asUser = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}` },
    });
    expect(asUser.status).toBe(401);
    // Nobody joined it: it would stay loaded for the session grace.
    expect((await serviceCall(server, 'DELETE', `/rooms/${session.roomId}`)).status).toBe(200);
    expect(server.registry.inUse(session.roomId)).toBe(false);
  });

  it('refuses bad documents with a clear code and changes nothing', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: text('kept') });
    const ack = await host.next('docAck', (m) => m.rid === 1);
    const path = `/rooms/${session.roomId}/document`;

    const wrongMode = await replaceDocument(server, session.roomId, 'ops', text('x'));
    expect(wrongMode).toMatchObject({ status: 409, body: { error: 'WrongDocMode' } });
    expect(wrongMode.body.message).toContain('lww');
    const tooLarge = await replaceDocument(server, session.roomId, 'lww', new Uint8Array(4097));
    expect(tooLarge).toMatchObject({ status: 413, body: { error: 'DocTooLarge' } });
    expect((await serviceCall(server, 'PUT', path, '{not json')).body.error).toBe('BadRequest');
    expect(
      (await serviceCall(server, 'PUT', path, { mode: 'lww', document: 'no base64!' })).body,
    ).toMatchObject({
      error: 'BadRequest',
      message: expect.stringContaining('document'),
    });
    expect((await serviceCall(server, 'PUT', path, { mode: 'text', document: '' })).status).toBe(400);
    expect((await serviceCall(server, 'PATCH' as 'PUT', path, {})).status).toBe(405);

    const read = await readDocument(server, session.roomId);
    expect(read.body.version).toBe(ack.version);
    expect(new TextDecoder().decode(unb64(read.body.document))).toBe('kept');
    expect(host.of('lwwDoc').filter((m) => m.version > ack.version)).toEqual([]);
    await host.close();
  });

  it('refuses a malformed Yjs update', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'yjs' });
    const bad = await replaceDocument(server, session.roomId, 'yjs', new Uint8Array([255, 255, 255, 1]));
    expect(bad).toMatchObject({ status: 400, body: { error: 'BadMessage' } });
    await host.close();
  });

  it('refuses a body over the cap as soon as it is declared, without reading it', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/rooms/${session.roomId}/document`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-length': String(64 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      // A first piece only: the answer comes without the rest ever being sent.
      req.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
    await host.close();
  });

  it('refuses a streamed body once it grows past the cap, before it ends', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    const status = await new Promise<number>((resolve, reject) => {
      // Chunked: no length declared, so the server finds out as the bytes come.
      const req = request(`${server.url}/rooms/${session.roomId}/document`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      const piece = Buffer.alloc(8 * 1024, 'a');
      let sent = 0;
      // Pieces keep coming, as a client that never stops would send them, until the answer arrives.
      const more = () => {
        if (req.destroyed || sent > 1024 * 1024) return;
        sent += piece.length;
        req.write(piece, more);
      };
      req.write('{"mode":"lww","document":"', more);
    });
    expect(status).toBe(413);
    await host.close();
  });

  it('answers 404 for a room that does not exist, or an id no room can have', async () => {
    for (const id of ['rNoSuchRoom', 'bad%20id', '%E0%A4%A']) {
      expect((await readDocument(server, id)).status).toBe(404);
      expect((await replaceDocument(server, id, 'lww', text('x'))).status).toBe(404);
      expect((await serviceCall(server, 'DELETE', `/rooms/${id}`)).status).toBe(404);
    }
  });

  it('deletes a room: its clients are closed with RoomClosed and it is gone from the store', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    const guest = await joinAs(server, session.roomId, 'Guest');
    const deleted = await serviceCall(server, 'DELETE', `/rooms/${session.roomId}`);
    expect(deleted).toMatchObject({ status: 200, body: { deleted: true } });
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.RoomClosed));
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.RoomClosed));
    expect((await readDocument(server, session.roomId)).status).toBe(404);
    expect(await server.registry.roomIdForCode(session.joinCode, 'test')).toBeUndefined();

    // One nobody is in is deleted from the store alone.
    const other = await hostSession(server, { policy: 'open' });
    await other.host.close();
    await server.registry.whenEmpty();
    expect((await serviceCall(server, 'DELETE', `/rooms/${other.session.roomId}`)).status).toBe(200);
    expect((await readDocument(server, other.session.roomId)).status).toBe(404);
  });

  it('a replacement is durable when answered: a restarted server has it', async () => {
    const { host, session } = await hostSession(server, { policy: 'open', docMode: 'lww' });
    const replaced = await replaceDocument(server, session.roomId, 'lww', text('durable'));
    await host.next('lwwDoc', (m) => m.version === replaced.body.version);
    // Closed without the room's writes being flushed by an unload first: the reply was the promise.
    server.registry.stopAccepting();
    await server.close();
    server = await startServer({ data: data.dir, serviceKey: SERVICE_KEY, maxDocBytes: 4096 });
    const read = await readDocument(server, session.roomId);
    expect(read.body.version).toBe(replaced.body.version);
    expect(new TextDecoder().decode(unb64(read.body.document))).toBe('durable');
  });
});

describe('sessions started from a document', () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer({ serviceKey: SERVICE_KEY, maxDocBytes: 4096 });
  });
  afterAll(() => server.close());

  it('start from the initial document in each mode', async () => {
    const backend = new Y.Doc();
    backend.getText('t').insert(0, 'yjs start');
    const starts = {
      lww: text('lww start'),
      ops: json({ start: 'ops' }),
      yjs: Y.encodeStateAsUpdate(backend),
    };
    for (const [mode, doc] of Object.entries(starts)) {
      const { host, session } = await hostSession(server, { docMode: mode, initialDocument: b64(doc) });
      const read = await readDocument(server, session.roomId);
      expect(read.status).toBe(200);
      if (mode === 'lww') {
        expect(unb64(read.body.document)).toEqual(doc);
        expect((await host.next('lwwDoc')).doc).toEqual(doc);
      } else if (mode === 'ops') {
        expect(unb64(read.body.document)).toEqual(doc);
        expect((await host.next('opsSync')).base).toEqual(doc);
      } else {
        const copy = new Y.Doc();
        Y.applyUpdate(copy, unb64(read.body.document));
        expect(copy.getText('t').toString()).toBe('yjs start');
      }
      await host.close();
    }
  });

  it('refuse an initial document that is too large, malformed or not base64, leaving no room behind', async () => {
    const { token } = await guestToken(server, 'Host');
    const refusals = [
      [{ docMode: 'lww', initialDocument: b64(new Uint8Array(4097)) }, 413, 'DocTooLarge'],
      [{ docMode: 'yjs', initialDocument: b64(new Uint8Array([255, 255, 255, 1])) }, 400, 'BadMessage'],
      [{ docMode: 'ops', initialDocument: 'not base64!' }, 400, 'BadRequest'],
      [{ docMode: 'ops', initialDocument: 42 }, 400, 'BadRequest'],
    ] as const;
    for (const [body, status, error] of refusals) {
      const res = await postJson(`${server.url}/sessions`, body, token);
      expect(res).toMatchObject({ status, body: { error } });
      expect(res.body.message).toContain('initialDocument');
    }
    expect(server.registry.size).toBe(0);
  });
});

describe('service API: durability', () => {
  it('answers a replacement only once the store holds it', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    const server = await startServer({ store, serviceKey: SERVICE_KEY });
    try {
      for (const mode of ['lww', 'ops'] as const) {
        const { host, session } = await hostSession(server, { policy: 'open', docMode: mode });
        const replaced = await replaceDocument(server, session.roomId, mode, json({ mode }));
        // Read straight from the store, the moment the reply is in: no unload or shutdown flushed it.
        const record = await store.load(session.roomId);
        if (mode === 'lww')
          expect(record?.doc).toEqual({ mode, version: replaced.body.version, doc: json({ mode }) });
        else
          expect(record?.doc).toMatchObject({ mode, baseSeq: replaced.body.version, base: json({ mode }) });
        await host.close();
      }
    } finally {
      await server.close();
      await store.close();
    }
  });
});

describe('service API: off without a key', () => {
  let server: TandemServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('answers 404 with what to set', async () => {
    const read = await readDocument(server, 'rSomeRoom');
    expect(read).toMatchObject({ status: 404, body: { error: 'ServiceApiDisabled' } });
    expect(read.body.message).toContain('serviceKey');
    expect((await serviceCall(server, 'DELETE', '/rooms/rSomeRoom')).status).toBe(404);
  });

  it('refuses a key too short to be safe', async () => {
    await expect(startServer({ serviceKey: 'short' })).rejects.toThrow(/32 characters/);
  });
});
