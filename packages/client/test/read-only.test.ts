import { ErrorCode } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import { memoryOutbox, ReadOnlyError, type RoomConnection, type TandemError } from '../src/index.js';
import { nodeClient, reach, until } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
beforeEach(async () => {
  server = await startServer({ joinsPerMinute: 1000 });
});
afterEach(async () => {
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

/** A host-approval session of `docMode` with a guest the host admitted as a viewer. */
async function withViewer(docMode: 'lww' | 'ops' | 'yjs') {
  const hostClient = nodeClient(server.url, { guest: 'Ada' });
  const hosted = await hostClient.host({ policy: 'host-approval', docMode });
  const host = hostClient.join({ roomId: hosted.roomId });
  open.push(host);
  await reach(host, 'connected');
  const viewer = nodeClient(server.url, { guest: 'Vera' }, { outbox: memoryOutbox() }).join({
    code: hosted.joinCode,
  });
  open.push(viewer);
  await until(host, 'admission', () => host.waitingList.length === 1);
  host.admit(host.waitingList[0]!.slot, { access: 'read' });
  await reach(viewer, 'connected');
  await until(host, 'others', () => host.others[0]?.access === 'read');
  return { host, viewer };
}

describe('a read-only participant in the SDK', () => {
  it('knows it is a viewer, and so does everyone else', async () => {
    const { host, viewer } = await withViewer('lww');
    expect(viewer.readOnly).toBe(true);
    expect(viewer.self).toMatchObject({ name: 'Vera', access: 'read' });
    expect(host.readOnly).toBe(false);
    expect(viewer.others).toMatchObject([{ name: 'Ada', access: 'write' }]);
    expect(host.others).toMatchObject([{ name: 'Vera', access: 'read' }]);
  });

  it('fails its edits, locks and access requests at once, keeps nothing, and still sees the host', async () => {
    const { host, viewer } = await withViewer('lww');
    await host.lww.set({ title: 'host' });
    await until(viewer, 'activity', () => viewer.lww.json<{ title: string }>()?.title === 'host');

    const edit = viewer.lww.set({ title: 'mine' });
    await expect(edit).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(edit).rejects.toMatchObject({ code: ErrorCode.Forbidden, codeName: 'Forbidden' });
    // Not pending, not kept: the mirror shows the room's document again.
    expect(viewer.lww.json()).toEqual({ title: 'host' });
    expect(viewer.lww.unacknowledged).toBeUndefined();
    await expect(viewer.select('layer-1')).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(viewer.requestAccess('layer-1', 'please')).rejects.toBeInstanceOf(ReadOnlyError);

    // It still chats and follows the host's edits.
    const said = until(host, 'chat', () => host.chat.some((m) => m.text === 'looking only'));
    await viewer.sendChat('looking only');
    await said;
    await host.lww.set({ title: 'host again' });
    await until(viewer, 'activity', () => viewer.lww.json<{ title: string }>()?.title === 'host again');
    expect(host.lww.json()).toEqual({ title: 'host again' });
  });

  it('ops: a viewer’s submit rejects with ReadOnlyError and is not queued', async () => {
    const { viewer } = await withViewer('ops');
    await expect(viewer.ops.submit({ k: 'x' })).rejects.toBeInstanceOf(ReadOnlyError);
    expect(viewer.ops.unacknowledged).toEqual([]);
  });

  it('yjs: a viewer’s local change is not sent and is reported as a ReadOnlyError', async () => {
    const { host, viewer } = await withViewer('yjs');
    host.yjs.getText('notes').insert(0, 'Hello');
    await new Promise<void>((resolve) => {
      const check = () => viewer.yjs.getText('notes').toString() === 'Hello' && resolve();
      viewer.yjs.on('update', check);
      check();
    });
    const errors: TandemError[] = [];
    viewer.on('error', (e) => errors.push(e));
    viewer.yjs.getText('notes').insert(0, 'Nope ');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ReadOnlyError);
    // A host edit after it still arrives, and the host never saw the viewer's.
    host.yjs.getText('notes').insert(5, '!');
    await new Promise<void>((resolve) => {
      const check = () => viewer.yjs.getText('notes').toString().endsWith('Hello!') && resolve();
      viewer.yjs.on('update', check);
      check();
    });
    expect(host.yjs.getText('notes').toString()).toBe('Hello!');
  });

  it('becomes an editor when the host says so, and edits again', async () => {
    const { host, viewer } = await withViewer('lww');
    host.setAccess(host.others[0]!.slot, 'write');
    await until(viewer, 'self', () => !viewer.readOnly);
    await viewer.lww.set({ title: 'now mine' });
    await until(host, 'activity', () => host.lww.json<{ title: string }>()?.title === 'now mine');
    host.setAccess(host.others[0]!.slot, 'read');
    await until(viewer, 'self', () => viewer.readOnly);
    await expect(viewer.lww.set({ title: 'again' })).rejects.toBeInstanceOf(ReadOnlyError);
  });
});
