/**
 * The y-websocket decoders against random and mutated bytes: each frame decodes or is refused with
 * an Error, never anything else (a RangeError from deep inside lib0 counts as an Error; a hang, a
 * non-Error throw or a crash does not). Seeded, so a failure reproduces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
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
