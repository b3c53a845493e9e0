import { ErrorCode } from '@tandem/protocol';

/**
 * Why a connection, a session or a request was turned away: the error its client is told (an
 * `error` frame and its close code on a socket, a status and body over HTTP). Thrown by rooms,
 * peer-to-peer signaling and the cluster alike, so every caller answers refusals one way.
 */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For a rate limit: milliseconds until the same request may succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Why a client is told to reconnect when its room's session has moved to another server. */
export const ROOM_MOVED = 'the room moved to another server; reconnect';

/**
 * The room's session is owned by another node of the cluster. The node that catches it forwards
 * the connection there; one that cannot (it was itself asked on another's behalf) tells the client
 * to reconnect, which is why this is a refusal too.
 */
export class RoomElsewhere extends Refusal {
  constructor(readonly owner: string) {
    super(ErrorCode.ServerShutdown, ROOM_MOVED);
  }
}
