import { ErrorCode, encode, type MessageOf } from '@tandem/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AWARENESS_OUTDATED_MS, MAX_AWARENESS_CLIENTS } from '../src/parts/awareness.js';
import { recordingYjs } from './support/document.js';
import { makeRoom, type Peer } from './support/harness.js';

type Entry = MessageOf<'awareness'>['states'][number];

function yjsRoom(limits = {}) {
  return makeRoom({
    settings: { policy: 'open', docMode: 'yjs' },
    documents: recordingYjs().documents,
    limits,
  });
}

function state(clientId: number, clock: number, value: unknown): Entry {
  return { clientId, clock, state: JSON.stringify(value) };
}

function said(peer: Peer): MessageOf<'peerAwareness'>[] {
  return peer.of('peerAwareness');
}

describe('awareness', () => {
  it('relays a participant’s states to the others with its verified name and room colour in user', () => {
    const { join } = yjsRoom();
    const alice = join('alice', { name: 'Alice' });
    const bob = join('bob', { name: 'Bob' });
    alice.send({
      type: 'awareness',
      states: [state(11, 1, { user: { name: 'Bob', color: '#000', avatar: 'a.png' }, cursor: { head: 4 } })],
    });
    const [m] = said(bob);
    expect(m?.slot).toBe(alice.slot);
    expect(JSON.parse(m!.states[0]!.state)).toEqual({
      user: { name: 'Alice', color: alice.welcome.color, avatar: 'a.png' },
      cursor: { head: 4 },
    });
    expect(said(alice)).toEqual([]);
  });

  it('gives a newcomer everyone’s latest live states, and leaves out those not renewed in 30 s', () => {
    const { join, clock } = yjsRoom();
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'awareness', states: [state(11, 1, { cursor: 1 })] });
    alice.send({ type: 'awareness', states: [state(11, 2, { cursor: 2 })] });
    bob.send({ type: 'awareness', states: [state(22, 1, { cursor: 9 })] });
    clock.advance(AWARENESS_OUTDATED_MS - 1);
    bob.send({ type: 'awareness', states: [state(22, 2, { cursor: 10 })] });
    clock.advance(1);
    const carol = join('carol');
    const snapshot = said(carol);
    expect(snapshot.map((m) => m.slot)).toEqual([bob.slot]);
    expect(snapshot[0]!.states.map((e) => [e.clientId, e.clock, JSON.parse(e.state).cursor])).toEqual([
      [22, 2, 10],
    ]);
  });

  it('removes a leaving participant’s states for everyone, at the clock last relayed', () => {
    const { join } = yjsRoom();
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'awareness', states: [state(11, 5, {})] });
    alice.disconnect();
    const last = said(bob).at(-1)!;
    expect(last).toEqual({
      type: 'peerAwareness',
      slot: alice.slot,
      states: [{ clientId: 11, clock: 5, state: 'null' }],
    });
    expect(said(join('carol'))).toEqual([]);
  });

  it('relays a client that comes back above the clock it was removed at, keeping its own order', () => {
    const { join } = yjsRoom();
    const bob = join('bob');
    const alice = join('alice');
    alice.send({ type: 'awareness', states: [state(11, 5, { cursor: 1 })] });
    alice.disconnect();
    // Her client comes back on a new connection and announces itself again at the clock it had:
    // bob, who holds the removal at 5, would ignore a 5.
    const back = join('alice');
    back.send({ type: 'awareness', states: [state(11, 5, { cursor: 1 })] });
    back.send({ type: 'awareness', states: [state(11, 6, { cursor: 2 })] });
    const seen = said(bob).map((m) =>
      m.states.map((e) => `${e.clock}:${e.state === 'null' ? 'gone' : 'on'}`),
    );
    expect(seen).toEqual([['5:on'], ['5:gone'], ['6:on'], ['7:on']]);
    expect(said(join('carol'))[0]?.states[0]?.clock).toBe(7);
  });

  it('sends nothing of the room to a guest in the waiting room, and refuses its awareness', () => {
    const { join, peer } = makeRoom({ settings: { docMode: 'yjs' }, documents: recordingYjs().documents });
    const host = join('host');
    host.send({ type: 'awareness', states: [state(1, 1, { secret: true })] });
    const guest = peer('guest').hello();
    guest.send({ type: 'awareness', states: [state(2, 1, {})] });
    expect(said(guest)).toEqual([]);
    expect(guest.last('error')?.code).toBe(ErrorCode.NotAdmitted);
    expect(said(host)).toEqual([]);
  });

  it('refuses a client id another user announced, changing nothing', () => {
    const { join } = yjsRoom();
    const alice = join('alice');
    const mallory = join('mallory');
    const bob = join('bob');
    alice.send({ type: 'awareness', states: [state(11, 1, { cursor: 1 })] });
    mallory.send({ type: 'awareness', states: [state(11, 99, { cursor: 666 })] });
    expect(mallory.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(said(bob).map((m) => m.slot)).toEqual([alice.slot]);
    expect(said(join('carol'))[0]!.states[0]!.clock).toBe(1);
  });

  it('lets the same user’s new connection take over its client id while the old one lingers', () => {
    const { join } = yjsRoom();
    const old = join('alice');
    const bob = join('bob');
    old.send({ type: 'awareness', states: [state(11, 1, { cursor: 1 })] });
    const fresh = join('alice');
    fresh.send({ type: 'awareness', states: [state(11, 2, { cursor: 2 })] });
    expect(fresh.errors()).toEqual([]);
    old.disconnect();
    // The old connection no longer speaks for client 11: its leaving removes nothing.
    expect(said(bob)).toHaveLength(2);
    expect(said(join('carol'))[0]).toMatchObject({ slot: fresh.slot, states: [{ clientId: 11, clock: 2 }] });
  });

  it('refuses bad input with a clear error and relays nothing of it', () => {
    const { join } = yjsRoom({ maxAwarenessBytes: 64 });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'awareness', states: [{ clientId: 1, clock: 1, state: '{not json' }] });
    expect(alice.last('error')).toMatchObject({
      code: ErrorCode.BadMessage,
      message: expect.stringMatching(/not JSON/),
    });
    alice.send({ type: 'awareness', states: [state(1, 2, { pad: 'x'.repeat(80) })] });
    expect(alice.last('error')?.code).toBe(ErrorCode.PayloadTooLarge);
    const many = Array.from({ length: MAX_AWARENESS_CLIENTS + 1 }, (_, i) => state(100 + i, 1, {}));
    alice.send({ type: 'awareness', states: many });
    expect(alice.last('error')?.code).toBe(ErrorCode.PayloadTooLarge);
    // A truncated frame is a decode error, like any other message's.
    const frame = encode({ type: 'awareness', states: [state(1, 1, {})] });
    alice.sendRaw(frame.subarray(0, frame.length - 2));
    expect(alice.last('error')?.code).toBe(ErrorCode.BadMessage);
    expect(said(bob)).toEqual([]);
    // Still in the room, still able to share a good state.
    alice.send({ type: 'awareness', states: [state(1, 3, {})] });
    expect(said(bob)).toHaveLength(1);
  });

  it('charges awareness to the presence budget: a flood is dropped and told, not relayed', () => {
    const { join } = yjsRoom({ budgets: { presence: 3 } });
    const alice = join('alice');
    const bob = join('bob');
    for (let clock = 1; clock <= 10; clock++)
      alice.send({ type: 'awareness', states: [state(1, clock, {})] });
    expect(said(bob)).toHaveLength(3);
    expect(alice.last('error')?.code).toBe(ErrorCode.RateLimited);
  });

  it('is carried in yjs rooms only', () => {
    const { join } = makeRoom({ settings: { policy: 'open', docMode: 'lww' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'awareness', states: [state(1, 1, {})] });
    expect(alice.last('error')?.code).toBe(ErrorCode.WrongDocMode);
    expect(said(bob)).toEqual([]);
  });

  it('lets a viewer share its caret', () => {
    const { join } = yjsRoom();
    const alice = join('alice');
    const viewer = join('vic', { access: 'read' });
    viewer.send({ type: 'awareness', states: [state(5, 1, { cursor: 3 })] });
    expect(viewer.errors()).toEqual([]);
    expect(said(alice)).toHaveLength(1);
  });
});

