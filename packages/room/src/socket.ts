import { closeCodeOf, ERRORS, type ErrorCode, encode } from '@tandem/protocol';
import { utf8Length } from './parts/ids.js';

/**
 * The only thing the room knows of a transport. A WebSocket, a WebRTC DataChannel or a cluster
 * forwarder adapts to this. `send` must not throw; a transport that cannot deliver drops.
 */
export interface RoomSocket {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** A WebSocket close reason holds at most 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `message`, cut to fit a close reason. */
export function closeReason(message: string): string {
  let out = message;
  while (utf8Length(out) > MAX_CLOSE_REASON_BYTES) out = out.slice(0, -1);
  return out;
}

/**
 * Refuses a connection outside any room's own decisions: sends the error frame for `code`, then
 * closes with that code's close code, so a client that cannot read the frame still learns why.
 */
export function refuseSocket(
  socket: RoomSocket,
  code: ErrorCode,
  message: string = ERRORS[code].message,
): void {
  socket.send(encode({ type: 'error', code, rid: 0, message }));
  socket.close(closeCodeOf(code), closeReason(message));
}
