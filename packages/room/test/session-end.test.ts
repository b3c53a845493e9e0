import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { RoomActivity } from '../src/index.js';
import { bytes, makeRoom } from './support/harness.js';

describe('ending the session', () => {
  it('closes everyone, host included, with SessionEnded and takes nobody in afterwards', () => {
    const { join, room } = makeRoom();
    const events: RoomActivity['type'][] = [];
    room.onActivity((e) => events.push(e.type));
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    const carol = join('carol');
    host.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });

    host.send({ type: 'endSession' });
    for (const peer of [host, bob, carol]) {
      expect(peer.socket.closed?.code).toBe(closeCodeOf(ErrorCode.SessionEnded));
      expect(peer.last('error')).toMatchObject({
        code: ErrorCode.SessionEnded,
        message: 'the host ended the session',
      });
    }
    expect(events).toContain('session-ended');
    expect(room.size).toBe(0);
    expect(room.sessionEnded).toBe(true);

    for (const late of [join('alice'), join('bob'), join('dave')])
      expect(late.socket.closed?.code).toBe(closeCodeOf(ErrorCode.SessionEnded));
  });

  it('forgets the join code, the host and whom the host admitted, in the store too', async () => {
    const { join, room, store } = makeRoom({ settings: { joinCode: 'ABC123' } });
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    await room.flush();
    expect((await store.load('room-1'))?.admitted).toEqual(['bob']);
    host.send({ type: 'endSession' });
    await room.flush();
    const record = await store.load('room-1');
    expect(record?.settings).toMatchObject({ joinCode: '', hostUserId: '' });
    expect(record?.admitted).toEqual([]);
    expect(room.admitsWithoutWaiting({ userId: 'bob', name: 'bob' })).toBe(false);
  });

  it('is the host’s alone: a guest is refused with Forbidden and nothing ends', () => {
    const { join, room } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    const bob = join('bob');
    bob.send({ type: 'endSession' });
    expect(bob.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(host.admitted && bob.admitted).toBe(true);
    expect(room.sessionEnded).toBe(false);
    host.send({ type: 'chatSend', rid: 1, body: bytes('"still here"') });
    expect(bob.last('chat')).toBeDefined();
  });

  it('can be ended by the host process, and waiting guests are told too', () => {
    const { join, room } = makeRoom();
    join('alice');
    const waiting = join('bob');
    room.endSession();
    expect(waiting.socket.closed?.code).toBe(closeCodeOf(ErrorCode.SessionEnded));
    room.endSession();
    expect(room.size).toBe(0);
  });
});
