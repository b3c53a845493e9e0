import { decode, type MessageOf } from '@tandem/protocol';
import * as Y from 'yjs';
import type { Peer } from '../../../room/test/support/harness.js';
import { YjsSyncClient } from '../../src/index.js';

/**
 * One participant's local copy: a `Y.Doc` bound by a {@link YjsSyncClient} to whichever
 * harness {@link Peer} currently carries it. Frames the room sent the peer reach the client only
 * when pumped, so a test decides exactly when the network delivers.
 */
export class Replica {
  readonly doc: Y.Doc;
  readonly client: YjsSyncClient;
  /** Every message the client handed to the network, online or not. */
  readonly sent: MessageOf<'yjs'>[] = [];
  /** Every `yjs` message the room delivered to this replica, over all its connections. */
  readonly received: MessageOf<'yjs'>[] = [];
  private current: Peer | undefined;
  private read = 0;

  constructor(peer?: Peer, clientId?: number) {
    this.doc = new Y.Doc();
    if (clientId !== undefined) this.doc.clientID = clientId;
    this.client = new YjsSyncClient(this.doc, (message) => {
      this.sent.push(message);
      // A disconnected peer's room connection is gone, so the room ignores this: lost in transit.
      this.current?.send(message);
    });
    if (peer) this.attach(peer);
  }

  get peer(): Peer {
    if (!this.current) throw new Error('replica has no connection');
    return this.current;
  }

  get text(): Y.Text {
    return this.doc.getText('notes');
  }

  get meta(): Y.Map<unknown> {
    return this.doc.getMap('meta');
  }

  /** Carries the replica over a new connection (a reconnect). */
  attach(peer: Peer): this {
    this.current = peer;
    this.read = 0;
    return this;
  }

  /** Delivers the `yjs` frames the room sent since the last pump; true if there were any. */
  pump(): boolean {
    if (!this.current) return false;
    const frames = this.current.socket.frames;
    let delivered = false;
    while (this.read < frames.length) {
      const message = decode(frames[this.read++]!);
      if (message.type !== 'yjs') continue;
      this.received.push(message);
      this.client.receive(message);
      delivered = true;
    }
    return delivered;
  }
}

/** Pumps every replica until no frames are in flight. */
export function settle(...replicas: Replica[]): void {
  for (let rounds = 0; rounds < 100; rounds++) {
    let moved = false;
    for (const r of replicas) moved = r.pump() || moved;
    if (!moved) return;
  }
  throw new Error('replicas did not settle in 100 rounds');
}

/** A doc's state vector as a plain map, for equality assertions. */
export function stateVector(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** Everything a doc holds, decoded, so two docs compare by content and not by encoding history. */
export function contents(doc: Y.Doc): {
  notes: string;
  meta: Record<string, unknown>;
  sv: Map<number, number>;
} {
  return { notes: doc.getText('notes').toString(), meta: doc.getMap('meta').toJSON(), sv: stateVector(doc) };
}
