import type { MessageOf } from '@tandem/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from './support/child.js';
import { TestClient } from './support/client.js';
import { DATABASE_URL, dropSchema, skipPostgres, uniqueSchema } from './support/postgres.js';
import { createSession, postJson, tempDataDir } from './support/server.js';

const data = tempDataDir();
let running: ServerProcess | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

/** Where a server of each test stores its rooms: the flags it is started with, per test. */
const STORES = [
  { store: 'SQLite', skip: false, flags: (): string[] => [] },
  {
    store: 'PostgreSQL',
    skip: skipPostgres,
    flags: (): string[] => {
      const schema = uniqueSchema();
      schemas.push(schema);
      return ['--database-url', DATABASE_URL, '--database-schema', schema];
    },
  },
];

async function guest(url: string, name: string): Promise<string> {
  return (await postJson(`${url}/auth/guest`, { name })).body.token as string;
}

describe.each(STORES)('durability with $store', ({ store, skip, flags }) => {
  if (skip) return;
  it('loses no acknowledged operation when the server is killed with SIGKILL', async () => {
    const args = ['--data', `${data.dir}/${store}-ops`, '--doc-rate', '100000', ...flags()];
    running = await spawnServer(args);
    const token = await guest(running.url, 'Writer');
    const { roomId } = await createSession(running, token, { policy: 'open', docMode: 'ops' });
    const client = await (
      await TestClient.join(`${running.wsUrl}/rooms/${roomId}?token=${token}`)
    ).admitted();

    let rid = 0;
    // Keep writing while acks come back; kill mid-stream once a good number are durable.
    while (client.of('docAck').length < 200) {
      for (let i = 0; i < 20; i++)
        client.send({
          type: 'opSubmit',
          rid: ++rid,
          resource: '',
          op: new TextEncoder().encode(`op-${rid}`),
        });
      await client.next('docAck', (a) => a.rid === rid - 10);
    }
    running.child.kill('SIGKILL');
    const ackedAtKill = new Set(client.of('docAck').map((a) => a.rid));
    const { signal } = await running.exited;
    expect(signal).toBe('SIGKILL');

    running = await spawnServer(args);
    const reader = await (
      await TestClient.join(`${running.wsUrl}/rooms/${roomId}?token=${await guest(running.url, 'Reader')}`)
    ).admitted();
    const sync = reader.of('opsSync')[0] as MessageOf<'opsSync'>;
    const stored = new Set(sync.ops.map((o) => new TextDecoder().decode(o.op)));
    const missing = [...ackedAtKill].filter((r) => !stored.has(`op-${r}`));
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(200);
    expect(missing).toEqual([]);
  });

  it('restores the latest acknowledged whole document after SIGKILL', async () => {
    const args = ['--data', `${data.dir}/${store}-lww`, '--doc-rate', '100000', ...flags()];
    running = await spawnServer(args);
    const token = await guest(running.url, 'Writer');
    const { roomId } = await createSession(running, token, { policy: 'open' });
    const client = await (
      await TestClient.join(`${running.wsUrl}/rooms/${roomId}?token=${token}`)
    ).admitted();
    for (let i = 1; i <= 100; i++)
      client.send({ type: 'lwwSet', rid: i, resource: '', doc: new TextEncoder().encode(`{"v":${i}}`) });
    const last = await client.next('docAck', (a) => a.rid === 100);
    running.child.kill('SIGKILL');
    await running.exited;

    running = await spawnServer(args);
    const reader = await (
      await TestClient.join(`${running.wsUrl}/rooms/${roomId}?token=${await guest(running.url, 'Reader')}`)
    ).admitted();
    const doc = reader.of('lwwDoc').at(-1)!;
    expect(doc.version).toBe(last.version);
    expect(new TextDecoder().decode(doc.doc)).toBe('{"v":100}');
  });
});
