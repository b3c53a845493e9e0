import { describe, expect, it } from 'vitest';
import { coalesceKey, encode, isPresenceKey, splitFrame, staleKeys } from '../src/index.js';

const cursor = (slot: number, x = 1) => encode({ type: 'peerCursor2d', slot, x, y: 2 });
const presence = (slot: number) => encode({ type: 'presence', slot, presence: new Uint8Array([1]) });

describe('coalescing frames for a reader that is behind', () => {
  it('keys every pointer frame of one sender alike, its presence apart, and other senders apart', () => {
    const pointer = [
      cursor(7),
      cursor(7, 9),
      encode({ type: 'peerCursor3d', slot: 7, x: 1, y: 2, z: 3 }),
      encode({ type: 'peerSelection', slot: 7, element: 'title', anchor: 0, head: 3 }),
      encode({ type: 'peerCursorClear', slot: 7 }),
    ].map(coalesceKey);
    expect(new Set(pointer).size).toBe(1);
    expect(isPresenceKey(pointer[0]!)).toBe(false);
    const own = coalesceKey(presence(7))!;
    expect(isPresenceKey(own)).toBe(true);
    expect(new Set([pointer[0], own, coalesceKey(cursor(8)), coalesceKey(presence(8))]).size).toBe(4);
  });

  it('sends every other frame as it is', () => {
    expect(coalesceKey(encode({ type: 'peerLeave', slot: 7 }))).toBeUndefined();
    expect(
      coalesceKey(encode({ type: 'chat', id: 1, slot: 7, rid: 0, at: 0, body: new Uint8Array([104]) })),
    ).toBeUndefined();
    expect(coalesceKey(encode({ type: 'pong', nonce: 1 }))).toBeUndefined();
  });

  it("makes a leaver's cursor and presence stale, and a hidden participant's cursor", () => {
    const leave = staleKeys(encode({ type: 'peerLeave', slot: 7 }));
    expect([...leave].sort()).toEqual([coalesceKey(cursor(7)), coalesceKey(presence(7))].sort());
    expect(staleKeys(encode({ type: 'peerVisibility', slot: 7, hidden: true }))).toEqual([
      coalesceKey(cursor(7)),
    ]);
    expect(staleKeys(cursor(7))).toEqual([]);
  });

  it('splits packed cursors and batches into the frames they stand for', () => {
    const packed = encode({
      type: 'peerCursors2d',
      cursors: [
        { slot: 1, x: 1, y: 2 },
        { slot: 2, x: 1, y: 2 },
      ],
    });
    expect(splitFrame(packed)).toEqual([cursor(1), cursor(2)]);
    const batch = encode({ type: 'batch', frames: [{ frame: cursor(3) }, { frame: presence(4) }] });
    expect(splitFrame(batch)).toEqual([cursor(3), presence(4)]);
    expect(splitFrame(cursor(3))).toBeUndefined();
  });
});
