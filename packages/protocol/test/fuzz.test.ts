/**
 * Deterministic fuzzing of the decoder: random byte strings and mutated valid frames must decode to
 * a message or be rejected with a DecodeError that names a reason and an in-range offset, never
 * anything else. Seeded, so a failure reproduces exactly; a frame it finds is kept as a named case
 * in `fuzz.regressions.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, encode, type FieldList, MESSAGES, nameOfTag, Reader } from '../src/index.js';
import { anyMessage } from './support/arbitraries.js';
import { checkFrame, newOutcome } from './support/decode-contract.js';
import { DECODE_ERROR_REASONS, loadVectors } from './support/frames.js';
import { seededRandom } from './support/random.js';

const RANDOM_FRAMES = 50_000;
const MUTATED_FRAMES = 50_000;

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.int(256));
  }
}

const TAGS = Object.values(MESSAGES).map((spec) => spec.tag);
/** Bytes that sit on decoding boundaries: bool and enum limits, varuint continuation, the batch tag. */
const INTERESTING = [0x00, 0x01, 0x02, 0x04, 0x05, 0x7f, 0x80, 0xc0, 0xfe, 0xff, MESSAGES.batch.tag];

/** Unsigned LEB128 of any non-negative integer, without the encoder's range check (so 2^53 and up fit). */
function leb128(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * Offsets of the length and count prefixes in a frame, found by walking its schema; on a frame that
 * an earlier mutation already broke, those before the break.
 */
function prefixOffsets(frame: Uint8Array): number[] {
  const name = nameOfTag(frame[0]!);
  if (!name) return [];
  const offsets: number[] = [];
  const r = new Reader(frame);
  r.u8();
  const walk = (fields: FieldList): void => {
    for (const [, kind] of fields) {
      if (typeof kind !== 'string') {
        if ('enum' in kind) r.u8();
        else {
          offsets.push(r.offset);
          const n = r.count('list');
          for (let i = 0; i < n; i++) walk(kind.list);
        }
        continue;
      }
      switch (kind) {
        case 'u8':
        case 'bool':
          r.u8();
          break;
        case 'u16':
          r.u16();
          break;
        case 'varuint':
          r.varuint();
          break;
        case 'f32':
          r.f32();
          break;
        case 'f64':
          r.f64();
          break;
        case 'str':
          offsets.push(r.offset);
          r.str();
          break;
        case 'bytes':
          offsets.push(r.offset);
          r.bytes();
          break;
        case 'strs': {
          offsets.push(r.offset);
          const n = r.count('strs');
          for (let i = 0; i < n; i++) {
            offsets.push(r.offset);
            r.str();
          }
          break;
        }
      }
    }
  };
  try {
    walk(MESSAGES[name].fields);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
  }
  return offsets;
}

/** Length of the varuint starting at `at` (capped at the frame's end). */
function varuintLength(frame: readonly number[], at: number): number {
  let n = 0;
  while (at + n < frame.length && frame[at + n]! & 0x80) n++;
  return Math.min(n + 1, frame.length - at);
}

type Mutation = (frame: number[], rng: Rng, corpus: readonly Uint8Array[]) => number[];

const MUTATIONS: readonly Mutation[] = [
  function flipBit(frame, rng) {
    if (frame.length === 0) return frame;
    const at = rng.int(frame.length);
    frame[at] = frame[at]! ^ (1 << rng.int(8));
    return frame;
  },
  function truncate(frame, rng) {
    return frame.slice(0, rng.int(frame.length + 1));
  },
  function extend(frame, rng) {
    return [...frame, ...rng.bytes(1 + rng.int(8))];
  },
  function replaceByte(frame, rng) {
    if (frame.length === 0) return frame;
    frame[rng.int(frame.length)] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256);
    return frame;
  },
  function insertContinuationRun(frame, rng) {
    const at = rng.int(frame.length + 1);
    return [...frame.slice(0, at), ...new Array<number>(1 + rng.int(12)).fill(0xff), ...frame.slice(at)];
  },
  function wrapInBatch(frame) {
    // A mutated frame as a batch item; when it is itself a batch this probes the nesting rule.
    return [...encode({ type: 'batch', frames: [{ frame: Uint8Array.from(frame) }] })];
  },
  function deleteRange(frame, rng) {
    const at = rng.int(frame.length + 1);
    return [...frame.slice(0, at), ...frame.slice(at + 1 + rng.int(4))];
  },
  function overwriteLengthPrefix(frame, rng) {
    const offsets = prefixOffsets(Uint8Array.from(frame));
    if (offsets.length === 0) return frame;
    const at = rng.pick(offsets);
    const left = frame.length - at;
    const value = rng.pick([
      0,
      1,
      left - 2,
      left - 1,
      left,
      left + 1,
      127,
      128,
      2 ** 14,
      2 ** 40,
      2 ** 53 - 1,
      2 ** 53,
    ]);
    return [
      ...frame.slice(0, at),
      ...leb128(Math.max(0, value)),
      ...frame.slice(at + varuintLength(frame, at)),
    ];
  },
  function retagPayload(frame, rng) {
    // Overwrite the first byte after a length prefix with a type tag: in a batch, a different item.
    const offsets = prefixOffsets(Uint8Array.from(frame));
    if (offsets.length === 0) return frame;
    const at = rng.pick(offsets);
    const start = at + varuintLength(frame, at);
    if (start < frame.length) frame[start] = rng.pick(TAGS);
    return frame;
  },
  function spliceFrame(frame, rng, corpus) {
    // Drop another valid frame (maybe a batch) somewhere inside this one: nested batches, mixed tags.
    const at = rng.int(frame.length + 1);
    const other = rng.pick(corpus);
    const withLength = rng.chance(0.5) ? [...leb128(other.length), ...other] : [...other];
    return [...frame.slice(0, at), ...withLength, ...frame.slice(at)];
  },
];

describe('decoding hostile input', () => {
  const corpus = [
    ...loadVectors().map((v) => encode(v.message)),
    ...fc.sample(anyMessage, { seed: 42, numRuns: 300 }).map(encode),
  ];

  it(`decodes or rejects ${RANDOM_FRAMES} random byte strings, and never throws anything else`, () => {
    const rng = new Rng(0x7a4d3e);
    const outcome = newOutcome();
    for (let i = 0; i < RANDOM_FRAMES; i++) {
      const length = rng.int(65);
      const bytes = rng.bytes(length);
      // Mostly a real tag first, or nearly every frame would stop at 'unknown-type'.
      if (length > 0 && rng.chance(0.8)) bytes[0] = rng.pick(TAGS);
      checkFrame(Uint8Array.from(bytes), outcome);
    }
    expect(outcome.violations.slice(0, 10)).toEqual([]);
    expect(outcome.decoded).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(0);
  });

  it(`decodes or rejects ${MUTATED_FRAMES} mutated valid frames, reaching every rejection reason`, () => {
    const rng = new Rng(0x5eed);
    const outcome = newOutcome();
    for (let i = 0; i < MUTATED_FRAMES; i++) {
      let frame = [...rng.pick(corpus)];
      const rounds = 1 + rng.int(3);
      for (let j = 0; j < rounds; j++) frame = rng.pick(MUTATIONS)(frame, rng, corpus);
      checkFrame(Uint8Array.from(frame), outcome);
    }
    expect(outcome.violations.slice(0, 10)).toEqual([]);
    expect(outcome.decoded).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(0);
    const missing = DECODE_ERROR_REASONS.filter((reason) => !outcome.reasons.has(reason));
    expect(missing).toEqual([]);
  });
});
