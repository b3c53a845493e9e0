import type { MessageOf } from '@tandem/protocol';
import * as Y from 'yjs';

type YjsMessage = MessageOf<'yjs'>;

/**
 * The client half of Yjs sync: binds a local `Y.Doc` to a function that sends `yjs` messages to
 * the room. Feed it every `yjs` message the room sends; it answers the room's state vector (the
 * admission handshake, see the protocol's "Yjs sync" section), applies the room's diffs and
 * updates, and sends each local change as an `update`.
 *
 * Changes it applies from the room carry the client itself as transaction origin, so an app can
 * tell them apart (`transaction.origin === client`) and they are never echoed back. Local changes
 * made while disconnected may be lost by the transport; that is fine, because the next handshake
 * sends the room everything it lacks.
 *
 * @example
 * const client = new YjsSyncClient(ydoc, (m) => socket.send(encode(m)));
 * socket.onmessage = (e) => { const m = decode(e.data); if (m.type === 'yjs') client.receive(m); };
 */
export class YjsSyncClient {
  private rid = 0;
  private awaitedDiff = 0;
  private isSynced = false;
  private destroyed = false;

  /**
   * @param doc the local document; the client listens to it until {@link destroy}.
   * @param send puts one message on the wire to the room.
   * @param options.nextRid allocates request ids; pass the connection's own allocator when other
   *   requests share the connection, so a `docAck` or refusal is never matched to the wrong one.
   *   Default: ids from 1 upwards, owned by this client.
   * @param options.readOnly true while the room holds this client a viewer: the handshake asks
   *   for the room's state but offers nothing, and local changes are not sent (`unsent` is told of
   *   each); the room would refuse them. Default: never.
   */
  constructor(
    readonly doc: Y.Doc,
    private readonly send: (message: YjsMessage) => void,
    options: { nextRid?: () => number; readOnly?: () => boolean; unsent?: (update: Uint8Array) => void } = {},
  ) {
    if (options.nextRid) this.allocate = options.nextRid;
    if (options.readOnly) this.readOnly = options.readOnly;
    if (options.unsent) this.unsent = options.unsent;
    doc.on('update', this.onLocalUpdate);
  }

  /** True once the room has answered this connection's state vector: the doc holds the room's state. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** The request id of the last message sent (ids only grow), to match `docAck`s against. */
  get lastRid(): number {
    return this.rid;
  }

  /**
   * Handles one `yjs` message from the room.
   * @throws Error when the room sends bytes Yjs cannot apply.
   */
  receive(message: YjsMessage): void {
    if (this.destroyed) return;
    switch (message.step) {
      case 'state-vector': {
        // A (re)connection: the room says what it has; tell it what we have and what it lacks.
        this.isSynced = false;
        this.awaitedDiff = this.nextRid();
        this.send({
          type: 'yjs',
          step: 'state-vector',
          rid: this.awaitedDiff,
          data: Y.encodeStateVector(this.doc),
        });
        if (this.readOnly()) return;
        this.send({
          type: 'yjs',
          step: 'diff',
          rid: this.nextRid(),
          data: Y.encodeStateAsUpdate(this.doc, message.data),
        });
        return;
      }
      case 'diff':
        Y.applyUpdate(this.doc, message.data, this);
        if (message.rid === this.awaitedDiff) this.isSynced = true;
        return;
      case 'update':
        Y.applyUpdate(this.doc, message.data, this);
        return;
    }
  }

  /** Stops listening to the document and ignores further messages. The document is left intact. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.doc.off('update', this.onLocalUpdate);
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    if (this.readOnly()) return this.unsent(update);
    this.send({ type: 'yjs', step: 'update', rid: this.nextRid(), data: update });
  };

  private allocate: () => number = () => this.rid + 1;
  private readOnly: () => boolean = () => false;
  private unsent: (update: Uint8Array) => void = () => undefined;

  private nextRid(): number {
    this.rid = this.allocate();
    return this.rid;
  }
}