describe('awareness under hostile input', () => {
  const anyState = fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
    fc.constant('null'),
    fc.constant(JSON.stringify({ user: { name: 'Alice', color: '#ff0000' } })),
  );
  const anyEntry = fc.record({
    clientId: fc.oneof(fc.constantFrom(1, 2, 3), fc.nat({ max: 2 ** 32 })),
    clock: fc.nat({ max: 2 ** 40 }),
    state: anyState,
  });

  it('never throws, never shows a state under another name, and never moves another participant’s client', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyEntry, { maxLength: 10 }), { maxLength: 30 }), (messages) => {
        const { join } = yjsRoom({ budgets: { presence: 1000 } });
        const alice = join('alice', { name: 'Alice' });
        const mallory = join('mallory', { name: 'Mallory' });
        const watcher = join('watcher');
        alice.send({ type: 'awareness', states: [state(1, 1, { cursor: 'mine' })] });
        for (const states of messages) mallory.send({ type: 'awareness', states });
        for (const m of said(watcher)) {
          for (const entry of m.states) {
            if (entry.state === 'null') continue;
            const value: unknown = JSON.parse(entry.state);
            if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
              const expected = m.slot === alice.slot ? 'Alice' : 'Mallory';
              expect((value as { user: { name: string } }).user.name).toBe(expected);
            }
            if (m.slot === mallory.slot) expect(entry.clientId).not.toBe(1);
          }
        }
        expect(alice.socket.closed).toBeUndefined();
      }),
      { seed: 29, numRuns: 300 },
    );
  });
});
