import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './support/child.js';
import { TestClient } from './support/client.js';
import { DATABASE_URL, dropSchema, uniqueSchema } from './support/postgres.js';
import {
  createSession,
  guestToken,
  hostSession,
  roomUrl,
  startServer,
  tempDataDir,
} from './support/server.js';

const data = tempDataDir();
afterAll(() => data.remove());
const bytes = (s: string) => new TextEncoder().encode(s);

describe('graceful shutdown', () => {
  it('on SIGTERM tells clients to reconnect, stores every document and exits 0', async () => {
    const args = ['--data', `${data.dir}/sigterm`, '--doc-rate', '1000'];
    const first = await spawnServer(args);
    const { host, session } = await hostSession(first, { policy: 'open' });
    for (let i = 1; i <= 20; i++)
      host.send({ type: 'lwwSet', rid: i, resource: '', doc: bytes(`{"rev":${i}}`) });
    // The last edit is sent, not awaited: shutdown must still store it.
    first.child.kill('SIGTERM');
    expect((await host.closed).code).toBe(closeCodeOf(ErrorCode.ServerShutdown));
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = await spawnServer(args);
    try {
      const { token } = await guestToken(second, 'Reader');
      const reader = await (await TestClient.join(roomUrl(second, session.roomId, token))).admitted();
      expect(new TextDecoder().decode(reader.of('lwwDoc').at(-1)!.doc)).toBe('{"rev":20}');
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('refuses to start with guests off and no JWT configuration, saying what to set', async () => {
    await expect(spawnServer(['--data', ':memory:', '--no-guests'])).rejects.toThrow(
      /--jwt-secret or --jwks-url/,
    );
  });

  it('refuses to start when its Redis cannot be reached, saying so in one line', async () => {
    const schema = uniqueSchema();
    await expect(
      spawnServer([
        '--data',
        ':memory:',
        '--database-url',
        DATABASE_URL,
        '--database-schema',
        schema,
        '--redis-url',
        'redis://127.0.0.1:1',
      ]),
    ).rejects.toThrow(
      /exited \(1\)[\s\S]*tandem: could not start: Redis at redis:\/\/127\.0\.0\.1:1 is not reachable \([^\n]*ECONNREFUSED[^\n]*\n$/,
    );
    await dropSchema(schema);
  });

  it('refuses to start when its PostgreSQL cannot be reached, saying so in one line', async () => {
    await expect(
      spawnServer(['--data', ':memory:', '--database-url', 'postgres://tandem:secret@127.0.0.1:1/none']),
    ).rejects.toThrow(
      /exited \(1\)[\s\S]*tandem: could not start: PostgreSQL at postgres:\/\/tandem:\*\*\*@127\.0\.0\.1:1\/none is not reachable \(connect ECONNREFUSED[^\n]*\n$/,
    );
  });
});

describe('start', () => {
  it('refuses to start on a port in use, saying how to choose another', async () => {
    const first = await startServer();
    try {
      await expect(startServer({ port: first.port })).rejects.toThrow(
        new RegExp(`port ${first.port} on .* is already in use: .*--port or the PORT`),
      );
    } finally {
      await first.close();
    }
  });

  it('refuses to start with a static directory that is missing or holds no index.html', async () => {
    await expect(startServer({ staticDir: '/nonexistent/dist' })).rejects.toThrow(/does not exist/);
    await expect(startServer({ staticDir: tmpdir() })).rejects.toThrow(/has no index.html/);
  });
});

describe('restart', () => {
  it('restores documents, settings, trusted list, host and admitted users from the data directory', async () => {
    const dir = `${data.dir}/restart`;
    const first = await startServer({ data: dir });
    const { host, session, token: hostToken } = await hostSession(first, { trusted: ['ada@example.com'] });
    const { token: bobToken } = await guestToken(first, 'Bob');
    const bob = await TestClient.join(roomUrl(first, session.roomId, bobToken));
    const { waiting } = await host.next('waitingList', (w) => w.waiting.length === 1);
    host.send({ type: 'admit', action: 'admit', slot: waiting[0]!.slot });
    await bob.admitted();
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"title":"Fractions"}') });
    await host.next('docAck');
    await first.close();

    const second = await startServer({ data: dir });
    try {
      const hostAgain = await (await TestClient.join(roomUrl(second, session.roomId, hostToken))).admitted();
      expect(hostAgain.welcome.role).toBe('host');
      expect(hostAgain.of('settings')[0]).toMatchObject({
        policy: 'host-approval',
        trusted: ['ada@example.com'],
        joinCode: session.joinCode,
      });
      expect(new TextDecoder().decode(hostAgain.of('lwwDoc').at(-1)!.doc)).toBe('{"title":"Fractions"}');
      await (await TestClient.join(roomUrl(second, session.roomId, bobToken))).admitted();
      const byCode = await TestClient.join(`${second.wsUrl}/join/${session.joinCode}?token=${hostToken}`);
      await byCode.admitted();
    } finally {
      await second.close();
    }
  });
});

describe('rooms in memory', () => {
  it('keeps an empty room loaded for the idle period, so a quick reconnect does not reload it', async () => {
    const server = await startServer({ roomIdleSeconds: 1 });
    try {
      const { host, session, token } = await hostSession(server, { policy: 'open' });
      host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
      const first = await host.next('docAck');
      await host.close();
      const back = await (await TestClient.join(roomUrl(server, session.roomId, token))).admitted();
      back.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('v2') });
      // Same load (same epoch): the next version follows on instead of jumping to a new epoch.
      expect((await back.next('docAck')).version).toBe(first.version + 1);
      await back.close();
      await server.registry.whenEmpty();
      expect(server.registry.size).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('unloads rooms when their last connection leaves, and memory returns to baseline after thousands come and go', async () => {
    const server = await startServer({ joinsPerMinute: 100_000, maxHostedRooms: 100_000 });
    try {
      const { token } = await guestToken(server, 'Churn');
      const cycle = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const { roomId } = await createSession(server, token, { policy: 'open' });
          const c = await (await TestClient.join(roomUrl(server, roomId, token))).admitted();
          c.send({ type: 'lwwSet', rid: 1, resource: '', doc: new Uint8Array(2048) });
          await c.next('docAck');
          await c.close();
        }
      };
      await cycle(200);
      await settle(server);
      const baseline = heap();
      await cycle(2000);
      await settle(server);
      expect(server.registry.size).toBe(0);
      expect(server.registry.connections).toBe(0);
      expect(heap() - baseline).toBeLessThan(8 * 1024 * 1024);
    } finally {
      await server.close();
    }
  }, 120_000);
});

async function settle(server: {
  registry: { whenEmpty(): Promise<void>; connections: number };
}): Promise<void> {
  await server.registry.whenEmpty();
}

// Tests run without --expose-gc; V8 can still hand out its gc function on request.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
