import { closeCodeOf, ERRORS, ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import type { RoomSocket } from '@tandem/room';
import type { WebSocket } from 'ws';
import type { Metrics } from '../observability/metrics.js';

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
 * Adapts a `ws` socket to the room's {@link RoomSocket}. It counts bytes handed to `ws` and not yet
 * flushed to the kernel (via the send callback, a public signal, rather than `bufferedAmount`
 * internals). While a socket is backed up past the soft cap, cursor and presence frames are held
 * back keyed by (kind, sender slot), so a slow reader gets the latest position of each peer instead
 * of a growing queue; the rest of the room is never slowed by it.
 */
export class WsRoomSocket implements RoomSocket {
  private unflushed = 0;
  private readonly held = new Map<number, Uint8Array>();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: BackpressureLimits,
    private readonly metrics: Metrics,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.unflushed > this.limits.hardBytes) {
      this.metrics.drops.inc({ reason: 'slow_consumer' });
      this.fail(ErrorCode.SlowConsumer);
      return;
    }
    const tag = frame[0]!;
    if (this.unflushed > this.limits.softBytes && COALESCABLE.has(tag) && frame.length >= 3) {
      const group = tag === MESSAGES.presence.tag ? PRESENCE_GROUP : CURSOR_GROUP;
      const slot = frame[1]! | (frame[2]! << 8);
      if (this.held.has(group * 0x10000 + slot)) this.metrics.drops.inc({ reason: 'coalesced' });
      this.held.set(group * 0x10000 + slot, frame);
      return;
    }
    this.write(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
    this.ws.close(code, reason);
  }

  /** Sends a fatal error frame and closes with its close code (for refusals outside any room). */
  fail(code: ErrorCode, message = ERRORS[code].message): void {
    if (this.closed) return;
    this.write(encode({ type: 'error', code, rid: 0, message }));
    this.close(closeCodeOf(code), message.slice(0, 120));
  }

  /** Bytes handed to the socket and not yet flushed. */
  get backlog(): number {
    return this.unflushed;
  }

  private write(frame: Uint8Array): void {
    const size = frame.length;
    this.unflushed += size;
    this.metrics.frameOut(frame);
    this.ws.send(frame, { binary: true }, () => {
      this.unflushed -= size;
      if (this.held.size > 0 && this.unflushed <= this.limits.softBytes) this.release();
    });
  }

  private release(): void {
    const frames = [...this.held.values()];
    this.held.clear();
    for (const frame of frames) this.write(frame);
  }
}
