import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a cut does to connections that arrive while it lasts. */
export type WhileCut =
  /** Accepted and closed at once: the client sees its connection reset, and tries again. */
  | 'refuse'
  /** Accepted and left silent until {@link TcpProxy.restore}, then connected through. */
  | 'hold';

/**
 * A TCP proxy a test controls, between a client and a real service (Redis, PostgreSQL): it can cut
 * every connection through it, as a network failure would, and let traffic through again. Connect
 * clients to {@link TcpProxy.url} instead of the service's own URL.
 *
 * @example
 * const proxy = await TcpProxy.start(REDIS_URL);
 * const server = await startServer({ redisUrl: proxy.url });
 * proxy.cut();      // the server's connections drop; reconnections are refused
 * proxy.restore();  // they succeed again
 * await proxy.close();
 */
export class TcpProxy {
  /** Open client sockets, each with its service-side socket (absent while held). */
  private readonly pairs = new Map<Socket, Socket | undefined>();
  /** Client sockets of live connections a {@link blackHole} silenced. */
  private readonly silenced = new Set<Socket>();
  private whileCut: WhileCut | undefined;
  private refusedCount = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {
    server.on('connection', (client) => this.accepted(client));
  }

  /** Starts listening on 127.0.0.1, on a free port, in front of the service at `targetUrl`. */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const target = new URL(targetUrl);
    if (!target.port) throw new Error(`${targetUrl} names no port: give the service's port explicitly`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TcpProxy(server, target);
  }

  /** The port the proxy listens on. */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** The service's URL (scheme, credentials, path, query) with the proxy as its host and port. */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href;
  }

  /** Connections through the proxy now (held ones included). */
  get connections(): number {
    return this.pairs.size;
  }

  /** Connections refused since the proxy started. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Whether a cut is in force. */
  get isCut(): boolean {
    return this.whileCut !== undefined;
  }

  /**
   * Drops every connection through the proxy (both ends, at once) and treats new ones as `whileCut`
   * says until {@link restore}.
   */
  cut(whileCut: WhileCut = 'refuse'): void {
    this.whileCut = whileCut;
    this.reset();
  }

  /** Drops every connection through the proxy, as a network blip would; new ones go through. */
  reset(): void {
    for (const [client, service] of this.pairs) {
      client.destroy();
      service?.destroy();
    }
    this.pairs.clear();
    this.silenced.clear();
  }

  /**
   * Sends new connections to `port` on the same host from now on (a service restarted on another
   * port, while its clients keep the proxy's address); live ones stay where they are.
   */
  retarget(port: number): void {
    this.target.port = String(port);
  }

  /** Local ports of the proxy's connections to the service (to find them on the service's side). */
  servicePorts(): number[] {
    const ports: number[] = [];
    for (const service of this.pairs.values())
      if (service?.localPort !== undefined) ports.push(service.localPort);
    return ports;
  }

  /**
   * From now on, what the service sends on the live connections is thrown away while what clients
   * send still reaches it: answers (acks, echoes) lost on the way back, as just before a drop.
   */
  deafen(): void {
    for (const [client, service] of this.pairs) {
      if (!service) continue;
      service.unpipe(client);
      service.on('data', () => undefined);
    }
  }

  /**
   * A network that goes dead without closing anything: live connections stay open but nothing
   * passes either way (what is sent waits, as in the senders' TCP buffers), and new connections are
   * held. Neither end is told; only a timeout of its own can notice. {@link restore} lets it all through.
   */
  blackHole(): void {
    this.whileCut = 'hold';
    for (const [client, service] of this.pairs) {
      if (!service || this.silenced.has(client)) continue;
      client.unpipe(service);
      service.unpipe(client);
      client.pause();
      service.pause();
      this.silenced.add(client);
    }
  }

  /** Lets connections through again; held ones are connected to the service now. */
  restore(): void {
    this.whileCut = undefined;
    for (const [client, service] of this.pairs) {
      if (service === undefined) this.connectThrough(client);
      else if (this.silenced.has(client)) {
        client.pipe(service);
        service.pipe(client);
      }
    }
    this.silenced.clear();
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accepted(client: Socket): void {
    // A client that goes away must not take the test down with an unhandled socket error.
    client.on('error', () => client.destroy());
    if (this.whileCut === 'refuse') {
      this.refusedCount++;
      client.destroy();
      return;
    }
    this.pairs.set(client, undefined);
    client.once('close', () => {
      this.pairs.get(client)?.destroy();
      this.pairs.delete(client);
      this.silenced.delete(client);
    });
    if (this.whileCut === 'hold') client.pause();
    else this.connectThrough(client);
  }

  private connectThrough(client: Socket): void {
    const service = connect(Number(this.target.port), this.target.hostname);
    this.pairs.set(client, service);
    service.on('error', () => service.destroy());
    service.once('close', () => client.destroy());
    client.pipe(service);
    service.pipe(client);
    client.resume();
  }
}
