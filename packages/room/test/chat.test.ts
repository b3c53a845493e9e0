import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { bytes, makeRoom, text } from './support/harness.js';

describe('chat', () => {
  it('delivers a message to everyone admitted, the author included, named by slot', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'chatSend', rid: 3, body: bytes('{"text":"hi"}') });
    for (const p of [alice, bob]) {
      expect(p.last('chat')).toEqual({
        type: 'chat',
        id: 1,
        slot: alice.slot,
        rid: 3,
        at: clock.now(),
        body: bytes('{"text":"hi"}'),
      });
    }
  });

  it('gives late admitted joiners the transcript, with the identity of authors who left', () => {
    const { join, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    bob.send({ type: 'chatSend', rid: 1, body: bytes('"first"') });
    clock.advance(1000);
    host.send({ type: 'chatSend', rid: 2, body: bytes('"second"') });
    bob.disconnect();
    const carol = join('carol');
    expect(carol.of('chatHistory')).toEqual([]);
    host.send({ type: 'admit', action: 'admit', slot: carol.slot });
    const history = carol.last('chatHistory')!;
    expect(history.messages.map((m) => text(m.body))).toEqual(['"first"', '"second"']);
    expect(history.authors).toEqual([
      { slot: bob.slot, userId: 'bob', name: 'bob', color: bob.welcome.color },
    ]);
  });

  it('keeps only the newest messages up to the cap', () => {
    const { join, clock } = makeRoom({ limits: { maxChatHistory: 3 } });
    const host = join('alice');
    for (let i = 1; i <= 5; i++) {
      host.send({ type: 'chatSend', rid: i, body: bytes(`${i}`) });
      clock.advance(1000);
    }
    const late = join('alice');
    expect(late.last('chatHistory')?.messages.map((m) => m.id)).toEqual([3, 4, 5]);
  });

  it('refuses a message over the size cap', () => {
    const { join } = makeRoom({ limits: { maxChatBytes: 10 } });
    const host = join('alice');
    host.send({ type: 'chatSend', rid: 1, body: bytes('x'.repeat(11)) });
    expect(host.last('error')).toMatchObject({ code: ErrorCode.PayloadTooLarge, rid: 1 });
    expect(host.of('chat')).toEqual([]);
  });
});
