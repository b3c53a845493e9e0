import type { Duplex } from 'node:stream';
import {
  closeCodeOf,
  coalesceKey,
  ERRORS,
  ErrorCode,
  encode,
  isPresenceKey,
  splitFrame,
  staleKeys,
} from '@tandem/protocol';
import { closeReason, combineCursorFrames, type RoomSocket } from '@tandem/room';
import { WebSocket } from 'ws';
import type { Metrics } from '../observability/metrics.js';
import type { FrameReader } from './frame-reader.js';
import { writeBinaryFrame } from './frame-writer.js';

/**
 * How a socket tells its client it is refused: the frame sent first (none for a client that cannot
 * read Tandem's) and the close code.
 */
export type Farewell = (code: ErrorCode, message: string) => { frame?: Uint8Array; closeCode: number };

/** Tandem's own: an `error` frame, then close code `4000 + code`. */
export const tandemFarewell: Farewell = (code, message) => ({
  frame: encode({ type: 'error', code, rid: 0, message }),
  closeCode: closeCodeOf(code),
});

export interface BackpressureLimits {
  /** Past this many unflushed bytes, cursor and presence frames coalesce to the latest per sender. */
  softBytes: number;
  /** Past this many, the socket is closed as a slow consumer. */
  hardBytes: number;
}

/**
 * Adapts a `ws` socket to the room's {@link RoomSocket}. `ws` owns the handshake, pings and the
 * close; frames in are read by a {@link FrameReader} (see `read-frames.ts`) and frames out are
 * written straight to the connection's stream (see {@link writeBinaryFrame}); its `writableLength`
 * (bytes not yet flushed to the kernel) is the backlog. While a socket is backed up past the soft cap, cursor and presence frames are held back
 * keyed by (kind, sender slot), so a slow reader gets the latest position of each peer instead of
 * a growing queue, in one frame once it drains; the rest of the room is never slowed by it.
 */
export class WsRoomSocket implements RoomSocket {
  private readonly held = new Map<number, Uint8Array>();
  private closed = false;
  private awaitingDrain = false;

  /**
   * @param onGiveUp - Called (on a later microtask, never inside a room's send) when this socket
   *   ends the connection itself: too slow, token expired, a bad frame. The connection should leave
   *   its room at once rather than when the close handshake completes, which a peer that has stopped
   *   reading never does (ws then waits 30 s).
   */
  constructor(
    private readonly ws: WebSocket,
    /** The stream `ws` was upgraded on (permessage-deflate off), where frames out are written. */
    private readonly stream: Duplex,
    private readonly limits: BackpressureLimits,
    private readonly metrics: Metrics,
    private readonly onGiveUp: () => void = () => {},
    private readonly farewell: Farewell = tandemFarewell,
  ) {}

  /** Whether frames written count in `tandem_messages_out_total` (a translated connection's do not). */
  countFramesOut = true;

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const backlog = this.stream.writableLength;
    if (backlog > this.limits.hardBytes) {
      this.metrics.drops.inc({ reason: 'slow_consumer' });
      this.fail(ErrorCode.SlowConsumer);
      return;
    }
    // A held frame released after this one could bring back a participant who left or hid.
    if (this.held.size > 0) for (const key of staleKeys(frame)) this.held.delete(key);
    if (backlog > this.limits.softBytes) {
      if (this.hold(frame)) return;
    } else if (this.held.size > 0) {
      this.release();
    }
    this.write(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
    this.ws.close(code, reason);
  }

  /**
   * Sends a fatal error frame and closes with its close code (for refusals outside any room); the
   * connection then leaves its room (see `onGiveUp`).
   */
  fail(code: ErrorCode, message = ERRORS[code].message): void {
    if (this.closed) return;
    this.end(code, message);
    queueMicrotask(this.onGiveUp);
  }

  /**
   * Tells the client the server is shutting down and closes, but stays in its room until the
   * client's close arrives: frames the client sent before it heard still reach the room.
   */
  shutdown(): void {
    if (this.closed) return;
    this.end(ErrorCode.ServerShutdown, ERRORS[ErrorCode.ServerShutdown].message);
  }

  /** True once this socket has been closed, by its room or by itself. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes handed to the socket and not yet flushed. */
  get backlog(): number {
    return this.stream.writableLength;
  }

  private end(code: ErrorCode, message: string): void {
    const { frame, closeCode } = this.farewell(code, message);
    if (frame) this.write(frame);
    this.close(closeCode, closeReason(message));
  }

  private write(frame: Uint8Array): void {
    // Once either side has begun the close, nothing may follow the close frame.
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.countFramesOut) this.metrics.frameOut(frame);
    writeBinaryFrame(this.stream, frame);
  }

  /** Past the soft cap a write has already found the stream full, so a 'drain' will follow. */
  private releaseOnDrain(): void {
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.stream.once('drain', () => {
      this.awaitingDrain = false;
      if (!this.closed && this.held.size > 0) this.release();
    });
  }

  /**
   * Keeps a coalescable frame as its sender's latest, replacing an older one; false when the frame
   * is not coalescable (see `coalesceKey`). A frame carrying several (a tick's packed cursors, a
   * batch) is taken apart so each sender is held on its own.
   */
  private hold(frame: Uint8Array): boolean {
    const parts = splitFrame(frame);
    if (parts) {
      for (const part of parts) if (!this.hold(part)) this.write(part);
      return true;
    }
    const key = coalesceKey(frame);
    if (key === undefined) return false;
    if (this.held.has(key)) this.metrics.drops.inc({ reason: 'coalesced' });
    this.held.set(key, frame);
    this.releaseOnDrain();
    return true;
  }

  /** Sends what was held: every sender's cursor in one frame, presence as it was. */
  private release(): void {
    const cursors: Uint8Array[] = [];
    const presence: Uint8Array[] = [];
    for (const [key, frame] of this.held) (isPresenceKey(key) ? presence : cursors).push(frame);
    this.held.clear();
    const combined = combineCursorFrames(cursors);
    if (combined) this.write(combined);
    for (const frame of presence) this.write(frame);
  }
}
