import { encode, MESSAGES, packCursors2d, packedWithout } from '@tandem/protocol';
import type { Clock, TimerHandle } from '../clock.js';
import type { Connection } from '../connection.js';

const CURSOR_2D = MESSAGES.peerCursor2d.tag;
const PACKED_2D = MESSAGES.peerCursors2d.tag;

/**
 * Cursor fan-out. Each sender's latest pointer frame (2D or 3D cursor, text selection) waits for
 * the room's next tick; then every recipient gets one frame holding every sender that moved, except
 * itself. A naive relay writes one frame per move per recipient; at 15 moves a second from each of
 * 10 people, a 16 ms tick cuts a recipient's socket writes by more than half, and the bytes stay
 * at 10 per 2D update (`peerCursors2d`), for at most one tick of added latency.
 *
 * With a tick of 0 every move goes out at once, as its own frame.
 */
export class CursorFanout {
  private pending = new Map<Connection, Uint8Array>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly tickMs: number,
    /** Who receives cursors now: the room's admitted connections. */
    private readonly recipients: () => Iterable<Connection>,
  ) {}

  /** Queues `frame` as `sender`'s latest position, replacing one not yet sent. */
  move(sender: Connection, frame: Uint8Array): void {
    this.pending.set(sender, frame);
    if (this.tickMs === 0) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), this.tickMs);
  }

  /**
   * Forgets `sender`'s unsent position. Called before anything that ends its cursor (leaving,
   * hiding, clearing) is announced, so the next tick cannot bring the cursor back.
   */
  drop(sender: Connection): void {
    this.pending.delete(sender);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const moved = this.pending;
    if (moved.size === 0) return;
    this.pending = new Map();
    const frames = [...moved.values()];
    const all = combineCursorFrames(frames);
    // The usual tick, 2D cursors only (mixed kinds combine into a batch): a sender that moved gets
    // the packed frame minus its own 10 bytes instead of a fresh pack.
    const packed = all?.[0] === PACKED_2D && frames.length < 0x80;
    for (const conn of this.recipients()) {
      const own = moved.get(conn);
      let frame = all;
      if (own !== undefined)
        frame = packed
          ? packedWithout(all!, frames, frames.indexOf(own))
          : combineCursorFrames(frames.filter((f) => f !== own));
      if (frame) conn.socket.send(frame);
    }
  }

  /** Stops the tick; pending positions are dropped. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/**
 * One frame carrying every given pointer frame: the frame itself when there is one, 2D cursors
 * packed 10 bytes each, and a `batch` only when kinds are mixed. Undefined when there are none.
 */
export function combineCursorFrames(frames: readonly Uint8Array[]): Uint8Array | undefined {
  if (frames.length <= 1) return frames[0];
  const planar = frames.filter((f) => f[0] === CURSOR_2D);
  const parts =
    planar.length < 2 ? [...frames] : [packCursors2d(planar), ...frames.filter((f) => f[0] !== CURSOR_2D)];
  if (parts.length === 1) return parts[0];
  return encode({ type: 'batch', frames: parts.map((frame) => ({ frame })) });
}
