import { DecodeError } from './decode-error.js';
import { utf8Decode } from './text.js';

/** Reads primitive values from a frame, throwing {@link DecodeError} with the byte offset on bad input. */
export class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError('truncated', this.pos, `${what} needs ${n} byte(s), ${this.remaining} left`);
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  varuint(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, 'varuint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) {
          throw new DecodeError('varuint-overflow', start, 'value exceeds 2^53 - 1');
        }
        return result;
      }
      scale *= 0x80;
    }
    throw new DecodeError('varuint-overflow', start, 'more than 8 bytes');
  }

  f32(): number {
    this.need(4, 'f32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8, 'f64');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * Length-prefixed bytes, copied: a decoded message must not pin the (possibly large) frame it
   * came from, nor change if the transport reuses that buffer.
   */
  bytes(): Uint8Array {
    const len = this.length('bytes');
    // Not `this.buf.slice`: on a Node Buffer (what `ws` hands over) `slice` is a view, not a copy.
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }

  str(): string {
    const len = this.length('string');
    const start = this.pos;
    try {
      const value = utf8Decode(this.buf.subarray(start, start + len));
      this.pos += len;
      return value;
    } catch {
      throw new DecodeError('invalid-utf8', start, 'string is not valid UTF-8');
    }
  }

  /** A count of following items; never more than the bytes left, so a hostile count cannot allocate. */
  count(what: string, minItemBytes = 1): number {
    const start = this.pos;
    const n = this.varuint();
    if (n * minItemBytes > this.remaining) {
      throw new DecodeError(
        'truncated',
        start,
        `${what} count ${n} exceeds the ${this.remaining} bytes left`,
      );
    }
    return n;
  }

  private length(what: string): number {
    const start = this.pos;
    const len = this.varuint();
    if (len > this.remaining) {
      throw new DecodeError('truncated', start, `${what} of ${len} bytes, ${this.remaining} left`);
    }
    return len;
  }
}
