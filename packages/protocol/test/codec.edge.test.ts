import { describe, expect, it } from 'vitest';
import {
  closeCodeOf,
  DecodeError,
  type DecodeErrorReason,
  decode,
  ERRORS,
  ErrorCode,
  encode,
  errorOfCloseCode,
  type Message,
  tryDecode,
} from '../src/index.js';
import { fromHex } from './support/frames.js';

/** Decodes `frame`, expecting a DecodeError with `reason` at `offset`. */
function expectRejected(frame: Uint8Array, reason: DecodeErrorReason, offset: number): void {
  const result = tryDecode(frame);
  if (result.ok) throw new Error(`expected ${reason}, decoded ${JSON.stringify(result.message)}`);
  expect(result.error).toBeInstanceOf(DecodeError);
  expect({ reason: result.error.reason, offset: result.error.offset }).toEqual({ reason, offset });
}

describe('rejected frames', () => {
  it('reports an empty frame at byte 0', () => {
    expectRejected(new Uint8Array(0), 'empty-frame', 0);
  });

  it('reports a tag no message uses at byte 0', () => {
    expectRejected(fromHex('ee 00'), 'unknown-type', 0);
    expectRejected(fromHex('00'), 'unknown-type', 0);
  });

  it('names the offset of a u16 cut short', () => {
    // peerLeave: tag, then slot as u16; only one of its two bytes arrived.
    expectRejected(fromHex('22 | 03'), 'truncated', 1);
    // error: code (u16) is complete, rid's varuint has its continuation bit set and then nothing.
    expectRejected(fromHex('03 | 0e00 | 80'), 'truncated', 4);
  });

  it('rejects a varuint with 9 continuation bytes at the varuint start', () => {
    // ping: tag, then nonce; a varuint holds at most 8 bytes.
    expectRejected(fromHex('04 | ffffffffffffffffff 01'), 'varuint-overflow', 1);
    // In the middle of a frame: error's rid starts at byte 3.
    expectRejected(fromHex('03 | 0100 | 808080808080808080 00 | 00'), 'varuint-overflow', 3);
  });

  it('rejects an 8-byte varuint above 2^53 - 1 at its start', () => {
    // Seven empty 7-bit groups and then 0x10 = 2^4: 2^(49 + 4) = 2^53, one past the largest safe integer.
    expectRejected(fromHex('04 | 80808080808080 10'), 'varuint-overflow', 1);
    expect(decode(fromHex('04 | ffffffffffffff0f'))).toEqual({
      type: 'ping',
      nonce: Number.MAX_SAFE_INTEGER,
    });
  });

  it('rejects invalid UTF-8 at the first byte of the string', () => {
    // lockAcquire: tag, rid = 1, resource of length 2 holding a lone continuation byte.
    expectRejected(fromHex('40 | 01 | 02 41 80'), 'invalid-utf8', 3);
    // An overlong encoding of "/" and a UTF-16 surrogate written as UTF-8 are not UTF-8 either.
    expectRejected(fromHex('40 | 01 | 02 c0af'), 'invalid-utf8', 3);
    expectRejected(fromHex('40 | 01 | 03 eda080'), 'invalid-utf8', 3);
  });

  it('rejects an enum index past the end of its list', () => {
    // admit: action has 3 values, so index 3 is out of range.
    expectRejected(fromHex('12 | 03 | 0400'), 'invalid-enum', 1);
    // lockState's reason has 5 values.
    expectRejected(fromHex('44 | 05 | 00 0000 00 00 00'), 'invalid-enum', 1);
  });

  it('accepts only 0 and 1 as a bool', () => {
    expect(decode(fromHex('25 01'))).toEqual({ type: 'visibility', hidden: true });
    expectRejected(fromHex('25 | 02'), 'invalid-bool', 1);
    // peerVisibility: slot, then hidden at byte 3.
    expectRejected(fromHex('26 | 0300 | ff'), 'invalid-bool', 3);
  });

  it('reports trailing bytes at the first byte past the message', () => {
    expectRejected(fromHex('33 | 00'), 'trailing-bytes', 1); // cursorClear has no fields
    expectRejected(fromHex('34 0300 0040ce43 0080c142 | aabb'), 'trailing-bytes', 11);
  });

  it('rejects a batch inside a batch at the nested item', () => {
    // batch of 2 items: a peerLeave, then an (empty) batch.
    expectRejected(fromHex('0f | 02 | 03 220300 | 02 0f00'), 'nested-batch', 6);
  });

  it('rejects a huge count at the count itself, before reading or allocating any item', () => {
    // roster with 2^40 participants: the count alone outruns the 2 bytes that follow it.
    expectRejected(fromHex('20 | 808080808020 | 0000'), 'truncated', 1);
    // The same for strs, a bytes length and a batch.
    expectRejected(fromHex('15 | 808080808020 | 00'), 'truncated', 1);
    expectRejected(fromHex('23 | 808080808020 | 00'), 'truncated', 1);
    expectRejected(fromHex('0f | ffffffffffffff0f | 00'), 'truncated', 1);
  });
});

