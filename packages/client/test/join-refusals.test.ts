import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ConnectionStatus, RoomConnection, StatusChange } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer();

/** Every status a room goes through, from its first. */
function statuses(room: RoomConnection): StatusChange[] {
  const seen: StatusChange[] = [];
  room.on('status', (change) => seen.push(change));
  return seen;
}

async function guestToken(name: string): Promise<string> {
  const res = await fetch(`${env.server.url}/auth/guest`, { method: 'POST', body: JSON.stringify({ name }) });
  return ((await res.json()) as { token: string }).token;
}

describe('a join code the server does not know', () => {
  for (const [what, code] of [
    ['too short for a code', 'AB'],
    ['too long for a code', 'K7QX2MK7QX2MK7QX2MK'],
    ['an invite link pasted whole', 'http://127.0.0.1:4321/?join=K7QX2M'],
    ['well formed but unknown', 'ZZZZZZ'],
  ] as const) {
    it(`ends the connection after one attempt: ${what}`, async () => {
      const room = nodeClient(env.server.url, { guest: 'Ada' }).join({ code });
      env.rooms.push(room);
      const seen = statuses(room);
      await reach(room, 'disconnected');
      expect(seen.map((s) => s.status)).toEqual<ConnectionStatus[]>(['connecting', 'disconnected']);
      expect(room.status).toBe('disconnected');
      const error = seen[1]?.error;
      expect(error?.codeName).toBe('RoomNotFound');
      expect(error?.message).toMatch(/no session with code/);
    });
  }
});

/**
 * A gateway in front of a server that is restarting: it hands out the server's connection tickets
 * but answers 503 to everything else, the WebSocket upgrade and the code lookup included.
 */
async function restartingGateway(
  serverUrl: string,
): Promise<{ server: Server; port: number; refused: string[] }> {
  const refused: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/tickets') {
      void fetch(`${serverUrl}/tickets`, {
        method: 'POST',
        headers: { authorization: req.headers.authorization ?? '' },
      }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      });
      return;
    }
    refused.push(`${req.method} ${req.url}`);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'ServerShutdown', message: 'restarting' }));
  });
  server.on('upgrade', (req, socket) => {
    refused.push(`upgrade ${req.url?.split('?')[0]}`);
    socket.end('HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return { server, port: address.port, refused };
}

describe('a join code refused for a while (503)', () => {
  it('keeps trying, and joins once the server answers again', async () => {
    const host = nodeClient(env.server.url, { guest: 'Host' });
    const { joinCode } = await host.host({ policy: 'open', docMode: 'lww' });
    const gateway = await restartingGateway(env.server.url);
    try {
      env.proxy.retarget(gateway.port);
      const room = nodeClient(env.proxy.url, await guestToken('Ada')).join({ code: joinCode });
      env.rooms.push(room);
      const seen = statuses(room);
      // Several attempts, each upgrade refused and each lookup answered 503: never final.
      await new Promise<void>((resolve) => {
        const off = room.on('status', () => {
          if (seen.filter((s) => s.status === 'reconnecting').length < 3) return;
          off();
          resolve();
        });
      });
      expect(gateway.refused).toContain(`GET /sessions/${joinCode}`);
      expect(gateway.refused).toContain(`upgrade /join/${joinCode}`);
      expect(seen.some((s) => s.status === 'disconnected')).toBe(false);

      env.proxy.retarget(Number(new URL(env.server.url).port));
      await reach(room, 'connected');
    } finally {
      gateway.server.closeAllConnections();
      await new Promise((resolve) => gateway.server.close(resolve));
    }
  });
});

describe('a network that goes silent', () => {
  it('is given up within the liveness timeout, and the room comes back with the network', async () => {
    const host = nodeClient(env.server.url, { guest: 'Host' });
    const { roomId } = await host.host({ policy: 'open', docMode: 'lww' });
    const room = nodeClient(env.proxy.url, await guestToken('Ada'), {
      liveness: { pingAfterMs: 200, timeoutMs: 400 },
    }).join({ roomId });
    env.rooms.push(room);
    await reach(room, 'connected');
    const seen = statuses(room);

    env.proxy.blackHole();
    await reach(room, 'reconnecting');
    expect(seen[0]?.error?.codeName).toBe('NoAnswer');
    expect(seen[0]?.error?.message).toMatch(/no answer from the server/);

    env.proxy.restore();
    await reach(room, 'connected');
  });
});
