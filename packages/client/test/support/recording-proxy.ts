import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';

/**
 * An HTTP proxy on 127.0.0.1 in front of a server that keeps every request line it forwards, as
 * a reverse proxy's access log does: requests and WebSocket upgrades alike.
 */
export class RecordingProxy {
  /** `METHOD /path?query` of every request and upgrade forwarded, in order. */
  readonly seen: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(targetPort: number): Promise<RecordingProxy> {
    let proxy: RecordingProxy | undefined;
    const server = createServer((req, res) => {
      proxy?.seen.push(`${req.method} ${req.url}`);
      const upstream = request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('upgrade', (req, socket, head) => {
      proxy?.seen.push(`${req.method} ${req.url}`);
      const upstream = connect(targetPort, '127.0.0.1', () => {
        const headers: string[] = [];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        }
        upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new RecordingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  /** The WebSocket upgrades among {@link seen}. */
  get upgrades(): string[] {
    return this.seen.filter((line) => /^GET \/(rooms|join|p2p)\//.test(line));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
