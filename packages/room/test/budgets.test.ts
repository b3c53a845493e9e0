import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { bytes, makeRoom } from './support/harness.js';

describe('rate budgets', () => {
  it('drops the 9th document edit within a second and tells the sender', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    for (let i = 1; i <= 9; i++) alice.send({ type: 'lwwSet', rid: i, resource: '', doc: bytes(`v${i}`) });
    expect(bob.of('lwwDoc').map((d) => d.version)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.RateLimited, rid: 9 });
    expect(alice.last('error')?.message).toMatch(/doc budget of 8\/s/);
  });

  it('refills the budget with time', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    for (let i = 0; i < 8; i++) alice.send({ type: 'chatSend', rid: i, body: bytes('x') });
    expect(alice.of('chat')).toHaveLength(2);
    clock.advance(500);
    alice.send({ type: 'chatSend', rid: 99, body: bytes('x') });
    expect(alice.last('chat')?.rid).toBe(99);
  });

  it('tells the sender at most once a second', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    for (let i = 0; i < 40; i++) alice.send({ type: 'cursor2d', x: i, y: i });
    expect(alice.errors()).toHaveLength(1);
    clock.advance(1000);
    for (let i = 0; i < 40; i++) alice.send({ type: 'cursor2d', x: i, y: i });
    expect(alice.errors()).toHaveLength(2);
  });

  it('budgets each kind separately: cursors do not eat the chat budget', () => {
    // Without a cursor tick every accepted move is its own frame, so they can be counted.
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { cursorTickMs: 0 } });
    const alice = join('alice');
    const bob = join('bob');
    for (let i = 0; i < 15; i++) alice.send({ type: 'cursor2d', x: i, y: 0 });
    alice.send({ type: 'chatSend', rid: 1, body: bytes('"hi"') });
    expect(bob.of('peerCursor2d')).toHaveLength(15);
    expect(bob.last('chat')?.rid).toBe(1);
  });

  it('closes a connection that keeps flooding with the flood close code', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    for (let second = 0; second < 5 && !alice.socket.closed; second++) {
      for (let i = 0; i < 50 && !alice.socket.closed; i++) alice.send({ type: 'cursor2d', x: i, y: 0 });
      if (second < 4) expect(alice.socket.closed).toBeUndefined();
      clock.advance(1000);
    }
    expect(alice.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Flood));
    expect(alice.last('error')?.code).toBe(ErrorCode.Flood);
    expect(bob.last('peerLeave')?.slot).toBe(alice.slot);
  });

  it('forgives a burst that stops: over budget for under the flood window is only dropped', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    for (let second = 0; second < 4; second++) {
      for (let i = 0; i < 100; i++) alice.send({ type: 'cursor2d', x: i, y: 0 });
      clock.advance(1000);
    }
    clock.advance(1000);
    for (let second = 0; second < 4; second++) {
      for (let i = 0; i < 100; i++) alice.send({ type: 'cursor2d', x: i, y: 0 });
      clock.advance(1000);
    }
    expect(alice.socket.closed).toBeUndefined();
  });

  it('counts malformed frames against the control budget', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    for (let second = 0; second < 6 && !alice.socket.closed; second++) {
      for (let i = 0; i < 100; i++) alice.sendRaw(new Uint8Array([0xff]));
      clock.advance(1000);
    }
    expect(alice.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Flood));
  });

  it('takes budgets from options', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { budgets: { chat: 5 } } });
    const alice = join('alice');
    for (let i = 0; i < 6; i++) alice.send({ type: 'chatSend', rid: i, body: bytes('x') });
    expect(alice.of('chat')).toHaveLength(5);
  });
});
