import { describe, expect, it } from 'vitest';
import { decodeAll, EncodeError, encode, packCursors2d } from '../src/index.js';
import { seededRandom } from './support/random.js';

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

  it('refuses anything but encoded peerCursor2d frames', () => {
    expect(() => packCursors2d([encode({ type: 'peerCursorClear', slot: 1 })])).toThrow(EncodeError);
    expect(() => packCursors2d([encode({ type: 'peerCursor3d', slot: 1, x: 0, y: 0, z: 0 })])).toThrow(
      EncodeError,
    );
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
