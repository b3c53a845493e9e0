/**
 * The server's frame reader against `ws`'s own receiver, on the same bytes: fast-check writes
 * sequences of client frames, valid and broken in every way the RFC names, cuts them into reads at
 * random places, and both readers must report the same messages, pings, pongs and close, and fail
 * with the same close code at the same point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { FrameReader, MAX_FRAGMENTS, MAX_HELD_CHUNKS } from '../src/transport/frame-reader.js';
import { clientFrame, type FrameShape } from './support/raw-socket.js';

const MAX_PAYLOAD = 2000;

interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: string, listener: (...args: never[]) => void): void;
}
type ReceiverClass = new (options: Record<string, unknown>) => WsReceiver;
// `ws` exports its receiver at run time; its type declarations leave it out.
const { Receiver } = ws as unknown as { Receiver: ReceiverClass };

const hex = (b: Buffer): string => b.toString('hex');
const terminal = (event: string): boolean => event.startsWith('close') || event.startsWith('error');
/** Events up to and including the first close or error: what follows it is never read. */
const untilEnd = (events: string[]): string[] => {
  const end = events.findIndex(terminal);
  return end < 0 ? events : events.slice(0, end + 1);
};

function ours(chunks: Buffer[]): string[] {
  const events: string[] = [];
  const reader = new FrameReader(MAX_PAYLOAD, {
    message: (data, isBinary) => events.push(`${isBinary ? 'binary' : 'text'} ${hex(data)}`),
    ping: (p) => events.push(`ping ${hex(p)}`),
    pong: (p) => events.push(`pong ${hex(p)}`),
    close: (code, reason) => events.push(`close ${code} ${reason}`),
    error: (code) => events.push(`error ${code}`),
  });
  for (const chunk of chunks) reader.push(Buffer.from(chunk));
  return events;
}

async function theirs(chunks: Buffer[]): Promise<string[]> {
  const events: string[] = [];
  const receiver = new Receiver({
    isServer: true,
    maxPayload: MAX_PAYLOAD,
    maxFragments: MAX_FRAGMENTS,
    maxBufferedChunks: MAX_HELD_CHUNKS,
  });
  receiver.on('message', (data: Buffer, isBinary: boolean) =>
    events.push(`${isBinary ? 'binary' : 'text'} ${hex(data)}`),
  );
  receiver.on('ping', (p: Buffer) => events.push(`ping ${hex(p)}`));
  receiver.on('pong', (p: Buffer) => events.push(`pong ${hex(p)}`));
  receiver.on('conclude', (code: number, reason: Buffer) =>
    events.push(`close ${code} ${reason.toString()}`),
  );
  receiver.on('error', (error: Error) => {
    const status = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
    events.push(`error ${status ? (error as unknown as Record<symbol, number>)[status] : '?'}`);
  });
  for (const chunk of chunks) {
    if (events.some(terminal)) break;
    receiver.write(Buffer.from(chunk));
  }
  // A protocol error comes through the stream's error event on a later tick: let it arrive.
  await new Promise((resolve) => setImmediate(resolve));
  return events;
}

const payload = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const shaped = (opcode: number, body: fc.Arbitrary<Buffer>, shape: FrameShape = {}) =>
  body.map((p) => clientFrame(opcode, p, shape));
const closeBody = (code: number, reason: Buffer) => {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, reason]);
};

const validFrame = fc.oneof(
  { weight: 4, arbitrary: shaped(2, payload(300)) },
  {
    weight: 1,
    arbitrary: shaped(
      2,
      fc.integer({ min: 126, max: MAX_PAYLOAD }).map((n) => Buffer.alloc(n, 7)),
    ),
  },
  {
    weight: 2,
    arbitrary: shaped(
      1,
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s)),
    ),
  },
  {
    weight: 2,
    // a fragmented message, with a ping possibly in the middle
    arbitrary: fc
      .tuple(
        fc.constantFrom(1, 2),
        fc.array(payload(40), { minLength: 2, maxLength: 5 }),
        fc.option(payload(20), { nil: undefined }),
      )
      .map(([opcode, parts, ping]) => {
        const frames = parts.map((p, i) =>
          clientFrame(i === 0 ? opcode : 0, opcode === 1 ? Buffer.from('é'.repeat(p.length % 7)) : p, {
            fin: i === parts.length - 1,
          }),
        );
        if (ping) frames.splice(1, 0, clientFrame(9, ping));
        return Buffer.concat(frames);
      }),
  },
  { weight: 2, arbitrary: shaped(9, payload(125)) },
  { weight: 2, arbitrary: shaped(10, payload(125)) },
);

const endingFrame = fc.oneof(
  shaped(8, fc.constant(Buffer.alloc(0))),
  fc
    .tuple(fc.constantFrom(1000, 1001, 1011, 3000, 4001, 4999), fc.string({ maxLength: 30 }))
    .map(([code, reason]) => clientFrame(8, closeBody(code, Buffer.from(reason).subarray(0, 123)))),
  fc
    .constantFrom(0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535)
    .map((code) => clientFrame(8, closeBody(code, Buffer.alloc(0)))),
  shaped(8, fc.constant(Buffer.from([3, 232, 0xc3, 0x28]))), // 1000 + a broken UTF-8 reason
  shaped(8, fc.constant(Buffer.from([3]))), // a 1-byte close
  shaped(2, payload(20), { masked: false }),
  fc.constantFrom(1, 2, 3, 4, 5, 6, 7).chain((rsv) => shaped(2, payload(20), { rsv })),
  fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15).chain((opcode) => shaped(opcode, payload(20))),
  shaped(0, payload(20)), // a continuation of nothing
  shaped(9, payload(20), { fin: false }),
  shaped(
    9,
    fc.integer({ min: 126, max: 200 }).map((n) => Buffer.alloc(n)),
  ),
  shaped(2, fc.constant(Buffer.alloc(MAX_PAYLOAD + 1))),
  shaped(2, fc.constant(Buffer.alloc(0)), { declaredLength: 2 ** 33 }),
  fc.constant(
    Buffer.concat([clientFrame(2, Buffer.alloc(3), { fin: false }), clientFrame(2, Buffer.alloc(3))]),
  ),
  fc.constant(
    Buffer.concat([
      clientFrame(2, Buffer.alloc(MAX_PAYLOAD - 10), { fin: false }),
      clientFrame(0, Buffer.alloc(20)),
    ]),
  ),
);

/** A stream of frames, maybe ending in one that closes or breaks the connection, cut into reads. */
const reads = fc
  .tuple(
    fc.array(validFrame, { maxLength: 8 }),
    fc.option(endingFrame, { nil: undefined }),
    fc.array(validFrame, { maxLength: 2 }),
  )
  .map(([before, end, after]) => Buffer.concat([...before, ...(end ? [end] : []), ...after]))
  .chain((bytes) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 12 })
      .map((cuts) => {
        const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
        return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
      }),
  );

describe('FrameReader against ws', () => {
  it('reads every stream of frames as ws does: the same events, the same close codes', async () => {
    await fc.assert(
      fc.asyncProperty(reads, async (chunks) => {
        expect(untilEnd(ours(chunks))).toEqual(untilEnd(await theirs(chunks)));
      }),
      { numRuns: 400 },
    );
  });
});
