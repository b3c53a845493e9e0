import {
  type ClientMessage,
  decodeAll,
  encode,
  type Message,
  type MessageName,
  type MessageOf,
  PROTOCOL_VERSION,
} from '@tandem/protocol';
import WebSocket from 'ws';

/** How a socket ended. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * A protocol-speaking test client over a real WebSocket. Every received frame is decoded and kept;
 * `next` waits for a matching message (resolving at once if one already arrived since the last
 * `next` of that kind), so tests wait on events, never on time.
 */
export class TestClient {
  readonly received: Message[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private readonly consumed = new Set<Message>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('message', (data) => {
      // Batched cursors are unpacked as the client SDK does, so tests see one message per update.
      for (const message of decodeAll(new Uint8Array(data as Buffer))) {
        this.received.push(message);
        const i = this.waiters.findIndex((w) => w.match(message));
        if (i >= 0) {
          this.consumed.add(message);
          this.waiters.splice(i, 1)[0]!.resolve(message);
        }
      }
    });
  }

  /** Opens a socket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  /** Opens and says hello. */
  static async join(url: string, since = 0, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.open(url, options);
    client.send({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since });
    return client;
  }

  send(message: ClientMessage): void {
    this.ws.send(encode(message));
  }

  /** Resolves with the first not-yet-consumed message of `type` matching `where`. */
  next<N extends MessageName>(
    type: N,
    where: (m: MessageOf<N>) => boolean = () => true,
  ): Promise<MessageOf<N>> {
    const match = (m: Message): boolean => m.type === type && where(m as MessageOf<N>);
    const ready = this.received.find((m) => !this.consumed.has(m) && match(m));
    if (ready) {
      this.consumed.add(ready);
      return Promise.resolve(ready as MessageOf<N>);
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve: (m) => resolve(m as MessageOf<N>) }));
  }

  /** Waits until admitted (the snapshot has arrived). */
  async admitted(): Promise<this> {
    await this.next('admission', (a) => a.state === 'admitted');
    return this;
  }

  of<N extends MessageName>(type: N): MessageOf<N>[] {
    return this.received.filter((m): m is MessageOf<N> => m.type === type);
  }

  get welcome(): MessageOf<'welcome'> {
    const w = this.of('welcome')[0];
    if (!w) throw new Error('no welcome yet');
    return w;
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}

/** The server answered the upgrade with an HTTP status instead of a socket. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}
