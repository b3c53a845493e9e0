import { describe, expect, it } from 'vitest';
import {
  decode,
  decodeAll,
  EncodeError,
  encode,
  isCursor2dFrame,
  packCursors2d,
  packedWithout,
  peerCursor2dFrame,
} from '../src/index.js';
import { seededRandom } from './support/random.js';

describe('packedWithout', () => {
  it('is byte-identical to packing every cursor but one, at every position', () => {
    const random = seededRandom(11);
    for (let n = 2; n <= 127; n += n < 12 ? 1 : 23) {
      const frames = Array.from({ length: n }, () =>
        encode({
          type: 'peerCursor2d',
          slot: Math.floor(random() * 0x10000),
          x: Math.fround(random() * 1e4),
          y: Math.fround(-random() * 1e4),
        }),
      );
      const packed = packCursors2d(frames);
      for (let i = 0; i < n; i++) {
        const others = frames.filter((_, j) => j !== i);
        const expected = others.length === 1 ? others[0] : packCursors2d(others);
        expect(packedWithout(packed, frames, i)).toEqual(expected);
      }
    }
  });

  it('refuses what it cannot cut: not a packed frame, 128 cursors or more, a stray index', () => {
    const frames = Array.from({ length: 128 }, (_, i) =>
      encode({ type: 'peerCursor2d', slot: i, x: i, y: i }),
    );
    expect(() => packedWithout(packCursors2d(frames), frames, 0)).toThrow(EncodeError);
    const three = frames.slice(0, 3);
    expect(() => packedWithout(three[0]!, three, 0)).toThrow(EncodeError);
    expect(() => packedWithout(packCursors2d(three), three, 3)).toThrow(EncodeError);
    expect(() => packedWithout(packCursors2d(three), three.slice(0, 2), 0)).toThrow(EncodeError);
  });
});

describe('packCursors2d', () => {
  it('is byte-identical to encoding the same cursors as a peerCursors2d message', () => {
    const random = seededRandom(7);
    for (let n = 1; n <= 200; n += 13) {
      const cursors = Array.from({ length: n }, () => ({
        slot: Math.floor(random() * 0x10000),
        x: Math.fround((random() - 0.5) * 1e6),
        y: Math.fround((random() - 0.5) * 1e6),
      }));
      const frames = cursors.map((c) => encode({ type: 'peerCursor2d', ...c }));
      expect(packCursors2d(frames)).toEqual(encode({ type: 'peerCursors2d', cursors }));
    }
  });

  it('counts past two varuint bytes', () => {
    const cursors = Array.from({ length: 16_400 }, (_, i) => ({ slot: i % 0x10000, x: i, y: -i }));
    const frames = cursors.map((c) => encode({ type: 'peerCursor2d', ...c }));
    expect(packCursors2d(frames)).toEqual(encode({ type: 'peerCursors2d', cursors }));
  });

  it('refuses anything but encoded peerCursor2d frames', () => {
    expect(() => packCursors2d([encode({ type: 'peerCursorClear', slot: 1 })])).toThrow(EncodeError);
    expect(() => packCursors2d([encode({ type: 'peerCursor3d', slot: 1, x: 0, y: 0, z: 0 })])).toThrow(
      EncodeError,
    );
  });
});

describe('peerCursor2dFrame', () => {
  const f32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0]!;
  /** A cursor2d frame whose coordinates are the given raw f32 bit patterns. */
  const rawCursor = (xBits: number, yBits: number) => {
    const frame = new Uint8Array(9);
    frame[0] = encode({ type: 'cursor2d', x: 0, y: 0 })[0]!;
    const view = new DataView(frame.buffer);
    view.setUint32(1, xBits, true);
    view.setUint32(5, yBits, true);
    return frame;
  };

  it('announces a client cursor as the slot’s, byte-identical to encoding it, for every finite value', () => {
    const random = seededRandom(11);
    const special = [0, 0x80000000, 1, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000];
    const patterns = [...special, ...Array.from({ length: 500 }, () => Math.floor(random() * 2 ** 32))];
    let finite = 0;
    for (const bits of patterns) {
      const frame = rawCursor(bits, patterns[(bits >>> 3) % patterns.length]!);
      expect(isCursor2dFrame(frame)).toBe(true);
      const m = decode(frame);
      if (m.type !== 'cursor2d') throw new Error('not a cursor');
      const slot = bits & 0xffff;
      const out = peerCursor2dFrame(frame, slot);
      if (Number.isFinite(m.x) && Number.isFinite(m.y)) {
        finite++;
        expect(out).toEqual(encode({ type: 'peerCursor2d', slot, x: m.x, y: m.y }));
      } else {
        expect(out).toBeUndefined();
      }
    }
    expect(finite).toBeGreaterThan(400);
    expect(f32(0x7f7fffff)).toBe(3.4028234663852886e38);
  });

  it('refuses infinities and every NaN', () => {
    for (const bits of [0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff]) {
      expect(Number.isFinite(f32(bits))).toBe(false);
      expect(peerCursor2dFrame(rawCursor(bits, 0), 1)).toBeUndefined();
      expect(peerCursor2dFrame(rawCursor(0, bits), 1)).toBeUndefined();
    }
  });

  it('recognises only a 9-byte cursor2d frame', () => {
    expect(isCursor2dFrame(encode({ type: 'cursor2d', x: 1, y: 2 }))).toBe(true);
    expect(isCursor2dFrame(encode({ type: 'cursor2d', x: 1, y: 2 }).subarray(0, 8))).toBe(false);
    expect(isCursor2dFrame(encode({ type: 'cursor3d', x: 1, y: 2, z: 3 }))).toBe(false);
    expect(isCursor2dFrame(encode({ type: 'peerCursor2d', slot: 1, x: 1, y: 2 }))).toBe(false);
  });
});

describe('decodeAll', () => {
  it('unpacks batches and packed 2D cursors into one message per update, in order', () => {
    const packed = packCursors2d([
      encode({ type: 'peerCursor2d', slot: 1, x: 1, y: 2 }),
      encode({ type: 'peerCursor2d', slot: 2, x: 3, y: 4 }),
    ]);
    const selection = encode({ type: 'peerSelection', slot: 3, element: 'p', anchor: 0, head: 1 });
    const batch = encode({ type: 'batch', frames: [{ frame: packed }, { frame: selection }] });
    expect(decodeAll(batch)).toEqual([
      { type: 'peerCursor2d', slot: 1, x: 1, y: 2 },
      { type: 'peerCursor2d', slot: 2, x: 3, y: 4 },
      { type: 'peerSelection', slot: 3, element: 'p', anchor: 0, head: 1 },
    ]);
    expect(decodeAll(encode({ type: 'pong', nonce: 5 }))).toEqual([{ type: 'pong', nonce: 5 }]);
  });
});
