import type { FieldKind, FieldList } from '../schema.js';
import { DecodeError } from './decode-error.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

type Loose = Record<string, unknown>;

/** Writes `value`'s fields in schema order. */
export function writeFields(w: Writer, fields: FieldList, value: Loose): void {
  for (const [name, kind] of fields) writeField(w, kind, value[name], name);
}

function writeField(w: Writer, kind: FieldKind, v: unknown, name: string): void {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'u8':
        w.u8(v as number);
        return;
      case 'u16':
        w.u16(v as number);
        return;
      case 'varuint':
        w.varuint(v as number);
        return;
      case 'f32':
        w.f32(v as number);
        return;
      case 'f64':
        w.f64(v as number);
        return;
      case 'bool':
        w.u8(v ? 1 : 0);
        return;
      case 'str':
        w.str(v as string);
        return;
      case 'bytes':
        w.bytes(v as Uint8Array);
        return;
      case 'strs': {
        const list = v as readonly string[];
        w.varuint(list.length);
        for (const s of list) w.str(s);
        return;
      }
      default:
        throw new Error(`unknown field kind ${kind satisfies never}`);
    }
  }
  if ('enum' in kind) {
    const index = kind.enum.indexOf(v as string);
    if (index < 0) throw new RangeError(`${name}: ${String(v)} is not one of ${kind.enum.join(', ')}`);
    w.u8(index);
    return;
  }
  const items = v as readonly Loose[];
  w.varuint(items.length);
  for (const item of items) writeFields(w, kind.list, item);
}

/** Reads fields in schema order into `out`. */
export function readFields(r: Reader, fields: FieldList, out: Loose): Loose {
  for (const [name, kind] of fields) out[name] = readField(r, kind, name);
  return out;
}

function readField(r: Reader, kind: FieldKind, name: string): unknown {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'u8':
        return r.u8();
      case 'u16':
        return r.u16();
      case 'varuint':
        return r.varuint();
      case 'f32':
        return r.f32();
      case 'f64':
        return r.f64();
      case 'bool': {
        const at = r.offset;
        const b = r.u8();
        if (b > 1) throw new DecodeError('invalid-bool', at, `${name} must be 0 or 1, got ${b}`);
        return b === 1;
      }
      case 'str':
        return r.str();
      case 'bytes':
        return r.bytes();
      case 'strs': {
        const n = r.count(name);
        const list: string[] = [];
        for (let i = 0; i < n; i++) list.push(r.str());
        return list;
      }
      default:
        throw new Error(`unknown field kind ${kind satisfies never}`);
    }
  }
  if ('enum' in kind) {
    const at = r.offset;
    const index = r.u8();
    const value = kind.enum[index];
    if (value === undefined) {
      throw new DecodeError(
        'invalid-enum',
        at,
        `${name} index ${index} is not one of ${kind.enum.join(', ')}`,
      );
    }
    return value;
  }
  const n = r.count(name);
  const items: Loose[] = [];
  for (let i = 0; i < n; i++) items.push(readFields(r, kind.list, {}));
  return items;
}
