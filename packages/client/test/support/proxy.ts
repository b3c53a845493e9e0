import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, so a test can cut every live connection the way
 * a network drop would (the client sees an abnormal close, the server a reset).
 */
export class CuttableProxy {
  private refusing = false;

  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    private readonly replies: Map<Socket, Socket>,
    readonly url: string,
  ) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const sockets = new Set<Socket>();
    const replies = new Map<Socket, Socket>();
    const state: { proxy?: CuttableProxy } = {};
    const server = createServer((client) => {
      if (state.proxy?.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(client).add(upstream);
      replies.set(upstream, client);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
        replies.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    state.proxy = new CuttableProxy(server, sockets, replies, url);
    return state.proxy;
  }

  /**
   * From now on, what the server sends on the live connections is thrown away while what clients
   * send still reaches it: replies (acks, echoes) lost on the way back, as before a drop.
   */
  deafen(): void {
    for (const [upstream, client] of this.replies) {
      upstream.unpipe(client);
      upstream.on('data', () => undefined);
    }
  }

  /**
   * The network goes down: every live connection is cut and new ones are reset as they arrive,
   * until {@link up}.
   */
  down(): void {
    this.refusing = true;
    this.cut();
  }

  up(): void {
    this.refusing = false;
  }

  /** Destroys every live connection through the proxy. */
  cut(): void {
    for (const s of [...this.sockets]) s.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
