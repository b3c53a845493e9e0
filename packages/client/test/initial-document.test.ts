import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { OpsMirror, OpsReducer, RoomConnection } from '../src/index.js';
import { nodeClient } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeAll(async () => {
  server = await startServer({ maxDocBytes: 4096 });
});
afterAll(async () => {
  for (const room of open.splice(0)) room.leave();
  await server.close();
});

/** Resolves once `check()` holds, re-checked on every change `subscribe` reports. */
function whenTrue(subscribe: (listener: () => void) => () => void, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = subscribe(() => {
      if (!check()) return;
      off();
      resolve();
    });
  });
}

type Shape = { id: string };
type Canvas = { shapes: Shape[] };
const canvas: OpsReducer<Canvas, Shape> = {
  initial: { shapes: [] },
  apply: (state, shape) => ({ shapes: [...state.shapes, shape] }),
};

describe('a session started from the document in hand', () => {
  it('lww: a guest joining finds the host’s document', async () => {
    const host = nodeClient(server.url, { guest: 'Ada' });
    const hosted = await host.host({
      policy: 'open',
      docMode: 'lww',
      initialDocument: { json: { title: 'Fractions' } },
    });
    const guest = nodeClient(server.url, { guest: 'Bob' }).join({ roomId: hosted.roomId });
    open.push(guest);
    await whenTrue(
      (l) => guest.lww.subscribe(l),
      () => guest.lww.json<{ title: string }>()?.title === 'Fractions',
    );
    expect(guest.lww.version).toBeGreaterThan(0);
  });

  it('ops: the snapshot is the state a reducer folds on from', async () => {
    const host = nodeClient(server.url, { guest: 'Ada' });
    const start: Canvas = { shapes: [{ id: 'circle' }] };
    const hosted = await host.host({ policy: 'open', docMode: 'ops', initialDocument: { json: start } });
    const room = host.join({ roomId: hosted.roomId });
    open.push(room);
    const ops = (room.ops as OpsMirror<Canvas, Shape>).use(canvas);
    await whenTrue(
      (l) => ops.subscribeState(l),
      () => ops.state.shapes.length === 1,
    );
    await ops.submit({ id: 'square' });
    expect(ops.state.shapes.map((s) => s.id)).toEqual(['circle', 'square']);
  });

  it('yjs: a Y.Doc in hand is the room’s document', async () => {
    const host = nodeClient(server.url, { guest: 'Ada' });
    const local = new Y.Doc();
    local.getText('notes').insert(0, 'written before sharing');
    const hosted = await host.host({ policy: 'open', docMode: 'yjs', initialDocument: local });
    const guest = nodeClient(server.url, { guest: 'Bob' }).join({ roomId: hosted.roomId });
    open.push(guest);
    const text = guest.yjs.getText('notes');
    await whenTrue(
      (l) => {
        guest.yjs.on('update', l);
        return () => guest.yjs.off('update', l);
      },
      () => text.toString() === 'written before sharing',
    );
  });

  it('bytes are sent as they are, and one over the cap is refused with the reason', async () => {
    const host = nodeClient(server.url, { guest: 'Ada' });
    const hosted = await host.host({ docMode: 'lww', initialDocument: new Uint8Array([1, 2, 3]) });
    expect(hosted.roomId).toMatch(/^r/);
    await expect(host.host({ docMode: 'lww', initialDocument: new Uint8Array(4097) })).rejects.toThrow(
      /initialDocument: document of 4097 bytes is over the 4096-byte cap/,
    );
  });
});
