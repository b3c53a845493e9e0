import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { FrameReader } from './frame-reader.js';

/**
 * Takes reading over from `ws` for a socket it has just upgraded (call it inside the upgrade
 * callback, before any data can flow): the stream's bytes go to a {@link FrameReader} instead of
 * `ws`'s receiver. `ws` keeps what is not on the hot path: the handshake, the pings it sends and
 * the pongs it answers with, its close frames and its close timer. Its `pong` event still fires, for
 * the heartbeat.
 *
 * @param ownListeners - the stream's `data` listeners from before the upgrade (left in place).
 */
export function readFrames(
  ws: WebSocket,
  stream: Duplex,
  ownListeners: readonly unknown[],
  maxPayload: number,
  onMessage: (data: Buffer, isBinary: boolean) => void,
  onProtocolError: (code: number, reason: string) => void,
  /** The client's close frame arrived, with this code (1005: none given). */
  onPeerClose: (code: number) => void = () => {},
): void {
  for (const listener of stream.listeners('data'))
    if (!ownListeners.includes(listener)) stream.removeListener('data', listener as (chunk: Buffer) => void);
  // Either way the close handshake is complete once our close frame is out, so the TCP connection
  // ends then, rather than when `ws` would have seen the client's close frame.
  const closeWith = (code: number, reason: string): void => {
    if (code === 1005) ws.close();
    else ws.close(code, reason);
    stream.end();
  };
  const reader = new FrameReader(maxPayload, {
    message: onMessage,
    ping: (payload) => {
      ws.pong(payload);
      ws.emit('ping', payload);
    },
    pong: (payload) => ws.emit('pong', payload),
    close: (code, reason) => {
      onPeerClose(code);
      closeWith(code, reason);
    },
    error: (code, reason) => {
      onProtocolError(code, reason);
      closeWith(code, reason);
    },
  });
  stream.on('data', (chunk: Buffer) => reader.push(chunk));
}
