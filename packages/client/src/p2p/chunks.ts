import { DataChannelFlag, MAX_DATA_CHANNEL_MESSAGE_BYTES } from '@tandem/protocol';

/**
 * Protocol frames over a DataChannel. A DataChannel message has a size limit (Chromium's is
 * 256 KiB, some browsers' 64 KiB) and a room frame may be larger (a 512 KiB document), so every
 * message starts with a {@link DataChannelFlag}: a frame in one message, a piece that more follow,
 * or a frame's last piece. The channel is ordered and reliable, so pieces arrive in order.
 */
const { Whole: WHOLE, Part: PART, Last: LAST, Goodbye: GOODBYE } = DataChannelFlag;

/** The message a peer sends before closing its channel on purpose: the other side does not reconnect. */
export const GOODBYE_MESSAGE: Uint8Array = Uint8Array.of(GOODBYE);

/** True for {@link GOODBYE_MESSAGE}. */
export function isGoodbye(message: Uint8Array): boolean {
  return message.length === 1 && message[0] === GOODBYE;
}

/** The largest message sent: safe on every browser's DataChannel. */
export const MAX_MESSAGE_BYTES = MAX_DATA_CHANNEL_MESSAGE_BYTES;

/** The DataChannel messages that carry `frame`. */
export function toMessages(frame: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): Uint8Array[] {
  const room = maxBytes - 1;
  if (frame.length <= room) return [withFlag(WHOLE, frame)];
  const messages: Uint8Array[] = [];
  for (let at = 0; at < frame.length; at += room) {
    const end = Math.min(at + room, frame.length);
    messages.push(withFlag(end === frame.length ? LAST : PART, frame.subarray(at, end)));
  }
  return messages;
}

function withFlag(flag: number, bytes: Uint8Array): Uint8Array {
  const message = new Uint8Array(bytes.length + 1);
  message[0] = flag;
  message.set(bytes, 1);
  return message;
}

/**
 * Puts frames back together from the messages of one channel. A frame larger than `maxFrameBytes`
 * or a message with an unknown flag is refused (the channel is then closed by its owner).
 */
export class FrameAssembler {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** The frame this message completes, undefined while a frame is still arriving; throws on bad input. */
  push(message: Uint8Array): Uint8Array | undefined {
    const flag = message[0];
    const body = message.subarray(1);
    if (flag === WHOLE && this.parts.length === 0) return body;
    if (flag !== PART && flag !== LAST)
      throw new Error(`unexpected DataChannel message flag ${String(flag)}`);
    this.size += body.length;
    if (this.size > this.maxFrameBytes) throw new Error('frame larger than allowed');
    this.parts.push(body.slice());
    if (flag === PART) return undefined;
    const frame = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      frame.set(part, at);
      at += part.length;
    }
    this.parts = [];
    this.size = 0;
    return frame;
  }
}
