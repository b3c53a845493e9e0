import type { Duplex } from 'node:stream';
import { closeCodeOf, decode, ERRORS, ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import { closeReason, combineCursorFrames, type RoomSocket } from '@tandem/room';
import { WebSocket } from 'ws';
import type { Metrics } from '../observability/metrics.js';
import type { FrameReader } from './frame-reader.js';
import { writeBinaryFrame } from './frame-writer.js';

/** Frames that only ever matter in their latest version per sender: safe to coalesce when backed up. */
const COALESCABLE = new Set<number>([
  MESSAGES.peerCursor2d.tag,
  MESSAGES.peerCursor3d.tag,
  MESSAGES.peerSelection.tag,
  MESSAGES.peerCursorClear.tag,
  MESSAGES.presence.tag,
]);
const CURSOR_GROUP = 0;
const PRESENCE_GROUP = 1;

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
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const backlog = this.stream.writableLength;
    if (backlog > this.limits.hardBytes) {
      this.metrics.drops.inc({ reason: 'slow_consumer' });
      this.fail(ErrorCode.SlowConsumer);
      return;
    }
    const tag = frame[0]!;
    if (
      this.held.size > 0 &&
      frame.length >= 3 &&
      (tag === MESSAGES.peerLeave.tag || tag === MESSAGES.peerVisibility.tag)
    ) {
      // A held cursor released after this frame would bring back a participant who left or hid.
      const slot = slotOf(frame);
      this.held.delete(heldKey(CURSOR_GROUP, slot));
      if (tag === MESSAGES.peerLeave.tag) this.held.delete(heldKey(PRESENCE_GROUP, slot));
    }
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
    this.write(encode({ type: 'error', code, rid: 0, message }));
    this.close(closeCodeOf(code), closeReason(message));
  }

  private write(frame: Uint8Array): void {
    // Once either side has begun the close, nothing may follow the close frame.
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.metrics.frameOut(frame);
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
   * is not coalescable. A room's per-tick cursor frames (packed 2D cursors, batches) are taken
   * apart so each sender is held on its own.
   */
  private hold(frame: Uint8Array): boolean {
    const tag = frame[0]!;
    if (tag === MESSAGES.peerCursors2d.tag || tag === MESSAGES.batch.tag) {
      const m = decode(frame);
      if (m.type === 'peerCursors2d') {
        for (const c of m.cursors) this.hold(encode({ type: 'peerCursor2d', ...c }));
      } else if (m.type === 'batch') {
        for (const item of m.frames) if (!this.hold(item.frame)) this.write(item.frame);
      }
      return true;
    }
    if (!COALESCABLE.has(tag) || frame.length < 3) return false;
    const key = heldKey(tag === MESSAGES.presence.tag ? PRESENCE_GROUP : CURSOR_GROUP, slotOf(frame));
    if (this.held.has(key)) this.metrics.drops.inc({ reason: 'coalesced' });
    this.held.set(key, frame);
    this.releaseOnDrain();
    return true;
  }

  /** Sends what was held: every sender's cursor in one frame, presence as it was. */
  private release(): void {
    const cursors: Uint8Array[] = [];
    const presence: Uint8Array[] = [];
    for (const frame of this.held.values())
      (frame[0] === MESSAGES.presence.tag ? presence : cursors).push(frame);
    this.held.clear();
    const combined = combineCursorFrames(cursors);
    if (combined) this.write(combined);
    for (const frame of presence) this.write(frame);
  }
}

/** The sender slot of a peer frame: every coalescable frame starts `tag, u16 slot (LE)`. */
function slotOf(frame: Uint8Array): number {
  return frame[1]! | (frame[2]! << 8);
}

/** One held frame per (kind of update, sender). */
function heldKey(group: number, slot: number): number {
  return group * 0x10000 + slot;
}
