import { type MessageOf, PROTOCOL_VERSION } from '@tandem/protocol';
import { YjsSyncClient } from '@tandem/yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { guestToken, hostSession, roomUrl, startServer } from './support/server.js';

let server: TandemServer;
beforeEach(async () => {
  server = await startServer({ docRate: 1000 });
});
afterEach(async () => {
  await server.close();
});

/** A Y.Doc bound to a real socket through the SDK's sync helper. */
class Replica {
  readonly doc: Y.Doc;
  client!: TestClient;
  sync!: YjsSyncClient;

  constructor(doc = new Y.Doc()) {
    this.doc = doc;
  }

  async connect(url: string): Promise<this> {
    this.client = await TestClient.open(url);
    this.sync = new YjsSyncClient(this.doc, (m) => this.client.send(m));
    this.client.ws.on('message', () => {
      const m = this.client.received.at(-1);
      if (m?.type === 'yjs') this.sync.receive(m as MessageOf<'yjs'>);
    });
    this.client.send({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 });
    await this.client.admitted();
    await this.client.next('yjs', (m) => m.step === 'diff');
    return this;
  }

  async disconnect(): Promise<void> {
    this.sync.destroy();
    await this.client.close();
  }

  get text(): Y.Text {
    return this.doc.getText('notes');
  }

  /** Waits until every local update this replica sent is durable in the room. */
  async flushed(): Promise<void> {
    const rid = this.sync.lastRid;
    if (rid > 0) await this.client.next('docAck', (a) => a.rid === rid);
  }
}

function state(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc);
}

describe('yjs over WebSocket', () => {
  it('merges concurrent edits, including a client offline for a while, and all converge byte-identically', async () => {
    const { host, session, token } = await hostSession(server, { policy: 'open', docMode: 'yjs' });
    await host.close();
    const url = roomUrl(server, session.roomId, token);
    const ada = await new Replica().connect(url);
    const bob = await new Replica().connect(
      roomUrl(server, session.roomId, (await guestToken(server, 'Bob')).token),
    );

    ada.text.insert(0, 'Fractions: ');
    bob.text.insert(0, 'Lesson 4. ');
    await Promise.all([ada.flushed(), bob.flushed()]);

    await bob.disconnect();
    for (let i = 0; i < 20; i++) ada.text.insert(ada.text.length, `a${i} `);
    for (let i = 0; i < 20; i++) bob.text.insert(0, `b${i} `);
    bob.doc.getMap('meta').set('title', 'Offline title');
    await ada.flushed();

    await bob.connect(roomUrl(server, session.roomId, (await guestToken(server, 'Bob2')).token));
    await bob.flushed();
    const carol = await new Replica().connect(
      roomUrl(server, session.roomId, (await guestToken(server, 'Carol')).token),
    );

    // Ada converges once Bob's offline edits reach her as room updates.
    while (ada.text.toString() !== bob.text.toString())
      await ada.client.next('yjs', (m) => m.step === 'update');
    expect(state(ada.doc)).toEqual(state(bob.doc));
    expect(state(carol.doc)).toEqual(state(bob.doc));
    expect(carol.doc.getMap('meta').get('title')).toBe('Offline title');
    expect(carol.text.toString()).toContain('a19');
    expect(carol.text.toString()).toContain('b19');
  });

  it('stores the document: a restart-free reload from the store gives the same state', async () => {
    const { host, session, token } = await hostSession(server, { policy: 'open', docMode: 'yjs' });
    await host.close();
    const ada = await new Replica().connect(roomUrl(server, session.roomId, token));
    ada.text.insert(0, 'persist me');
    await ada.flushed();
    await ada.disconnect();
    await server.registry.whenEmpty();
    const later = await new Replica().connect(roomUrl(server, session.roomId, token));
    expect(later.text.toString()).toBe('persist me');
  });
});
