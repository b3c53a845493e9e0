/** fast-check arbitraries for every message, built by walking the schema itself. */
import fc from 'fast-check';
import {
  encode,
  type FieldKind,
  type FieldList,
  MESSAGES,
  type Message,
  type MessageName,
} from '../../src/index.js';

/** Boundaries where a varuint grows by a byte, and the extremes. */
const VARUINT_EDGES = [
  0,
  1,
  127,
  128,
  300,
  2 ** 14 - 1,
  2 ** 14,
  2 ** 21 - 1,
  2 ** 21,
  2 ** 28,
  2 ** 35,
  2 ** 40,
  2 ** 49 - 1,
  2 ** 49,
  Number.MAX_SAFE_INTEGER,
];

const varuint = fc.oneof(
  fc.constantFrom(...VARUINT_EDGES),
  fc.integer({ min: 0, max: 0xffff }),
  fc.maxSafeNat(),
);

/** f32 values, -0 and ±Infinity included; NaN excluded since NaN ≠ NaN would need its own comparison. */
const f32 = fc.float({ noNaN: true }).map(Math.fround);

/** Full-Unicode strings (no lone surrogates: they have no UTF-8 form), graphemes, and a leading BOM. */
const str = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }).map((s) => `\uFEFF${s}`),
);

const bytes = fc.uint8Array({ maxLength: 48 });

export function fieldArbitrary(kind: FieldKind): fc.Arbitrary<unknown> {
  if (typeof kind !== 'string') {
    if ('enum' in kind) return fc.constantFrom(...kind.enum);
    return fc.array(recordArbitrary(kind.list), { maxLength: 4 });
  }
  switch (kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'varuint':
      return varuint;
    case 'f32':
      return f32;
    case 'f64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'str':
      return str;
    case 'bytes':
      return bytes;
    case 'strs':
      return fc.array(str, { maxLength: 4 });
    default:
      throw new Error(`no arbitrary for ${kind satisfies never}`);
  }
}

export function recordArbitrary(fields: FieldList): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(fields.map(([name, kind]) => [name, fieldArbitrary(kind)])));
}

export const MESSAGE_NAMES = Object.keys(MESSAGES) as MessageName[];
const NON_BATCH_NAMES = MESSAGE_NAMES.filter((name) => name !== 'batch');

function plainMessage(name: MessageName): fc.Arbitrary<Message> {
  return recordArbitrary(MESSAGES[name].fields).map(
    (fields) => ({ ...fields, type: name }) as unknown as Message,
  );
}

/** Any message but a batch. */
export const nonBatchMessage: fc.Arbitrary<Message> = fc.oneof(...NON_BATCH_NAMES.map(plainMessage));

/** A batch holds complete, valid non-batch frames. */
const batchMessage: fc.Arbitrary<Message> = fc
  .array(nonBatchMessage, { maxLength: 5 })
  .map((items) => ({ type: 'batch', frames: items.map((m) => ({ frame: encode(m) })) }));

/** Arbitrary message of type `name`. */
export function messageArbitrary(name: MessageName): fc.Arbitrary<Message> {
  return name === 'batch' ? batchMessage : plainMessage(name);
}

/** Any message, every type equally likely. */
export const anyMessage: fc.Arbitrary<Message> = fc.oneof(...MESSAGE_NAMES.map(messageArbitrary));
