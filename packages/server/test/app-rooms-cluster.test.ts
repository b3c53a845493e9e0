import { ErrorCode } from '@tandem/protocol';
import { SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { TestClusters } from './support/cluster.js';
import { skipPostgres } from './support/postgres.js';
import { skipRedis } from './support/redis.js';
import { postJson, startServer } from './support/server.js';

const SECRET = 'an-app-secret-of-at-least-32-bytes!!';
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function appToken(sub: string, rooms: Record<string, string>): Promise<string> {
  return new SignJWT({ sub, tandem: { rooms } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

describe.skipIf(skipRedis || skipPostgres)('app-named rooms in a cluster', () => {
  const clusters = new TestClusters();
  const servers: TandemServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => clusters.drop());

  it('one owner per app room, reached from every node; a ticket keeps its room claim; deleteRoom from any node', async () => {
    const { config } = clusters.settings();
    const settings = { ...config, jwtSecret: SECRET, joinsPerMinute: 1000 };
    const [a, b] = [await startServer(settings), await startServer(settings)];
    servers.push(a!, b!);
    const writerToken = await appToken('w', { 'lesson-*': 'write' });
    const created = await postJson(
      `${a!.url}/docs/lesson-42`,
      { docMode: 'lww', initial: Buffer.from('draft').toString('base64') },
      writerToken,
    );
    expect(created).toMatchObject({ status: 201, body: { created: true } });
    // Created again through the other node: the owner answers, and keeps what it has.
    const again = await postJson(
      `${b!.url}/docs/lesson-42`,
      { docMode: 'lww', initial: 'eA==' },
      writerToken,
    );
    expect(again).toMatchObject({ status: 200, body: { created: false, initial: 'ignored' } });

    // A reader on node b, with a ticket its node stored in Redis: its room claim comes back with it.
    const readerToken = await appToken('r', { 'lesson-42': 'read' });
    const ticket = await postJson(`${a!.url}/tickets`, {}, readerToken);
    const reader = await (
      await TestClient.join(`${b!.wsUrl}/docs/lesson-42?mode=lww&ticket=${ticket.body.ticket as string}`)
    ).admitted();
    expect(text((await reader.next('lwwDoc')).doc)).toBe('draft');
    const writer = await (
      await TestClient.join(`${b!.wsUrl}/docs/lesson-42?mode=lww&token=${writerToken}`)
    ).admitted();
    writer.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('edited') });
    await writer.next('docAck', (ack) => ack.rid === 1);
    expect(text((await reader.next('lwwDoc', (d) => d.version > 1)).doc)).toBe('edited');
    expect([a!.registry.size, b!.registry.size]).toEqual([1, 0]);

    // Deleted through the node that does not run it: every client is closed, the store forgets it.
    expect(await b!.deleteRoom('lesson-42')).toBe(true);
    for (const client of [reader, writer])
      expect((await client.closed).code).toBe(4000 + ErrorCode.RoomClosed);
    expect(await b!.deleteRoom('lesson-42')).toBe(false);
  });
});
