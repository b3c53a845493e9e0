import { ErrorCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import { type RoomConnection, type StatusChange, TandemError } from '../src/index.js';
import { APP_SECRET, appToken } from './support/app-token.js';
import { nodeClient, reach, until } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeAll(async () => {
  server = await startServer({
    jwtSecret: APP_SECRET,
    joinsPerMinute: 1000,
    hooks: { authorize: (_identity, room) => (room.startsWith('shared-') ? 'write' : undefined) },
  });
});
afterAll(async () => {
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

function track(room: RoomConnection): RoomConnection {
  open.push(room);
  return room;
}

describe('app-named rooms from the SDK', () => {
  it('two users of the app edit lesson-42 by name, one of them as a reader', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    const bob = nodeClient(server.url, () => appToken('bob', { 'lesson-42': 'read' }));
    const writer = track(ada.room('lesson-42', { mode: 'lww' }));
    await reach(writer, 'connected');
    await writer.lww.set({ title: 'Fractions' });
    const reader = track(bob.room('lesson-42', { mode: 'lww' }));
    await reach(reader, 'connected');
    await until(reader, 'activity', () => reader.lww.json<{ title: string }>()?.title === 'Fractions');
    await until(writer, 'join', () => writer.others.length === 1);
    expect(writer.others.map((p) => p.name)).toEqual(['bob']);
  });

  it('starts a Yjs room from the document in hand, then joins it', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    const inHand = new Y.Doc();
    inHand.getText('body').insert(0, 'What I was editing.');
    const created = await ada.createRoom('lesson-7', { mode: 'yjs', initial: Y.encodeStateAsUpdate(inHand) });
    expect(created).toEqual({ room: 'lesson-7', mode: 'yjs', created: true });
    expect((await ada.createRoom('lesson-7', { mode: 'yjs' })).created).toBe(false);
    const room = track(ada.room('lesson-7', { mode: 'yjs' }));
    const body = room.yjs.getText('body');
    await reach(room, 'connected');
    if (body.toString() === '')
      await new Promise<void>((resolve) => room.yjs.on('update', () => body.toString() !== '' && resolve()));
    expect(body.toString()).toBe('What I was editing.');
  });

  it('says why it is refused: no access, another mode, a refused creation', async () => {
    const eve = nodeClient(server.url, () => appToken('eve', { 'course-*': 'write' }));
    const refused = track(eve.room('lesson-42', { mode: 'lww' }));
    const change = await new Promise<StatusChange>((resolve) =>
      refused.on('status', (s) => s.status === 'disconnected' && resolve(s)),
    );
    expect(change.error?.code).toBe(ErrorCode.Forbidden);
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    const error = await ada.createRoom('lesson-42', { mode: 'ops' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TandemError);
    expect((error as TandemError).code).toBe(ErrorCode.WrongDocMode);
  });

  it("a guest of this server gets into a room the app's hook opens to it", async () => {
    const guest = nodeClient(server.url, { guest: 'Gus' });
    const room = track(guest.room('shared-board', { mode: 'ops' }));
    await reach(room, 'connected');
    expect(room.self?.name).toBe('Gus');
  });

  it('opens a session on the lesson in hand for a guest the app does not know', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    await ada.createRoom('lesson-9', {
      mode: 'lww',
      initial: new TextEncoder().encode('{"title":"Ratios"}'),
    });
    const { joinCode } = await ada.host({ room: 'lesson-9', policy: 'open' });
    const host = track(ada.room('lesson-9'));
    await reach(host, 'connected');
    expect(host.self?.role).toBe('host');
    const gus = track(nodeClient(server.url, { guest: 'Gus' }).join({ code: joinCode }));
    await reach(gus, 'connected');
    await until(gus, 'activity', () => gus.lww.json<{ title: string }>()?.title === 'Ratios');
    await gus.lww.set({ title: 'Ratios, solved' });
    await until(host, 'activity', () => host.lww.json<{ title: string }>()?.title === 'Ratios, solved');
  });
});
