import { once } from 'node:events';
import { connect } from 'node:net';
import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/client.js';
import { guestToken, hostSession, roomUrl, startServer, tempDataDir } from './support/server.js';

const data = tempDataDir();
afterAll(() => data.remove());
const bytes = (s: string) => new TextEncoder().encode(s);

describe('shutdown', () => {
  it('stores edits a client sent before it heard of the shutdown', async () => {
    const dir = `${data.dir}/in-flight`;
    const first = await startServer({ data: dir, docRate: 1000 });
    const { host, session } = await hostSession(first, { policy: 'open' });
    for (let i = 1; i <= 20; i++)
      host.send({ type: 'lwwSet', rid: i, resource: '', doc: bytes(`{"rev":${i}}`) });
    // Closed in the same tick: the server has not read a single one of those frames yet.
    const stopped = first.close();
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.ServerShutdown));
    await stopped;

    const second = await startServer({ data: dir });
    try {
      const { token } = await guestToken(second, 'Reader');
      const reader = await (await TestClient.join(roomUrl(second, session.roomId, token))).admitted();
      expect(new TextDecoder().decode(reader.of('lwwDoc').at(-1)!.doc)).toBe('{"rev":20}');
    } finally {
      await second.close();
    }
  });

  it('closes a refused upgrade socket even when the client never closes its side, so shutdown completes', async () => {
    const server = await startServer();
    const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(socket, 'connect');
    socket.write(
      'GET /rooms/abc?token=not-a-token HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n' +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const [response] = (await once(socket, 'data')) as [Buffer];
    expect(response.toString()).toMatch(/^HTTP\/1\.1 401/);
    // Before the fix the server only half-closed the socket: it stayed open (a file descriptor per
    // unauthenticated client) and `close` waited for it forever.
    await server.close();
    socket.destroy();
  }, 10_000);
});
