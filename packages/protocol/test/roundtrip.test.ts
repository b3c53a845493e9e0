import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decode, encode, MESSAGES, type Message } from '../src/index.js';
import { anyMessage, MESSAGE_NAMES, messageArbitrary } from './support/arbitraries.js';

/** Fixed seed: a failure reproduces on every run and machine. */
const PER_TYPE = { seed: 42, numRuns: 300 } as const;
const ACROSS_TYPES = { seed: 42, numRuns: 2000 } as const;

function decodeError(frame: Uint8Array): DecodeError {
  try {
    decode(frame);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error('expected the frame to be rejected');
}

describe('encode then decode', () => {
  it.each(MESSAGE_NAMES)('gives back any %s unchanged', (name) => {
    fc.assert(
      fc.property(messageArbitrary(name), (message) => {
        expect(decode(encode(message))).toEqual(message);
      }),
      PER_TYPE,
    );
  });

  it('starts every frame with the type tag of its message', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        expect(encode(message)[0]).toBe(MESSAGES[message.type].tag);
      }),
      ACROSS_TYPES,
    );
  });

  it('is canonical: re-encoding a decoded frame gives the same bytes', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const frame = encode(message);
        expect(encode(decode(frame))).toEqual(frame);
      }),
      ACROSS_TYPES,
    );
  });

  it('keeps negative zero and infinities in f32 fields', () => {
    const message: Message = {
      type: 'cursor3d',
      x: -0,
      y: Number.POSITIVE_INFINITY,
      z: Number.NEGATIVE_INFINITY,
    };
    const decoded = decode(encode(message));
    expect(decoded).toEqual(message);
    expect(Object.is((decoded as { x: number }).x, -0)).toBe(true);
  });

  it('keeps a leading byte order mark in strings', () => {
    const message: Message = { type: 'lockAcquire', rid: 1, resource: '\uFEFFlayer' };
    expect(decode(encode(message))).toEqual(message);
  });
});

describe('batch frames', () => {
  it('carry their items verbatim, each a frame that decodes on its own', () => {
    fc.assert(
      fc.property(messageArbitrary('batch'), (batch) => {
        const decoded = decode(encode(batch));
        if (decoded.type !== 'batch' || batch.type !== 'batch') throw new Error('not a batch');
        expect(decoded.frames).toEqual(batch.frames);
        for (const { frame } of decoded.frames) expect(decode(frame).type).not.toBe('batch');
      }),
      ACROSS_TYPES,
    );
  });
});

describe('damaged frames', () => {
  it('reject every strict prefix of a frame as truncated', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), (message, cut) => {
        const frame = encode(message);
        fc.pre(frame.length > 1);
        const prefix = frame.subarray(0, 1 + (cut % (frame.length - 1)));
        const error = decodeError(prefix);
        expect(error.reason).toBe('truncated');
        expect(error.offset).toBeLessThanOrEqual(prefix.length);
      }),
      ACROSS_TYPES,
    );
  });

  it('report a byte appended to a frame as trailing, at the old end', () => {
    fc.assert(
      fc.property(anyMessage, fc.integer({ min: 0, max: 255 }), (message, extra) => {
        const frame = encode(message);
        const error = decodeError(Uint8Array.of(...frame, extra));
        expect(error.reason).toBe('trailing-bytes');
        expect(error.offset).toBe(frame.length);
      }),
      ACROSS_TYPES,
    );
  });
});
