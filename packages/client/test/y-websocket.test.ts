import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import { notesWhen, yFinalClose, yProvider } from '../../server/test/support/y-websocket.js';
import type { RoomConnection } from '../src/index.js';
import { APP_SECRET, appToken } from './support/app-token.js';
import { awarenessWhen } from './support/awareness.js';
import { nodeClient, reach, until } from './support/clients.js';

let server: TandemServer;
const rooms: RoomConnection[] = [];
const providers: WebsocketProvider[] = [];
beforeAll(async () => {
  server = await startServer({ jwtSecret: APP_SECRET, joinsPerMinute: 1000, docRate: 1000 });
});
afterAll(async () => {
  for (const r of rooms.splice(0)) r.leave();
  for (const p of providers.splice(0)) p.destroy();
  await server.close();
});

function provider(name: string, token: string): WebsocketProvider {
  const p = yProvider(server.wsUrl, `docs/${name}`, token);
  providers.push(p);
  return p;
}

const textWhen = notesWhen;
const finalClose = async (p: WebsocketProvider): Promise<number> => (await yFinalClose(p)).code;

describe('a y-websocket provider beside the SDK in an app room', () => {
  it('sees the SDK client’s edits and its own reach it; the SDK client sees it in the roster', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    const room = ada.room('lesson-42', { mode: 'yjs' });
    rooms.push(room);
    await reach(room, 'connected');
    room.yjs.getText('notes').insert(0, 'from the SDK. ');

    const yuki = provider('lesson-42', await appToken('yuki', { 'lesson-*': 'write' }));
    await textWhen(yuki.doc, (t) => t.includes('from the SDK'));
    await until(room, 'join', () => room.others.some((p) => p.name === 'yuki'));
    yuki.doc.getText('notes').insert(0, 'from y-websocket. ');
    expect(await textWhen(room.yjs, (t) => t.includes('from y-websocket'))).toBe(
      'from y-websocket. from the SDK. ',
    );
    yuki.destroy();
    await until(room, 'leave', () => !room.others.some((p) => p.name === 'yuki'));
  });

  it('serves a reader the document and stops it for good on an edit; refuses one without access', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'lesson-*': 'write' }));
    const room = ada.room('lesson-43', { mode: 'yjs' });
    rooms.push(room);
    await reach(room, 'connected');
    room.yjs.getText('notes').insert(0, 'read me');
    const reader = provider('lesson-43', await appToken('bob', { 'lesson-43': 'read' }));
    await textWhen(reader.doc, (t) => t === 'read me');
    const closed = finalClose(reader);
    reader.doc.getText('notes').insert(0, 'vandal ');
    expect(await closed).toBe(4407);
    expect(reader.shouldConnect).toBe(false);
    expect(room.yjs.getText('notes').toString()).toBe('read me');

    const stranger = provider('lesson-43', await appToken('eve', { 'course-*': 'write' }));
    expect(await finalClose(stranger)).toBe(4407);
    expect(stranger.doc.getText('notes').toString()).toBe('');
  });
});

describe('awareness between the SDK and y-websocket providers', () => {
  it('carries states both ways under verified names and room colours, and removes a leaver’s', async () => {
    const ada = nodeClient(server.url, () => appToken('ada', { 'notes-*': 'write' }));
    const room = ada.room('notes-1', { mode: 'yjs' });
    rooms.push(room);
    await reach(room, 'connected');
    room.awareness.setLocalStateField('cursor', 1);

    const yuki = provider('notes-1', await appToken('yuki', { 'notes-*': 'write' }));
    // The SDK client's state reaches the provider with the name the room knows, in its colour.
    const adaSeen = await awarenessWhen(yuki.awareness, room.yjs.clientID, (s) => s?.cursor === 1);
    expect(adaSeen?.user).toEqual({ name: 'ada', color: room.self?.color });
    // The provider claims to be Ada; the SDK client sees Yuki.
    yuki.awareness.setLocalState({ user: { name: 'ada', color: '#000000', icon: 'owl' }, cursor: 7 });
    const yukiSeen = await awarenessWhen(room.awareness, yuki.doc.clientID, (s) => s?.cursor === 7);
    expect(yukiSeen?.user?.name).toBe('yuki');
    expect(yukiSeen?.user?.icon).toBe('owl');
    expect(yukiSeen?.user?.color).not.toBe('#000000');
    // Moves keep flowing, latest last.
    for (let i = 2; i <= 20; i++) room.awareness.setLocalStateField('cursor', i);
    await awarenessWhen(yuki.awareness, room.yjs.clientID, (s) => s?.cursor === 20);

    yuki.destroy();
    await awarenessWhen(room.awareness, yuki.doc.clientID, (s) => s === undefined);
  });
});