describe('decoded values', () => {
  it('copies bytes fields out of the frame', () => {
    const frame = encode({ type: 'presence', slot: 3, presence: fromHex('7b7d') });
    const decoded = decode(frame);
    frame.fill(0);
    expect(decoded).toEqual({ type: 'presence', slot: 3, presence: fromHex('7b7d') });
  });

  it('copies bytes fields out of a Node Buffer too, as plain Uint8Arrays', () => {
    // ws hands frames over as Buffers, whose slice() is a view and not a copy.
    const frame = Buffer.from(encode({ type: 'yjs', step: 'update', rid: 1, data: fromHex('0102') }));
    const decoded = decode(frame);
    frame.fill(0);
    expect(decoded).toEqual({ type: 'yjs', step: 'update', rid: 1, data: fromHex('0102') });
  });

  it('copies each batch item out of the frame', () => {
    const frame = encode({ type: 'batch', frames: [{ frame: fromHex('220300') }] });
    const decoded = decode(frame);
    frame.fill(0);
    expect(decoded).toEqual({ type: 'batch', frames: [{ frame: fromHex('220300') }] });
  });

  it('decodes a frame that is a view into a larger buffer', () => {
    const buffer = fromHex('ffff | 26 2c01 01 | ffff');
    expect(decode(buffer.subarray(2, 6))).toEqual({ type: 'peerVisibility', slot: 300, hidden: true });
  });
});

describe('frame sizes', () => {
  const peerCursor: Message = { type: 'peerCursor2d', slot: 7, x: 1920, y: 1080 };

  it('packs a client 2D cursor in 9 bytes', () => {
    expect(encode({ type: 'cursor2d', x: 1920, y: 1080 })).toHaveLength(9);
  });

  it('packs a peer 2D cursor in 11 bytes', () => {
    expect(encode(peerCursor)).toHaveLength(11);
  });

  it('packs a peer 2D cursor as a 12-byte batch item: 1 length byte + 11', () => {
    const one = encode({ type: 'batch', frames: [{ frame: encode(peerCursor) }] });
    const two = encode({
      type: 'batch',
      frames: [{ frame: encode(peerCursor) }, { frame: encode(peerCursor) }],
    });
    expect(two.length - one.length).toBe(12);
    expect(one).toHaveLength(1 + 1 + 12); // tag, count, item
  });

  it('packs a peer 3D cursor in 15 bytes (at most 16)', () => {
    const frame = encode({ type: 'peerCursor3d', slot: 7, x: 1, y: 2, z: 3 });
    expect(frame).toHaveLength(15);
    expect(frame.length).toBeLessThanOrEqual(16);
  });

  it('packs a cursor clear in 1 byte and a peer cursor clear in 3', () => {
    expect(encode({ type: 'cursorClear' })).toHaveLength(1);
    expect(encode({ type: 'peerCursorClear', slot: 7 })).toHaveLength(3);
  });
});

describe('error codes', () => {
  const codes = Object.values(ErrorCode);

  it('describes every code in ERRORS, under its own code and name', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      expect(ERRORS[code]).toMatchObject({ code, name });
      expect(ERRORS[code].message).not.toBe('');
    }
    expect(Object.keys(ERRORS)).toHaveLength(codes.length);
  });

  it('uses distinct codes that fit a u16 and leave room below close code 5000', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toBeGreaterThan(0);
    for (const code of codes) expect(code).toBeLessThan(1000);
  });

  it('maps every code to close code 4000 + code and back', () => {
    for (const code of codes) {
      expect(closeCodeOf(code)).toBe(4000 + code);
      expect(errorOfCloseCode(closeCodeOf(code))).toBe(ERRORS[code]);
    }
  });

  it('closes fatal errors with a close code in the application range 4000–4999', () => {
    const fatal = codes.filter((code) => ERRORS[code].fatal);
    expect(fatal.length).toBeGreaterThan(0);
    for (const code of fatal) {
      expect(closeCodeOf(code)).toBeGreaterThanOrEqual(4000);
      expect(closeCodeOf(code)).toBeLessThanOrEqual(4999);
    }
  });

  it('marks only codes a connection is closed with as worth a retry: fatal ones, and Internal', () => {
    // Internal answers a request that had no effect, and also closes a connection whose frame met
    // a defect in the server: connecting again may then well succeed.
    for (const code of codes)
      if (ERRORS[code].retry) expect(ERRORS[code].fatal || code === ErrorCode.Internal).toBe(true);
    expect(ERRORS[ErrorCode.Internal]).toMatchObject({ fatal: false, retry: true });
  });

  it('refuses a version mismatch fatally, without retry, with close codes 4002 and 4003', () => {
    expect(ERRORS[ErrorCode.ClientTooOld]).toMatchObject({ fatal: true, retry: false });
    expect(ERRORS[ErrorCode.ServerTooOld]).toMatchObject({ fatal: true, retry: false });
    expect(closeCodeOf(ErrorCode.ClientTooOld)).toBe(4002);
    expect(closeCodeOf(ErrorCode.ServerTooOld)).toBe(4003);
  });

  it('finds no error in close codes that are not ours', () => {
    for (const closeCode of [1000, 1006, 1011, 3000, 4000, 4999, 5000]) {
      expect(errorOfCloseCode(closeCode)).toBeUndefined();
    }
  });
});
