import { ErrorCode } from '@tandem/protocol';
import type { Logger } from '../observability/logger.js';
import { Refusal } from '../refusal.js';
import type { Attachment } from './attachment.js';

/** What a {@link Link} needs of the connection it serves. */
export interface LinkOptions {
  /** Frames the client may send before the connection is attached. */
  maxQueuedFrames: number;
  /** Bytes the client may send before the connection is attached. */
  maxQueuedBytes: number;
  /** Ends the connection, telling its client why (an `error` frame, then its close code). */
  refuse(code: ErrorCode, message?: string): void;
  /**
   * Whether the connection's own side has closed it meanwhile (a socket that refused its client):
   * frames it still reads are dropped, and an attachment arriving late is let go of at once.
   */
  isClosed?(): boolean;
  logger: Logger;
  /** Added to the log lines of this connection's defects. */
  log: Record<string, unknown>;
}

/**
 * One connection's link to what it connected to, for a WebSocket of this server and for one a
 * cluster forwards from another alike. Opening a room can take a load from the store or a round
 * trip to another server, and clients send `hello` without waiting: frames that arrive meanwhile
 * queue (bounded, else the connection is refused as a flood) and are delivered in order once it is
 * attached. An attachment that arrives after the connection has gone is detached at once, and a
 * refused opening is told to the client.
 */
export class Link {
  private attached: Attachment | undefined;
  private gone = false;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;

  constructor(private readonly options: LinkOptions) {}

  /** Waits for the connection's attachment; a refusal (or a defect) closes the connection. */
  attach(opening: Promise<Attachment>): void {
    opening.then(
      (attachment) => {
        if (this.gone || this.options.isClosed?.()) return attachment.detach();
        this.attached = attachment;
        this.queuedBytes = 0;
        for (const frame of this.queue.splice(0)) {
          // A frame may have cost the connection its place (a defect refused it): the rest go nowhere.
          if (this.attached !== attachment) return;
          this.deliver(attachment, frame);
        }
      },
      (error: unknown) => {
        if (error instanceof Refusal) return this.options.refuse(error.code, error.message);
        this.options.logger.error({ err: error, ...this.options.log }, 'could not attach connection');
        this.options.refuse(ErrorCode.Internal);
      },
    );
  }

  /** A frame from the client: delivered, or queued until the connection is attached. */
  receive(frame: Uint8Array): void {
    if (this.attached) return this.deliver(this.attached, frame);
    if (this.gone || this.options.isClosed?.()) return;
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (this.queue.length > this.options.maxQueuedFrames || this.queuedBytes > this.options.maxQueuedBytes)
      this.options.refuse(ErrorCode.Flood, 'too much sent before the room was ready');
  }

  /** The connection has gone: it leaves what it is attached to (cleanly: a close with code 1000). */
  leave(clean = false): void {
    this.gone = true;
    this.queue.length = 0;
    const leaving = this.attached;
    this.attached = undefined;
    if (!leaving) return;
    if (clean && leaving.leaveCleanly) leaving.leaveCleanly();
    else leaving.detach();
  }

  /**
   * A frame that meets a defect where it goes costs its own connection (closed with Internal, and
   * its client connects again), never the process and every room in it; skipping the frame and
   * going on would leave the client with a gap it is never told of.
   */
  private deliver(attachment: Attachment, frame: Uint8Array): void {
    try {
      attachment.receive(frame);
    } catch (error) {
      this.options.logger.error(
        { err: error, ...this.options.log },
        'a frame could not be handled; closing its connection',
      );
      this.options.refuse(ErrorCode.Internal);
    }
  }
}
