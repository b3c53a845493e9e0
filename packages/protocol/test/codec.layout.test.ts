/**
 * Frame layouts written out by hand, byte by byte, from the rules in schema.ts (one-byte tag, fields
 * in order, little-endian, unsigned LEB128 varuints, varuint-length-prefixed UTF-8). They check the
 * encoder and decoder against an independent reading of the spec, and pin the matching entries of
 * vectors.json so those are not merely the encoder's output echoed back.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode, type Message } from '../src/index.js';
import { fromHex, loadVectors, toHex } from './support/frames.js';

const vectors = new Map(loadVectors().map((v) => [v.name, v]));

/** Hex of plain ASCII text, spelled from char codes (no UTF-8 encoder involved). */
function ascii(text: string): string {
  return Array.from(text, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/** The hand-written `frame` is what `message` encodes to and decodes from, and what vectors.json holds. */
function expectLayout(vectorName: string, message: Message, ...frame: string[]): void {
  const bytes = fromHex(...frame);
  expect(toHex(encode(message))).toBe(toHex(bytes));
  expect(decode(bytes)).toEqual(message);
  const vector = vectors.get(vectorName);
  expect(vector, `vectors.json has no "${vectorName}"`).toBeDefined();
  expect(vector?.hex).toBe(toHex(bytes));
  expect(vector?.message).toEqual(message);
}

describe('cursor frames', () => {
  it('packs a client 2D cursor in 9 bytes: tag, then x and y as little-endian f32', () => {
    expectLayout(
      'cursor2d',
      { type: 'cursor2d', x: 0.5, y: -1.25 },
      '30', //       tag 0x30 cursor2d
      '0000003f', // x = 0.5   = f32 0x3f000000 (sign 0, exponent 126, mantissa 0), low byte first
      '0000a0bf', // y = -1.25 = f32 0xbfa00000 (sign 1, exponent 127, mantissa .01b)
    );
  });

  it('packs a peer 2D cursor in 11 bytes: tag, slot as u16, x, y', () => {
    expectLayout(
      'peerCursor2d',
      { type: 'peerCursor2d', slot: 3, x: 412.5, y: 96.75 },
      '34', //       tag 0x34 peerCursor2d
      '0300', //     slot = 3, u16 little-endian
      '0040ce43', // x = 412.5 = 1.100111001b × 2^8: exponent 135 (0x87) → f32 0x43ce4000
      '0080c142', // y = 96.75 = 1.10000011b × 2^6:  exponent 133 (0x85) → f32 0x42c18000
    );
  });

  it('packs several peer 2D cursors in 10 bytes each after a tag and a count', () => {
    expectLayout(
      'peerCursors2d',
      {
        type: 'peerCursors2d',
        cursors: [
          { slot: 3, x: 412.5, y: 96.75 },
          { slot: 300, x: -1, y: 0.5 },
        ],
      },
      '38', //       tag 0x38 peerCursors2d
      '02', //       two entries, varuint
      '0300', //     slot = 3
      '0040ce43', // x = 412.5
      '0080c142', // y = 96.75
      '2c01', //     slot = 300
      '000080bf', // x = -1 = sign bit, exponent 127 (0x7f) → f32 0xbf800000
      '0000003f', // y = 0.5 = exponent 126 (0x7e) → f32 0x3f000000
    );
  });

  it('packs a peer 3D cursor in 15 bytes: tag, slot, x, y, z', () => {
    expectLayout(
      'peerCursor3d',
      { type: 'peerCursor3d', slot: 300, x: 1, y: -2, z: 0.125 },
      '35', //       tag 0x35 peerCursor3d
      '2c01', //     slot = 300 = 0x012c, low byte first
      '0000803f', // x = 1     = f32 0x3f800000 (exponent 127)
      '000000c0', // y = -2    = f32 0xc0000000 (sign 1, exponent 128)
      '0000003e', // z = 0.125 = f32 0x3e000000 (exponent 124)
    );
  });
});

describe('lock frames', () => {
  it('lays out a lock transfer: reason index, resource, holder slot and user, fence, ttl', () => {
    expectLayout(
      'lockState',
      {
        type: 'lockState',
        reason: 'transferred',
        resource: 'layer:7',
        holderSlot: 2,
        holderUser: 'user_b',
        fence: 300,
        ttlMs: 60000,
      },
      '44', //                tag 0x44 lockState
      '04', //                reason: index 4 of [acquired, renewed, released, expired, transferred]
      '07 6c617965723a37', // resource: length 7, "layer:7"
      '0200', //              holderSlot = 2, u16 little-endian
      '06 757365725f62', //   holderUser: length 6, "user_b"
      'ac02', //              fence = 300 = 0b10_0101100: low 7 bits 0x2c | 0x80 continuation, then 0x02
      'e0d403', //            ttlMs = 60000 = 96 + 84·128 + 3·128²: 0x60|0x80, 0x54|0x80, 0x03
    );
  });

  it('marks a free resource with slot 0 and an empty holder', () => {
    expectLayout(
      'lockState/released',
      {
        type: 'lockState',
        reason: 'released',
        resource: 'layer:7',
        holderSlot: 0,
        holderUser: '',
        fence: 300,
        ttlMs: 0,
      },
      '44', //                tag 0x44 lockState
      '02', //                reason: index 2, released
      '07 6c617965723a37', // resource: length 7, "layer:7"
      '0000', //              holderSlot = 0: nobody
      '00', //                holderUser: length 0
      'ac02', //              fence = 300
      '00', //                ttlMs = 0
    );
  });
});

describe('session frames', () => {
  it('lays out hello: version, client id, display-name hint, since', () => {
    expectLayout(
      'hello',
      { type: 'hello', version: 1, clientId: 'tok', name: 'Zoë', since: 300 },
      '01', //            tag 0x01 hello
      '0100', //          version = 1, u16 little-endian
      '03 746f6b', //     clientId: length 3, "tok"
      '04 5a6f c3ab', //  name: length 4 in bytes (3 characters), "Zo" then ë = U+00EB = c3 ab in UTF-8
      'ac02', //          since = 300
    );
  });

  it('writes a reconnect position of 2^40 as a 6-byte varuint', () => {
    const clientId = 'k3J9x_Q2mWn8-c4Lz7PaR1vT5yB0h';
    expectLayout(
      'hello/reconnect-since-2^40',
      { type: 'hello', version: 1, clientId, name: '', since: 2 ** 40 },
      '01', //              tag 0x01 hello
      '0100', //            version = 1
      '1d',
      ascii(clientId), // clientId: length 29, then its ASCII bytes
      '00', //              name: empty
      '8080808080 20', //   since = 2^40 = 32 · 128^5: five 7-bit groups of 0 with continuation, then 0x20
    );
  });

  it('lays out error: code as u16, the rid it answers, message', () => {
    expectLayout(
      'error',
      { type: 'error', code: 14, rid: 300, message: 'locked by Zoë' },
      '03', //                                   tag 0x03 error
      '0e00', //                                 code = 14 (LockedByOther), u16 little-endian
      'ac02', //                                 rid = 300
      '0e',
      ascii('locked by Zo'),
      'c3ab', //    message: 14 bytes, "locked by Zo" + ë (c3 ab)
    );
  });

  it('sends a version refusal as a 5-byte error with rid 0', () => {
    expectLayout(
      'error/client-too-old',
      { type: 'error', code: 2, rid: 0, message: '' },
      '03', //   tag 0x03 error
      '0200', // code = 2 (ClientTooOld)
      '00', //   rid = 0: answers no request
      '00', //   message: empty
    );
  });
});
