import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecodeErrorReason, Message } from '../../src/index.js';

/** Every {@link DecodeErrorReason}; `satisfies` makes adding a reason without listing it here a type error. */
const REASONS = {
  'empty-frame': true,
  'unknown-type': true,
  truncated: true,
  'varuint-overflow': true,
  'invalid-utf8': true,
  'invalid-enum': true,
  'invalid-bool': true,
  'nested-batch': true,
  'trailing-bytes': true,
} as const satisfies Record<DecodeErrorReason, true>;

export const DECODE_ERROR_REASONS = Object.keys(REASONS) as DecodeErrorReason[];

/** Bytes from hex; spaces, `|` and newlines are ignored so layouts can be written grouped by field. */
export function fromHex(...parts: string[]): Uint8Array {
  const hex = parts.join('').replace(/[\s|]/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A golden frame from vectors.json. */
export interface Vector {
  readonly name: string;
  readonly hex: string;
  readonly message: Message;
}

export const VECTORS_FILE = fileURLToPath(new URL('../vectors.json', import.meta.url));

/** JSON → value, turning `{ "$bytes": "<hex>" }` back into a Uint8Array. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const [only] = entries;
    if (entries.length === 1 && only?.[0] === '$bytes' && typeof only[1] === 'string')
      return fromHex(only[1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

export function loadVectors(): Vector[] {
  const raw: unknown = JSON.parse(readFileSync(VECTORS_FILE, 'utf8'));
  if (!Array.isArray(raw)) throw new Error('vectors.json must hold an array');
  return raw.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object') throw new Error(`vector ${i} is not an object`);
    const { name, hex, message } = entry as Record<string, unknown>;
    if (
      typeof name !== 'string' ||
      typeof hex !== 'string' ||
      message === null ||
      typeof message !== 'object'
    ) {
      throw new Error(`vector ${i} needs a string name, a string hex and a message object`);
    }
    return { name, hex, message: revive(message) as Message };
  });
}
