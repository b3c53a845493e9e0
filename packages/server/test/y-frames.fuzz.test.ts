/**
 * The y-websocket decoders against random and mutated bytes: each frame decodes or is refused with
 * an Error, never anything else (a RangeError from deep inside lib0 counts as an Error; a hang, a
 * non-Error throw or a crash does not). Seeded, so a failure reproduces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  AwarenessHub,
  MAX_AWARENESS_BYTES,
  MAX_AWARENESS_CLIENTS,
} from '../src/transport/y-websocket/awareness-hub.js';
import {
  decodeAwarenessUpdate,
  decodeYFrame,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeSync,
  Y_SYNC,
} from '../src/transport/y-websocket/y-frames.js';

function decodesOrRefuses(decodeIt: () => unknown): void {
  try {
    decodeIt();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
  }
}

const validFrames = (): Uint8Array[] => {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'hello');
  const update = Y.encodeStateAsUpdate(doc);
  const awareness = encodeAwarenessUpdate([{ clientId: 7, clock: 3, state: '{"user":{"name":"Ada"}}' }]);
  return [
    encodeSync(Y_SYNC.step1, Y.encodeStateVector(doc)),
    encodeSync(Y_SYNC.step2, update),
    encodeSync(Y_SYNC.update, update),
    encodeAwareness(awareness),
    new Uint8Array([3]),
  ];
};

describe('y-websocket frames', () => {
  it('round-trips every kind a client sends', () => {
    const kinds = validFrames().map((f) => decodeYFrame(f).kind);
    expect(kinds).toEqual(['step1', 'step2', 'update', 'awareness', 'queryAwareness']);
  });

  it('decodes or refuses random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodesOrRefuses(() => decodeYFrame(bytes));
        decodesOrRefuses(() => decodeAwarenessUpdate(bytes));
      }),
      { seed: 17, numRuns: 20_000 },
    );
  });

  it('decodes or refuses mutated valid frames', () => {
    const frames = validFrames();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (which, edits, cut) => {
          const frame = Uint8Array.from(frames[which]!);
          for (const [at, value] of edits) frame[at % frame.length] = value;
          decodesOrRefuses(() => decodeYFrame(frame.subarray(0, 1 + (cut % frame.length))));
          decodesOrRefuses(() => decodeYFrame(frame));
        },
      ),
      { seed: 17, numRuns: 20_000 },
    );
  });

  it('refuses trailing bytes, unknown types and steps, and awareness states that are not JSON', () => {
    expect(() => decodeYFrame(new Uint8Array([3, 0]))).toThrow(/trailing/);
    expect(() => decodeYFrame(new Uint8Array([2, 0, 0]))).toThrow(/not one a client sends/);
    expect(() => decodeYFrame(new Uint8Array([0, 3, 0]))).toThrow(/unknown sync step/);
    const notJson = encodeAwarenessUpdate([{ clientId: 1, clock: 1, state: '{nope' }]);
    expect(() => decodeAwarenessUpdate(notJson)).toThrow();
  });
});

describe('awareness relay', () => {
  const peer = () => {
    const got: Uint8Array[] = [];
    return { got, send: (frame: Uint8Array) => got.push(frame) };
  };
  const state = (clientId: number, clock: number, name: string) =>
    encodeAwarenessUpdate([{ clientId, clock, state: JSON.stringify({ user: { name } }) }]);

  it('relays among the admitted of a room only, answers a query, and removes a leaver’s states', () => {
    const hub = new AwarenessHub(() => 0);
    const [a, b, c, waiting] = [peer(), peer(), peer(), peer()];
    for (const [room, p] of [
      ['r1', a],
      ['r1', b],
      ['r2', c],
      ['r1', waiting],
    ] as const)
      hub.join(room, p);
    for (const [room, p, name] of [
      ['r1', a, 'Ada'],
      ['r1', b, 'Bob'],
      ['r2', c, 'Cy'],
    ] as const)
      hub.admit(room, p, { name, color: '#111111' });
    expect(hub.publish('r1', a, state(1, 1, 'Ada'))).toBeUndefined();
    // The sender hears its own echo, as from y-websocket's server; the waiting one hears nothing.
    expect([a.got.length, b.got.length, c.got.length, waiting.got.length]).toEqual([1, 1, 0, 0]);
    expect(hub.publish('r1', waiting, state(9, 1, 'Mallory'))).toBeUndefined();
    expect([a.got.length, b.got.length, waiting.got.length]).toEqual([1, 1, 1]);
    expect(hub.snapshot('r1', waiting)).toBeUndefined();
    const snapshot = hub.snapshot('r1', b)!;
    const entries = decodeAwarenessUpdate((decodeYFrame(snapshot) as { update: Uint8Array }).update);
    expect(entries.map((e) => JSON.parse(e.state).user.name)).toEqual(['Ada']);
    hub.leave('r1', a);
    const removal = decodeYFrame(b.got.at(-1)!) as { update: Uint8Array };
    expect(decodeAwarenessUpdate(removal.update)).toEqual([{ clientId: 1, clock: 2, state: 'null' }]);
    expect(hub.snapshot('r1', b)).toBeUndefined();
    // Admitted as Grace, the state that claimed to be Mallory shows Grace, in her room colour.
    hub.admit('r1', waiting, { name: 'Grace', color: '#e91e63' });
    const shown = decodeAwarenessUpdate((decodeYFrame(b.got.at(-1)!) as { update: Uint8Array }).update);
    expect(shown.map((e) => JSON.parse(e.state).user)).toEqual([{ name: 'Grace', color: '#e91e63' }]);
    // Once admitted, every state it announces carries its own name, and keeps the rest of what it says.
    const claim = encodeAwarenessUpdate([
      {
        clientId: 9,
        clock: 2,
        state: JSON.stringify({ user: { name: 'Ada', color: '#000', x: 1 }, cursor: 7 }),
      },
    ]);
    expect(hub.publish('r1', waiting, claim)).toBeUndefined();
    const relayed = decodeAwarenessUpdate((decodeYFrame(b.got.at(-1)!) as { update: Uint8Array }).update);
    expect(JSON.parse(relayed[0]!.state)).toEqual({
      user: { name: 'Grace', color: '#e91e63', x: 1 },
      cursor: 7,
    });
  });

  it('caps size and rate, and refuses what is malformed, relaying none of it', () => {
    let now = 0;
    const hub = new AwarenessHub(() => now);
    const [a, b] = [peer(), peer()];
    hub.join('r', a);
    hub.join('r', b);
    hub.admit('r', a, { name: 'Ada', color: '#111111' });
    hub.admit('r', b, { name: 'Bob', color: '#222222' });
    expect(hub.publish('r', a, state(1, 1, 'x'.repeat(MAX_AWARENESS_BYTES)))).toBe('too-large');
    expect(hub.publish('r', a, new Uint8Array([5, 1]))).toBe('malformed');
    const many = Array.from({ length: MAX_AWARENESS_CLIENTS + 1 }, (_, i) => ({
      clientId: i,
      clock: 1,
      state: '{}',
    }));
    expect(hub.publish('r', a, encodeAwarenessUpdate(many))).toBe('too-large');
    expect(b.got).toEqual([]);
    let refused = 0;
    for (let i = 0; i < 100; i++)
      if (hub.publish('r', a, state(1, i + 2, 'Ada')) === 'rate-limited') refused++;
    expect(refused).toBeGreaterThan(0);
    const relayed = b.got.length;
    now += 1000;
    expect(hub.publish('r', a, state(1, 200, 'Ada'))).toBeUndefined();
    expect(b.got.length).toBe(relayed + 1);
  });
});
