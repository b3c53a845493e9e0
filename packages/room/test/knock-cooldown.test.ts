import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/index.js';
import { makeRoom } from './support/harness.js';

describe('knocking again after the host said no', () => {
  it('refuses a declined guest’s knocks for the cooldown, saying how long, then lets them ask again', () => {
    const { join, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'decline', slot: bob.slot });
    clock.advance(15_000);
    const again = join('bob');
    expect(again.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Declined));
    expect(again.last('error')?.message).toBe('the host declined you; you can ask to join again in 45 s');
    expect(host.last('waitingList')?.waiting).toEqual([]);
    clock.advance(45_000);
    const later = join('bob');
    expect(later.socket.closed).toBeUndefined();
    expect(later.of('admission').map((a) => a.state)).toEqual(['waiting']);
  });

  it('takes the cooldown from the room limits; 0 turns it off', () => {
    const short = makeRoom({ limits: { knockCooldownMs: 5_000 } });
    short.join('alice').send({ type: 'admit', action: 'decline', slot: short.join('bob').slot });
    short.clock.advance(4_999);
    expect(short.join('bob').socket.closed?.code).toBe(closeCodeOf(ErrorCode.Declined));
    short.clock.advance(1);
    expect(short.join('bob').socket.closed).toBeUndefined();

    const none = makeRoom({ limits: { knockCooldownMs: 0 } });
    none.join('alice').send({ type: 'admit', action: 'decline', slot: none.join('bob').slot });
    expect(none.join('bob').socket.closed).toBeUndefined();
    expect(DEFAULT_LIMITS.knockCooldownMs).toBe(60_000);
  });

  it('keeps a removed user out for the cooldown, then makes them wait for the host even in an open room', () => {
    const { join, clock, room } = makeRoom({ settings: { policy: 'open' } });
    const host = join('alice');
    const bob = join('bob');
    expect(bob.admitted).toBe(true);
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    expect(bob.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Removed));
    const soon = join('bob');
    expect(soon.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Removed));
    expect(soon.last('error')?.message).toMatch(/^the host removed you; you can ask to join again in 60 s$/);
    clock.advance(60_000);
    const back = join('bob');
    expect(back.of('admission').map((a) => a.state)).toEqual(['waiting']);
    expect(room.admitsWithoutWaiting({ userId: 'bob', name: 'bob' })).toBe(false);
    // The policy changing does not let them in either: only the host does.
    host.send({ type: 'setPolicy', policy: 'open' });
    expect(back.admitted).toBe(false);
    host.send({ type: 'admit', action: 'admit', slot: back.slot });
    expect(back.admitted).toBe(true);
    back.disconnect();
    expect(join('bob').admitted).toBe(true);
  });

  it('keeps a removed user on the trusted list waiting for the host', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'trusted', trusted: ['bob@example.com'] } });
    const host = join('alice');
    const bob = join('bob', { email: 'bob@example.com' });
    expect(bob.admitted).toBe(true);
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    clock.advance(60_000);
    const back = join('bob', { email: 'bob@example.com' });
    expect(back.of('admission').map((a) => a.state)).toEqual(['waiting']);
    // Declined again, they wait out a new cooldown, and are still the host's to let in.
    host.send({ type: 'admit', action: 'decline', slot: back.slot });
    expect(join('bob', { email: 'bob@example.com' }).socket.closed?.code).toBe(
      closeCodeOf(ErrorCode.Declined),
    );
    clock.advance(60_000);
    expect(
      join('bob', { email: 'bob@example.com' })
        .of('admission')
        .map((a) => a.state),
    ).toEqual(['waiting']);
  });

  it('never turns the host away', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const tab2 = join('alice');
    host.send({ type: 'admit', action: 'remove', slot: tab2.slot });
    expect(join('alice').admitted).toBe(true);
  });
});
