import { closeCodeOf, decode, ERRORS, type ErrorCode, MESSAGES } from '@tandem/protocol';
import type { RoomSocket } from '@tandem/room';
import { toMessages } from './chunks.js';

/** What the room needs of a DataChannel (the browser's `RTCDataChannel`). */
export interface DataChannelLike {
  binaryType: string;
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Past this many bytes queued on a guest's channel, the host's room drops the guest as too slow. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * On the host, a guest's DataChannel as the room sees it. A DataChannel has no close code: the
 * room's error frame, sent before it closes a connection, carries the reason, and the guest's side
 * reads its close code from that frame (see {@link closeCodeFromFrames}).
 */
export class ChannelRoomSocket implements RoomSocket {
  constructor(private readonly channel: DataChannelLike) {}

  send(frame: Uint8Array): void {
    sendFrame(this.channel, frame);
  }

  close(): void {
    // After the frames already queued: a DataChannel delivers what was sent before close().
    this.channel.close();
  }
}

/**
 * Sends one protocol frame over `channel` (in pieces when large, see `chunks.ts`). Never throws: a
 * channel that is not open drops it, and one backed up past its limit, or that refuses a message,
 * is closed (its peer reconnects).
 */
export function sendFrame(channel: DataChannelLike, frame: Uint8Array): void {
  if (channel.readyState !== 'open') return;
  if (channel.bufferedAmount > MAX_BUFFERED) return channel.close();
  try {
    for (const message of toMessages(frame)) channel.send(message);
  } catch {
    channel.close();
  }
}

/**
 * Watches the frames a guest receives for the fatal error a room sends before it closes a
 * connection, so the channel's close can be reported with that error's close code (4000 + code),
 * as a WebSocket close would be: the client then knows whether to reconnect.
 */
export class CloseCodeWatcher {
  private fatal: ErrorCode | undefined;

  /** Looks at one received frame. */
  saw(frame: Uint8Array): void {
    if (frame[0] !== ERROR_TAG) return;
    try {
      const message = decode(frame);
      if (message.type === 'error' && ERRORS[message.code as ErrorCode]?.fatal)
        this.fatal = message.code as ErrorCode;
    } catch {
      // Not ours to judge: the client reports a bad frame itself.
    }
  }

  /** The close code the channel's close stands for: the room's fatal error, or 1006 (lost). */
  code(): number {
    return this.fatal === undefined ? 1006 : closeCodeOf(this.fatal);
  }
}

const ERROR_TAG = MESSAGES.error.tag;
