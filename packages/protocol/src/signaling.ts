// What a peer-to-peer session's server, host and guests must agree on outside the frames
// themselves: the session id they name it by, the signal payloads the server relays, and how a
// frame travels over a DataChannel.

/** Letters and digits that cannot be misread for one another (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A peer-to-peer session id: `nss-` then 6 and 4 characters, as `nss-ab12cd-3xy7`. */
export const P2P_SESSION_ID = /^nss-[a-z0-9]{6}-[a-z0-9]{4}$/;

/**
 * A fresh peer-to-peer session id, matching {@link P2P_SESSION_ID}, from `random` (uniform in
 * [0, 1); crypto-strength, as ids must not be guessable).
 */
export function makeP2PSessionId(random: () => number): string {
  const pick = (n: number) =>
    Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  return `nss-${pick(6)}-${pick(4)}`;
}

/**
 * The largest `signal` payload (an offer's or answer's SDP, a candidate) the server relays by
 * default, in bytes: a client sending more is refused with `PayloadTooLarge`.
 */
export const MAX_SIGNAL_PAYLOAD_BYTES = 16 * 1024;

/**
 * The first byte of every DataChannel message between host and guest. A room frame may be larger
 * than a DataChannel message can be, so it travels whole or in pieces, in order.
 */
export const DataChannelFlag = {
  /** The rest of the message is a whole frame. */
  Whole: 0,
  /** A piece of a frame; more pieces follow. */
  Part: 1,
  /** A frame's last piece: the frame is its pieces, in order, concatenated. */
  Last: 2,
  /**
   * Nothing follows: the sender is closing the channel on purpose (its user disconnected), so the
   * peer takes the close as final and does not reconnect.
   */
  Goodbye: 3,
} as const;
export type DataChannelFlag = (typeof DataChannelFlag)[keyof typeof DataChannelFlag];

/** The largest DataChannel message sent, flag included: safe on every browser (some allow 64 KiB). */
export const MAX_DATA_CHANNEL_MESSAGE_BYTES = 16 * 1024;

/**
 * What a host allows a frame over a guest's DataChannel beyond the room's document cap: the
 * envelope around a whole document. A larger frame closes the channel.
 */
export const DATA_CHANNEL_FRAME_SLACK_BYTES = 64 * 1024;
