import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { TestClusters } from './support/cluster.js';
import { skipPostgres } from './support/postgres.js';
import { skipRedis } from './support/redis.js';
import { type Endpoint, guestToken, hostSession, postJson, roomUrl, startServer } from './support/server.js';
import {
  b64,
  readDocument,
  replaceDocument,
  SERVICE_KEY,
  serviceCall,
  unb64,
} from './support/service-api.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe.skipIf(skipRedis || skipPostgres)('service API in a cluster', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => clusters.drop());

  async function nodes(): Promise<[TandemServer, TandemServer]> {
    const { config } = clusters.settings();
    const a = await startServer({ ...config, serviceKey: SERVICE_KEY });
    const b = await startServer({ ...config, serviceKey: SERVICE_KEY });
    servers.push(a, b);
    return [a, b];
  }

  async function join(node: Endpoint, roomId: string, name: string): Promise<TestClient> {
    const { token } = await guestToken(node, name);
    return (await TestClient.join(roomUrl(node, roomId, token))).admitted();
  }

  it('a replacement sent to the node that does not own the room reaches the clients of the owner', async () => {
    const [a, b] = await nodes();
    const { host, session } = await hostSession(a, { policy: 'open', docMode: 'lww' });
    const onB = await join(b, session.roomId, 'Forwarded');

    const replaced = await replaceDocument(b, session.roomId, 'lww', bytes('via b'));
    expect(replaced.status).toBe(200);
    expect(text((await host.next('lwwDoc', (m) => m.version === replaced.body.version)).doc)).toBe('via b');
    expect(text((await onB.next('lwwDoc', (m) => m.version === replaced.body.version)).doc)).toBe('via b');
    // Applied by the owner: b never loaded the room.
    expect([a.registry.size, b.registry.size]).toEqual([1, 0]);

    const read = await readDocument(b, session.roomId);
    expect(read.body).toMatchObject({ mode: 'lww', version: replaced.body.version });
    expect(text(unb64(read.body.document))).toBe('via b');

    const wrong = await replaceDocument(b, session.roomId, 'yjs', new Uint8Array([0, 0]));
    expect(wrong).toMatchObject({ status: 409, body: { error: 'WrongDocMode' } });
  });

  it('reads, replaces and deletes a room nobody has loaded, on any node', async () => {
    const [a, b] = await nodes();
    const { host, session } = await hostSession(a, { policy: 'open', docMode: 'yjs' });
    await host.close();
    await a.registry.whenEmpty();

    const backend = new Y.Doc();
    backend.getText('t').insert(0, 'stored');
    expect((await replaceDocument(b, session.roomId, 'yjs', Y.encodeStateAsUpdate(backend))).status).toBe(
      200,
    );
    await b.registry.whenEmpty();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, unb64((await readDocument(a, session.roomId)).body.document));
    expect(copy.getText('t').toString()).toBe('stored');

    expect((await serviceCall(a, 'DELETE', `/rooms/${session.roomId}`)).status).toBe(200);
    expect((await readDocument(b, session.roomId)).status).toBe(404);
  });

  it('deletes a room through the node that does not own it: the owner closes its clients', async () => {
    const [a, b] = await nodes();
    const { host, session } = await hostSession(a, { policy: 'open', docMode: 'ops' });
    const deleted = await serviceCall(b, 'DELETE', `/rooms/${session.roomId}`);
    expect(deleted.status).toBe(200);
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.RoomClosed));
    expect((await readDocument(b, session.roomId)).status).toBe(404);
  });

  it('creates a companion with its initial document on the owner, whichever node is asked', async () => {
    const [a, b] = await nodes();
    const { token, session } = await hostSession(a, { policy: 'open' });
    const res = await postJson(
      `${b.url}/sessions`,
      { companionOf: session.roomId, docMode: 'lww', initialDocument: b64(bytes('companion start')) },
      token,
    );
    expect(res.status).toBe(201);
    const read = await readDocument(b, res.body.roomId as string);
    expect(text(unb64(read.body.document))).toBe('companion start');
  });
});
