import { type ClientMessage, closeCodeOf, ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { Room } from '../src/index.js';
import { recordingYjs } from './support/document.js';
import { bytes, makeRoom, Peer } from './support/harness.js';

/** A yjs room whose document only records what reaches it, so a refusal is seen to change nothing. */
function yjsRoom() {
  const { documents, seen } = recordingYjs();
  return { ...makeRoom({ settings: { policy: 'open', docMode: 'yjs' }, documents }), seen };
}

describe('read-only participants', () => {
  it('lets an app-made viewer in with the whole room and tells everyone it is a viewer', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
    const viewer = join('vera', { access: 'read' });
    expect(viewer.admitted).toBe(true);
    expect(viewer.last('lwwDoc')?.doc).toEqual(bytes('v1'));
    // Its own access comes in the snapshot, before `admitted`.
    const types = viewer.all().map((m) => m.type);
    expect(types.indexOf('peerAccess')).toBeGreaterThan(types.indexOf('roster'));
    expect(types.indexOf('peerAccess')).toBeLessThan(types.lastIndexOf('admission'));
    expect(viewer.of('peerAccess')).toEqual([{ type: 'peerAccess', slot: viewer.slot, access: 'read' }]);
    expect(host.of('peerAccess')).toEqual([{ type: 'peerAccess', slot: viewer.slot, access: 'read' }]);
    // A late joiner learns of the viewer with the roster; editors get no peerAccess of their own.
    const late = join('carl');
    expect(late.of('peerAccess')).toEqual([{ type: 'peerAccess', slot: viewer.slot, access: 'read' }]);
  });

  it.each<[string, (rid: number) => ClientMessage]>([
    ['lwwSet', (rid) => ({ type: 'lwwSet', rid, resource: '', doc: bytes('mine') })],
    ['lockAcquire', (rid) => ({ type: 'lockAcquire', rid, resource: 'layer-1' })],
    ['accessRequest', (rid) => ({ type: 'accessRequest', rid, resource: 'layer-1', message: 'please' })],
  ])('refuses a viewer’s %s with Forbidden and changes nothing', (_name, make) => {
    const { join, room } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
    host.send({ type: 'lockAcquire', rid: 2, resource: 'layer-1' });
    const viewer = join('vera', { access: 'read' });
    host.fresh();
    viewer.fresh();

    viewer.send(make(7));
    const error = viewer.last('error');
    expect(error).toMatchObject({ code: ErrorCode.Forbidden, rid: 7 });
    expect(error?.message).toMatch(/viewer/);
    expect(host.fresh()).toEqual([]);
    expect(room.documentVersion).toBe(1);
    expect(viewer.of('lockGranted')).toEqual([]);
  });

  it('refuses a viewer’s lockRenew and ops edits the same way', () => {
    const { join, room } = makeRoom({ settings: { policy: 'open', docMode: 'ops' } });
    const host = join('alice');
    const viewer = join('vera', { access: 'read' });
    host.fresh();
    viewer.send({ type: 'opSubmit', rid: 1, resource: '', op: bytes('{"o":1}') });
    viewer.send({ type: 'opsSnapshot', rid: 2, seq: 0, snapshot: bytes('{}') });
    viewer.send({ type: 'lockRenew', resource: 'layer-1', lockId: 'x' });
    expect(viewer.errors().map((e) => [e.code, e.rid])).toEqual([
      [ErrorCode.Forbidden, 1],
      [ErrorCode.Forbidden, 2],
      [ErrorCode.Forbidden, 0],
    ]);
    expect(room.documentVersion).toBe(0);
    expect(host.fresh()).toEqual([]);
  });

  it('answers a viewer’s Yjs state vector but refuses its diffs and updates', () => {
    const { join, seen } = yjsRoom();
    join('alice');
    const viewer = join('vera', { access: 'read' });
    viewer.send({ type: 'yjs', step: 'state-vector', rid: 1, data: new Uint8Array([0]) });
    viewer.send({ type: 'yjs', step: 'diff', rid: 2, data: new Uint8Array([0, 0]) });
    viewer.send({ type: 'yjs', step: 'update', rid: 3, data: new Uint8Array([0, 0]) });
    expect(seen.map((m) => m.step)).toEqual(['state-vector']);
    expect(viewer.errors().map((e) => [e.code, e.rid])).toEqual([
      [ErrorCode.Forbidden, 2],
      [ErrorCode.Forbidden, 3],
    ]);
  });

  it('lets a viewer chat, set presence and move its cursor', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    const viewer = join('vera', { access: 'read' });
    viewer.send({ type: 'chatSend', rid: 1, body: bytes('"hi"') });
    viewer.send({ type: 'presenceSet', presence: bytes('{"tool":"look"}') });
    viewer.send({ type: 'cursor2d', x: 3, y: 4 });
    clock.advance(100);
    expect(viewer.errors()).toEqual([]);
    expect(host.last('chat')?.slot).toBe(viewer.slot);
    expect(host.last('presence')).toMatchObject({ slot: viewer.slot });
    expect(host.last('peerCursor2d')).toMatchObject({ slot: viewer.slot, x: 3, y: 4 });
  });

  it('lets the host admit a waiting guest as a viewer', () => {
    const { join, room } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    expect(bob.admitted).toBe(true);
    expect(bob.of('peerAccess')).toEqual([{ type: 'peerAccess', slot: bob.slot, access: 'read' }]);
    expect(host.last('peerAccess')).toEqual({ type: 'peerAccess', slot: bob.slot, access: 'read' });
    bob.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('x') });
    expect(bob.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(room.documentVersion).toBe(0);
  });

  it('lets the host switch a participant between viewer and editor, on all its connections', () => {
    const activity: string[] = [];
    const { join, room } = makeRoom({ settings: { policy: 'open' } });
    room.onActivity((e) => {
      if (e.type === 'access-level') activity.push(`${e.userId}:${e.access}`);
    });
    const host = join('alice');
    const bob = join('bob');
    const bobTab = join('bob');
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    expect(host.of('peerAccess').map((m) => [m.slot, m.access])).toEqual([
      [bob.slot, 'read'],
      [bobTab.slot, 'read'],
    ]);
    // What it held is free again.
    expect(host.last('lockState')).toMatchObject({ resource: 'layer-1', reason: 'released', holderUser: '' });
    bobTab.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('x') });
    expect(bobTab.last('error')?.code).toBe(ErrorCode.Forbidden);

    // Back to editor: edits go through; a reconnect in between keeps the viewer's access.
    host.send({ type: 'setAccess', slot: bob.slot, access: 'write' });
    expect(
      bob
        .of('peerAccess')
        .slice(-2)
        .map((m) => m.access),
    ).toEqual(['write', 'write']);
    bob.send({ type: 'lwwSet', rid: 3, resource: '', doc: bytes('y') });
    expect(room.documentVersion).toBe(1);
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    bob.disconnect();
    bobTab.disconnect();
    const again = join('bob');
    expect(again.of('peerAccess').some((m) => m.slot === again.slot && m.access === 'read')).toBe(true);
    expect(activity).toEqual(['bob:read', 'bob:write', 'bob:read']);
  });

  it('lets a host-made viewer back without waiting while the room is loaded, but not as an editor after', async () => {
    const { join, room, store, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    bob.disconnect();
    const back = join('bob');
    expect(back.admitted).toBe(true);
    expect(back.of('peerAccess')).toEqual([{ type: 'peerAccess', slot: back.slot, access: 'read' }]);

    await room.close();
    const reloaded = await Room.load({ id: 'room-1', store, clock });
    const later = new Peer(reloaded, { userId: 'bob', name: 'bob' }).hello();
    expect(later.of('admission').map((a) => a.state)).toEqual(['waiting']);
    await reloaded.close();
  });

  it('makes a removed viewer wait for the host again', () => {
    const { join, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    expect(bob.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Removed));
    clock.advance(60_000);
    const again = join('bob');
    expect(again.of('admission').map((a) => a.state)).toEqual(['waiting']);
  });

  it('remembers a viewer the host lets edit again as one it admitted', async () => {
    const { join, room, store, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'setAccess', slot: bob.slot, access: 'read' });
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    host.send({ type: 'setAccess', slot: bob.slot, access: 'write' });
    await room.close();
    const reloaded = await Room.load({ id: 'room-1', store, clock });
    const later = new Peer(reloaded, { userId: 'bob', name: 'bob' }).hello();
    expect(later.admitted).toBe(true);
    expect(later.of('peerAccess')).toEqual([]);
    await reloaded.close();
  });

  it('refuses setAccess from a guest, on the host, on an unknown slot, and write for an app-made viewer', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    const bob = join('bob');
    const vera = join('vera', { access: 'read' });
    bob.send({ type: 'setAccess', slot: vera.slot, access: 'write' });
    expect(bob.last('error')).toMatchObject({
      code: ErrorCode.Forbidden,
      message: 'only the host may do that',
    });
    host.send({ type: 'setAccess', slot: host.slot, access: 'read' });
    expect(host.last('error')).toMatchObject({
      code: ErrorCode.Forbidden,
      message: "the host's own access cannot change",
    });
    host.send({ type: 'setAccess', slot: 999, access: 'read' });
    expect(host.last('error')?.code).toBe(ErrorCode.NotFound);
    host.send({ type: 'setAccess', slot: vera.slot, access: 'write' });
    expect(host.last('error')).toMatchObject({
      code: ErrorCode.Forbidden,
      message: 'the app grants this user read access only',
    });
    expect(vera.of('peerAccess').map((m) => m.access)).toEqual(['read']);
  });
});
