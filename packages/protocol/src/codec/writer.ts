import { EncodeError } from './decode-error.js';
import { utf8Encode } from './text.js';

const MAX_VARUINT = Number.MAX_SAFE_INTEGER;

/** Appends primitive values to a growable byte buffer. Little-endian throughout. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff)
      throw new EncodeError(`u8 out of range: ${value}`);
    this.reserve(1);
    this.buf[this.pos++] = value;
  }

  u16(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new EncodeError(`u16 out of range: ${value}`);
    }
    this.reserve(2);
    this.view.setUint16(this.pos, value, true);
    this.pos += 2;
  }

  /** Unsigned LEB128, up to 2^53 − 1 (at most 8 bytes). */
  varuint(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > MAX_VARUINT) {
      throw new EncodeError(`varuint out of range: ${value}`);
    }
    this.reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Length-prefixed raw bytes. */
  bytes(value: Uint8Array): void {
    this.varuint(value.length);
    this.raw(value);
  }

  /** Bytes without a length prefix. */
  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Length-prefixed UTF-8. */
  str(value: string): void {
    this.bytes(utf8Encode(value));
  }

  /** The written bytes, trimmed; the writer must not be used afterwards. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
