import { ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { RoomConnection, StatusChange } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeEach(async () => {
  server = await startServer({ joinsPerMinute: 1000 });
});
afterEach(async () => {
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

async function joined(name: string, target: { code: string } | { roomId: string }) {
  const room = nodeClient(server.url, { guest: name }).join(target);
  open.push(room);
  await reach(room, 'connected');
  return room;
}

function disconnection(room: RoomConnection): Promise<StatusChange> {
  return new Promise((resolve) => room.on('status', (s) => s.status === 'disconnected' && resolve(s)));
}

describe('room.endSession', () => {
  it('ends the session for everyone: each is disconnected for good with SessionEnded, and the code is gone', async () => {
    const hostClient = nodeClient(server.url, { guest: 'Ada' });
    const hosted = await hostClient.host({ policy: 'open' });
    const host = hostClient.join({ roomId: hosted.roomId });
    open.push(host);
    await reach(host, 'connected');
    const bob = await joined('Bob', { code: hosted.joinCode });
    const bobGone = disconnection(bob);

    await host.endSession();
    expect(host.status).toBe('disconnected');
    const change = await bobGone;
    expect(change.error).toMatchObject({ code: ErrorCode.SessionEnded, codeName: 'SessionEnded' });
    expect(change.error?.message).toBe('the host ended the session');

    const late = nodeClient(server.url, { guest: 'Late' }).join({ code: hosted.joinCode });
    open.push(late);
    expect((await disconnection(late)).error?.codeName).toBe('RoomNotFound');
  });

  it('is refused to a guest, who stays connected, and to a connection that is not live', async () => {
    const hostClient = nodeClient(server.url, { guest: 'Ada' });
    const hosted = await hostClient.host({ policy: 'open' });
    const host = hostClient.join({ roomId: hosted.roomId });
    open.push(host);
    await reach(host, 'connected');
    const bob = await joined('Bob', { code: hosted.joinCode });
    await expect(bob.endSession()).rejects.toMatchObject({ codeName: 'Forbidden' });
    expect(bob.status).toBe('connected');
    bob.leave();
    await expect(bob.endSession()).rejects.toMatchObject({ codeName: 'Disconnected' });
    expect(host.status).toBe('connected');
  });
});
