import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { createSession, guestToken, hostSession, postJson, roomUrl, startServer } from './support/server.js';

let server: TandemServer;

beforeEach(async () => {
  server = await startServer({ joinsPerMinute: 1000 });
});
afterEach(async () => {
  await server.close();
});

/** A host's session (waiting room) with a companion `yjs` room, and a guest token. */
async function sessionWithCompanion() {
  const { host, token, session } = await hostSession(server, { policy: 'host-approval' });
  const companion = await createSession(server, token, { companionOf: session.roomId, docMode: 'yjs' });
  return { host, token, session, companion };
}

/** A guest that waits in the session and is added by the host. */
async function admittedGuest(host: TestClient, roomId: string, name: string) {
  const { token } = await guestToken(server, name);
  const guest = await TestClient.join(roomUrl(server, roomId, token));
  await guest.next('admission', (a) => a.state === 'waiting');
  const list = await host.next('waitingList', (w) => w.waiting.some((g) => g.name === name));
  host.send({ type: 'admit', action: 'admit', slot: list.waiting.find((g) => g.name === name)!.slot });
  await guest.admitted();
  return { guest, token };
}

describe('companion rooms', () => {
  it('admits to the companion whoever the session admitted, without waiting', async () => {
    const { host, token, session, companion } = await sessionWithCompanion();
    expect(companion.roomId.startsWith(`${session.roomId}.`)).toBe(true);
    const hostInCompanion = await TestClient.join(roomUrl(server, companion.roomId, token));
    await hostInCompanion.admitted();
    expect(hostInCompanion.welcome.role).toBe('host');

    const { token: bobToken } = await admittedGuest(host, session.roomId, 'Bob');
    const bob = await TestClient.join(roomUrl(server, companion.roomId, bobToken));
    await bob.admitted();
    expect(bob.of('settings')[0]?.docMode).toBe('yjs');
  });

  it('makes a viewer of the session a viewer of its companions, and follows the host’s switch', async () => {
    const { host, session, companion } = await sessionWithCompanion();
    const { guest, token } = await admittedGuest(host, session.roomId, 'Vera');
    host.send({ type: 'setAccess', slot: guest.welcome.slot, access: 'read' });
    await guest.next('peerAccess', (m) => m.access === 'read');
    const inCompanion = await (await TestClient.join(roomUrl(server, companion.roomId, token))).admitted();
    expect(inCompanion.of('peerAccess')).toEqual([
      { type: 'peerAccess', slot: inCompanion.welcome.slot, access: 'read' },
    ]);
    inCompanion.send({ type: 'yjs', step: 'update', rid: 1, data: new Uint8Array([0, 0]) });
    expect(await inCompanion.next('error', (e) => e.rid === 1)).toMatchObject({ code: ErrorCode.Forbidden });

    host.send({ type: 'setAccess', slot: guest.welcome.slot, access: 'write' });
    expect(await inCompanion.next('peerAccess', (m) => m.access === 'write')).toMatchObject({
      slot: inCompanion.welcome.slot,
    });
  });

  it('refuses whoever the session has not admitted, with NotInSession and nothing of the room', async () => {
    const { companion } = await sessionWithCompanion();
    const { token } = await guestToken(server, 'Eve');
    const eve = await TestClient.join(roomUrl(server, companion.roomId, token));
    expect((await eve.closed).code).toBe(closeCodeOf(ErrorCode.NotInSession));
    expect(eve.received.map((m) => m.type)).toEqual(['error']);
  });

  it('refuses a guest still waiting in the session', async () => {
    const { host, session, companion } = await sessionWithCompanion();
    const { token } = await guestToken(server, 'Wes');
    const waiting = await TestClient.join(roomUrl(server, session.roomId, token));
    await waiting.next('admission', (a) => a.state === 'waiting');
    await host.next('waitingList', (w) => w.waiting.length === 1);
    const sneaky = await TestClient.join(roomUrl(server, companion.roomId, token));
    expect((await sneaky.closed).code).toBe(closeCodeOf(ErrorCode.NotInSession));
  });

  it('removes from the companion whoever the host removes from the session, and keeps them out', async () => {
    const { host, companion, session } = await sessionWithCompanion();
    const { guest, token } = await admittedGuest(host, session.roomId, 'Bob');
    const bob = await TestClient.join(roomUrl(server, companion.roomId, token));
    await bob.admitted();
    host.send({ type: 'admit', action: 'remove', slot: guest.welcome.slot });
    expect((await guest.closed).code).toBe(closeCodeOf(ErrorCode.Removed));
    expect((await bob.closed).code).toBe(closeCodeOf(ErrorCode.Removed));
    const again = await TestClient.join(roomUrl(server, companion.roomId, token));
    expect((await again.closed).code).toBe(closeCodeOf(ErrorCode.NotInSession));
  });

  it('keeps the session loaded while someone is in a companion, and unloads both once they leave', async () => {
    const { host, token, session, companion } = await sessionWithCompanion();
    const { guest: bobInSession, token: bobToken } = await admittedGuest(host, session.roomId, 'Bob');
    const hostInCompanion = await TestClient.join(roomUrl(server, companion.roomId, token));
    await hostInCompanion.admitted();
    await bobInSession.close();
    await host.close(); // the session's last connection (room idle is 0 in tests)
    // Both session connections are gone from the server; the companion's one is left.
    await expect.poll(() => server.registry.connections).toBe(1);
    expect(server.registry.inUse(session.roomId)).toBe(true);

    // The companion still admits through its session: Bob, added before, comes back to the notes,
    // and whoever was there all along sees him arrive.
    const bob = await TestClient.join(roomUrl(server, companion.roomId, bobToken));
    await bob.admitted();
    await hostInCompanion.next('peerJoin', (p) => p.name === 'Bob');
    expect(hostInCompanion.of('error')).toEqual([]);

    await bob.close();
    await hostInCompanion.close();
    await server.registry.whenEmpty();
    expect(server.registry.inUse(session.roomId)).toBe(false);
    expect(server.registry.inUse(companion.roomId)).toBe(false);
  });

  it('closes an empty companion with its session', async () => {
    const { host, token, companion } = await sessionWithCompanion();
    const visitor = await TestClient.join(roomUrl(server, companion.roomId, token));
    await visitor.admitted();
    await visitor.close();
    await host.close();
    await server.registry.whenEmpty();
    expect(server.registry.size).toBe(0);
  });

  it('lets only the session host create one, and says why not', async () => {
    const { session } = await sessionWithCompanion();
    const { token: other } = await guestToken(server, 'Mallory');
    const forbidden = await postJson(`${server.url}/sessions`, { companionOf: session.roomId }, other);
    expect(forbidden).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
  });

  it('refuses bad input with a clear error code', async () => {
    const { token, session, companion } = await sessionWithCompanion();
    const post = (body: Record<string, unknown>) => postJson(`${server.url}/sessions`, body, token);
    expect(await post({ companionOf: 42 })).toMatchObject({ status: 400, body: { error: 'BadRequest' } });
    expect(await post({ companionOf: '../x' })).toMatchObject({ status: 400, body: { error: 'BadRequest' } });
    expect(await post({ companionOf: 'rNoSuchRoom00' })).toMatchObject({
      status: 404,
      body: { error: 'RoomNotFound' },
    });
    expect(await post({ companionOf: session.roomId, policy: 'open' })).toMatchObject({
      status: 400,
      body: { error: 'BadRequest' },
    });
    expect(await post({ companionOf: companion.roomId })).toMatchObject({
      status: 400,
      body: { error: 'BadMessage' },
    });
  });
});
