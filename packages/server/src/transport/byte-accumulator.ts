/**
 * Bytes that arrive a read at a time, copied into one buffer of their own that doubles as it fills.
 * Holding the reads themselves would cost a Buffer object (a few hundred bytes) per read, or keep
 * alive the whole slab a small read was sliced from: a client dripping a frame one byte per TCP
 * segment made the server hold about a hundred megabytes for a frame of a few hundred kilobytes.
 * Here the memory held is at most twice the bytes held (and {@link MIN_CAPACITY} at least).
 */
export class ByteAccumulator {
  private buffer: Buffer = EMPTY;
  private used = 0;

  /** Bytes held. */
  get length(): number {
    return this.used;
  }

  /** Bytes of memory held for them. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Copies `bytes` in after those held; `expected` (the total the caller waits for) caps the growth. */
  append(bytes: Uint8Array, expected = 0): void {
    const needed = this.used + bytes.length;
    if (needed > this.buffer.length) {
      const doubled = Math.max(2 * this.buffer.length, MIN_CAPACITY);
      // Never a pooled slice (allocUnsafe's small buffers share one slab): this buffer may be held long.
      const grown = Buffer.allocUnsafeSlow(
        Math.max(needed, expected > 0 ? Math.min(doubled, expected) : doubled),
      );
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.used);
    this.used = needed;
  }

  /** The bytes held, handed over (the caller may keep them); the accumulator starts empty again. */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.used);
    this.clear();
    return bytes;
  }

  clear(): void {
    this.buffer = EMPTY;
    this.used = 0;
  }
}

/** The first allocation: a frame header, or a small frame, fits without growing. */
export const MIN_CAPACITY = 256;

const EMPTY = Buffer.alloc(0);
