import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { RoomActivity } from '../src/index.js';
import { bytes, makeRoom } from './support/harness.js';

describe('activity stream', () => {
  it('reports joins, admissions, lock changes, edits, errors and leaves, stamped with the room clock', () => {
    const { room, join, clock } = makeRoom();
    const events: RoomActivity[] = [];
    room.onActivity((e) => events.push(e));
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'r' });
    host.send({ type: 'lockAcquire', rid: 2, resource: 'r' });
    bob.send({ type: 'lwwSet', rid: 3, resource: 'r', doc: bytes('x') });
    clock.advance(60_000);
    bob.disconnect();
    expect(events.map((e) => e.type)).toEqual([
      'admitted',
      'waiting',
      'admitted',
      'lock',
      'error',
      'doc',
      'lock',
      'left',
    ]);
    expect(events[1]).toMatchObject({ type: 'waiting', userId: 'bob', at: clock.now() - 60_000 });
    expect(events[2]).toMatchObject({ type: 'admitted', userId: 'bob', by: 'host' });
    expect(events[4]).toMatchObject({ type: 'error', code: ErrorCode.LockedByOther, fatal: false });
    expect(events[6]).toMatchObject({ type: 'lock', reason: 'expired', userId: '' });
  });

  it('stops reporting to an unsubscribed listener', () => {
    const { room, join } = makeRoom();
    const events: RoomActivity[] = [];
    const off = room.onActivity((e) => events.push(e));
    off();
    join('alice');
    expect(events).toEqual([]);
  });
});
