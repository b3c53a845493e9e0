import { describe, expect, it } from 'vitest';
import {
  FrameReader,
  type FrameSink,
  MAX_FRAGMENTS,
  MAX_HELD_CHUNKS,
} from '../src/transport/frame-reader.js';
import { clientFrame } from './support/raw-socket.js';

/** Reads `chunks` and returns what the sink was told, in order. */
function read(chunks: Buffer[], maxPayload = 1 << 20): string[] {
  const events: string[] = [];
  const sink: FrameSink = {
    message: (data, isBinary) => events.push(`${isBinary ? 'binary' : 'text'} ${data.toString('hex')}`),
    ping: (p) => events.push(`ping ${p.toString('hex')}`),
    pong: (p) => events.push(`pong ${p.toString('hex')}`),
    close: (code, reason) => events.push(`close ${code} ${reason}`),
    error: (code, reason) => events.push(`error ${code} ${reason}`),
  };
  const reader = new FrameReader(maxPayload, sink);
  for (const chunk of chunks) reader.push(chunk);
  return events;
}

const bytes = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
const closePayload = (code: number, reason: string | Buffer): Buffer => {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(code);
  return Buffer.concat([out, Buffer.from(reason)]);
};

describe('FrameReader', () => {
  // Every length encoding, a fragmented message with a ping between its fragments, and a close.
  const stream = Buffer.concat([
    clientFrame(2, bytes(9, 1)),
    clientFrame(2, bytes(0, 2)),
    clientFrame(2, bytes(126, 3)),
    clientFrame(2, bytes(70_000, 4)),
    clientFrame(2, bytes(5, 5), { fin: false }),
    clientFrame(9, bytes(3, 6)),
    clientFrame(0, bytes(6, 7), { fin: false }),
    clientFrame(0, bytes(7, 8)),
    clientFrame(1, Buffer.from('hi')),
    clientFrame(10, bytes(2, 9)),
    clientFrame(8, closePayload(4001, 'bye ✓')),
    clientFrame(2, bytes(4, 10)), // after the close: never read
  ]);
  const expected = [
    `binary ${bytes(9, 1).toString('hex')}`,
    'binary ',
    `binary ${bytes(126, 3).toString('hex')}`,
    `binary ${bytes(70_000, 4).toString('hex')}`,
    `ping ${bytes(3, 6).toString('hex')}`,
    `binary ${Buffer.concat([bytes(5, 5), bytes(6, 7), bytes(7, 8)]).toString('hex')}`,
    `text ${Buffer.from('hi').toString('hex')}`,
    `pong ${bytes(2, 9).toString('hex')}`,
    'close 4001 bye ✓',
  ];

  it('reads the same frames whole, split at every byte boundary, and one byte at a time', () => {
    expect(read([Buffer.from(stream)])).toEqual(expected);
    // Unmasking is in place, so every read gets its own copy of the bytes.
    for (let cut = 1; cut < 400; cut++) {
      expect(read([Buffer.from(stream.subarray(0, cut)), Buffer.from(stream.subarray(cut))])).toEqual(
        expected,
      );
    }
    for (const cut of [70_000, 70_010, 70_020, stream.length - 40, stream.length - 1]) {
      expect(read([Buffer.from(stream.subarray(0, cut)), Buffer.from(stream.subarray(cut))])).toEqual(
        expected,
      );
    }
    expect(read([...Buffer.from(stream)].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it.each([
    [
      'an unmasked frame',
      clientFrame(2, bytes(3, 0), { masked: false }),
      'error 1002 client frames must be masked',
    ],
    ['RSV bits', clientFrame(2, bytes(3, 0), { rsv: 4 }), 'error 1002 RSV bits must be clear'],
    ['an unknown data opcode', clientFrame(3, bytes(3, 0)), 'error 1002 invalid opcode 3'],
    ['an unknown control opcode', clientFrame(11, bytes(3, 0)), 'error 1002 invalid opcode 11'],
    ['a continuation of nothing', clientFrame(0, bytes(3, 0)), 'error 1002 unexpected continuation frame'],
    [
      'a new message inside a fragmented one',
      Buffer.concat([clientFrame(2, bytes(3, 0), { fin: false }), clientFrame(2, bytes(3, 0))]),
      'error 1002 expected a continuation frame',
    ],
    [
      'a fragmented ping',
      clientFrame(9, bytes(3, 0), { fin: false }),
      'error 1002 control frames must not be fragmented',
    ],
    [
      'a ping over 125 bytes',
      clientFrame(9, bytes(126, 0)),
      'error 1002 control frame payload over 125 bytes',
    ],
    ['a 1-byte close', clientFrame(8, bytes(1, 0)), 'error 1002 close frame payload of 1 byte'],
    [
      'close code 1005 on the wire',
      clientFrame(8, closePayload(1005, '')),
      'error 1002 invalid close code 1005',
    ],
    ['close code 2999', clientFrame(8, closePayload(2999, '')), 'error 1002 invalid close code 2999'],
    [
      'a close reason that is not UTF-8',
      clientFrame(8, closePayload(1000, Buffer.from([0xc3, 0x28]))),
      'error 1007 close reason is not UTF-8',
    ],
    ['a frame over maxPayload', clientFrame(2, bytes(1025, 0)), 'error 1009 message too large'],
    [
      'fragments adding up to over maxPayload',
      Buffer.concat([clientFrame(2, bytes(600, 0), { fin: false }), clientFrame(0, bytes(600, 0))]),
      'error 1009 message too large',
    ],
    [
      'a 64-bit length past 4 GiB',
      clientFrame(2, bytes(0, 0), { declaredLength: 2 ** 33 }),
      'error 1009 message too large',
    ],
  ])('refuses %s, and reads nothing after it', (_name, bad, error) => {
    const events = read([Buffer.concat([bad, clientFrame(2, bytes(2, 1))])], 1024);
    expect(events).toEqual([error]);
  });

  it('refuses an oversized frame from its header, before its payload has arrived', () => {
    const header = clientFrame(2, bytes(0, 0), { declaredLength: 5000 });
    expect(read([header], 1024)).toEqual(['error 1009 message too large']);
  });

  it('refuses a message in more fragments than the limit, even empty ones (1008)', () => {
    const start = clientFrame(2, bytes(0, 0), { fin: false });
    const empty = clientFrame(0, bytes(0, 0), { fin: false });
    const last = clientFrame(0, bytes(1, 0));
    // start, empties and last: MAX_FRAGMENTS frames in all, then one more
    const within = Buffer.concat([start, ...Array(MAX_FRAGMENTS - 2).fill(empty), last]);
    expect(read([within])).toEqual(['binary 00']);
    const over = Buffer.concat([start, ...Array(MAX_FRAGMENTS - 1).fill(empty), last]);
    expect(read([over])).toEqual(['error 1008 too many fragments']);
  });

  it('refuses a frame still incomplete after the limit of reads (1008)', () => {
    const frame = clientFrame(2, bytes(MAX_HELD_CHUNKS + 100, 0));
    const drip = [...frame.subarray(0, MAX_HELD_CHUNKS + 50)].map((b) => Buffer.from([b]));
    expect(read(drip)).toEqual(['error 1008 too many reads for one frame']);
  });

  it('reports a close frame without a code as 1005', () => {
    expect(read([clientFrame(8, Buffer.alloc(0))])).toEqual(['close 1005 ']);
  });
});
