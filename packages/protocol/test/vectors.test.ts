import { describe, expect, it } from 'vitest';
import { decode, encode, type FieldList, MESSAGES, type MessageName } from '../src/index.js';
import { fromHex, loadVectors, toHex } from './support/frames.js';

const vectors = loadVectors();
const names = Object.keys(MESSAGES) as MessageName[];

describe('golden test vectors (vectors.json)', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s encodes to its frame', (_, vector) => {
    expect(toHex(encode(vector.message))).toBe(vector.hex);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s decodes to its message', (_, vector) => {
    expect(decode(fromHex(vector.hex))).toEqual(vector.message);
  });

  it('has at least one vector for every message type', () => {
    const covered = new Set(vectors.map((v) => v.message.type));
    expect(names.filter((name) => !covered.has(name))).toEqual([]);
  });

  it('gives every vector a unique name', () => {
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  it('lists vectors in tag order', () => {
    const tags = vectors.map((v) => MESSAGES[v.message.type].tag);
    expect(tags).toEqual([...tags].sort((a, b) => a - b));
  });

  it('uses every value of every enum somewhere', () => {
    const used = new Map<string, Set<string>>();
    const missing: string[] = [];
    const walk = (fields: FieldList, records: readonly Record<string, unknown>[]): void => {
      for (const [field, kind] of fields) {
        if (typeof kind === 'string') continue;
        const values = records.map((record) => record[field]);
        if ('enum' in kind) {
          const key = kind.enum.join('|');
          const seen = used.get(key) ?? new Set<string>();
          for (const value of values) seen.add(String(value));
          used.set(key, seen);
        } else {
          walk(
            kind.list,
            values.flatMap((items) => items as Record<string, unknown>[]),
          );
        }
      }
    };
    for (const name of names) {
      const messages = vectors.filter((v) => v.message.type === name).map((v) => v.message);
      walk(MESSAGES[name].fields, messages as unknown as Record<string, unknown>[]);
    }
    for (const [key, seen] of used) {
      for (const value of key.split('|')) if (!seen.has(value)) missing.push(`${value} (of ${key})`);
    }
    expect(missing).toEqual([]);
  });

  it('exercises multi-byte varuints, non-ASCII text and empty and non-empty lists', () => {
    const all = vectors.map((v) => v.hex).join(' ');
    expect(all).toContain('ac02'); // 300
    expect(all).toContain('808080808020'); // 2^40
    expect(all).toContain('ffffffffffffff0f'); // 2^53 - 1, the largest varuint
    expect(vectors.some((v) => /[^\x20-\x7e]/.test(JSON.stringify(v.message)))).toBe(true);
    const lists = vectors.flatMap((v) =>
      Object.values(v.message).filter((value): value is unknown[] => Array.isArray(value)),
    );
    expect(lists.some((list) => list.length === 0)).toBe(true);
    expect(lists.some((list) => list.length > 1)).toBe(true);
  });
});
