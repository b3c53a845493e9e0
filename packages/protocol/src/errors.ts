/**
 * Stable error codes shared by room, server and client. A code marked `fatal` ends the connection:
 * the room sends an `error` frame, then closes the socket with close code `4000 + code`. `retry`
 * tells a client whether reconnecting can help.
 */
export const ErrorCode = {
  /** A frame failed to decode or is not allowed in this direction. */
  BadMessage: 1,
  /** The client speaks an older protocol than the server accepts. */
  ClientTooOld: 2,
  /** The client speaks a newer protocol than the server knows. */
  ServerTooOld: 3,
  /** No valid token, or the token was rejected. */
  Unauthorized: 4,
  /** The token expired during the connection; reconnect with a fresh one. */
  TokenExpired: 5,
  /** A room message was sent before admission. */
  NotAdmitted: 6,
  /** The sender's role or access does not allow this request: a host-only action, or a viewer's edit, lock or access request. */
  Forbidden: 7,
  /** The room has its maximum number of participants. */
  RoomFull: 8,
  /** The host declined the join request. */
  Declined: 9,
  /** The host removed this participant. */
  Removed: 10,
  /** A message exceeded its budget and was dropped. */
  RateLimited: 11,
  /** The connection kept exceeding its budgets and was closed. */
  Flood: 12,
  /** A document exceeded the size cap; the room's document is unchanged. */
  DocTooLarge: 13,
  /** The resource is locked by another user. */
  LockedByOther: 14,
  /** The lock id does not match the current grant. */
  StaleLockId: 15,
  /** The named slot, resource or request does not exist. */
  NotFound: 16,
  /** The request conflicts with one already open. */
  Conflict: 17,
  /** A presence, chat, message or id field exceeded its cap. */
  PayloadTooLarge: 18,
  /** The message belongs to a document mode this room does not use. */
  WrongDocMode: 19,
  /** Too many joins by this user in the last minute. */
  JoinRateLimited: 20,
  /** This user already hosts the maximum number of rooms. */
  HostLimit: 21,
  /** The server is shutting down; reconnect (to another node). */
  ServerShutdown: 22,
  /** The connection could not keep up with its room and was closed. */
  SlowConsumer: 23,
  /** No pong within the heartbeat window. */
  HeartbeatTimeout: 24,
  /** The room was closed. */
  RoomClosed: 25,
  /** The room or join code does not exist. */
  RoomNotFound: 26,
  /** The server failed; the request had no effect. */
  Internal: 27,
  /** The room refused the user: not on the trusted list of a trusted-only room. */
  NotTrusted: 28,
  /** Too many people are already waiting for admission. */
  WaitingRoomFull: 29,
  /** The connection did not send `hello` in time. */
  HelloTimeout: 30,
  /** A companion room refused the user: the session it belongs to has not admitted them. */
  NotInSession: 31,
  /**
   * A peer-to-peer session's host is not connected now (not yet, or away for a moment: its page
   * reloading, its network dropping); the session waits for it, so a guest tries again.
   */
  HostAway: 32,
  /** The host ended the session for everyone: its rooms and join code are gone. */
  SessionEnded: 33,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ErrorName = keyof typeof ErrorCode;

/** How a code behaves on the wire. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly name: ErrorName;
  /** The connection is closed after the error frame, with close code `4000 + code`. */
  readonly fatal: boolean;
  /** Reconnecting may succeed, for a connection closed with this code (fatal codes, and Internal). */
  readonly retry: boolean;
  /** Default human-readable message. */
  readonly message: string;
}

const info = (name: ErrorName, fatal: boolean, retry: boolean, message: string): ErrorInfo => ({
  code: ErrorCode[name],
  name,
  fatal,
  retry,
  message,
});

/** Behaviour of every error code, as data the server and client share. */
export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = Object.fromEntries(
  [
    info('BadMessage', false, false, 'malformed or unexpected message'),
    info('ClientTooOld', true, false, 'this client is too old for the server; upgrade the client'),
    info(
      'ServerTooOld',
      true,
      false,
      'this server is too old for the client; use an older client or upgrade the server',
    ),
    info('Unauthorized', true, false, 'not authorized'),
    info('TokenExpired', true, true, 'token expired; reconnect with a fresh token'),
    info('NotAdmitted', false, false, 'not admitted to the room yet'),
    info('Forbidden', false, false, 'only the host may do that'),
    info('RoomFull', true, false, 'the room is full'),
    info('Declined', true, false, 'the host declined your request to join'),
    info('Removed', true, false, 'the host removed you from the room'),
    info('RateLimited', false, false, 'rate limit exceeded; message dropped'),
    info('Flood', true, true, 'too many messages; connection closed'),
    info('DocTooLarge', false, false, 'document too large'),
    info('LockedByOther', false, false, 'locked by another user'),
    info('StaleLockId', false, false, 'lock id does not match the current lock'),
    info('NotFound', false, false, 'not found'),
    info('Conflict', false, false, 'a request is already open'),
    info('PayloadTooLarge', false, false, 'payload too large'),
    info('WrongDocMode', false, false, 'this room uses a different document mode'),
    info('JoinRateLimited', true, true, 'too many joins in the last minute; try again shortly'),
    info('HostLimit', true, false, 'you already host the maximum number of rooms'),
    info('ServerShutdown', true, true, 'server shutting down; reconnect'),
    info('SlowConsumer', true, true, 'connection too slow to keep up; reconnect'),
    info('HeartbeatTimeout', true, true, 'no heartbeat; reconnect'),
    info('RoomClosed', true, false, 'the room was closed'),
    info('RoomNotFound', true, false, 'no such room or join code'),
    // Retry: where it closes a connection (a defect met on the way in, a failed attach), connecting
    // again may well succeed.
    info('Internal', false, true, 'internal error; the request had no effect'),
    info('NotTrusted', true, false, 'this room admits only its trusted list'),
    info('WaitingRoomFull', true, true, 'the waiting room is full; try again later'),
    info('HelloTimeout', true, true, 'no hello within the time allowed'),
    info('NotInSession', true, false, 'this room follows a session that has not admitted you'),
    info('HostAway', true, true, 'the host is not in this session right now; trying again'),
    info('SessionEnded', true, false, 'the host ended the session'),
  ].map((e) => [e.code, e]),
) as Record<ErrorCode, ErrorInfo>;

/** WebSocket close code for a fatal error: `4000 + code`. */
export function closeCodeOf(code: ErrorCode): number {
  return 4000 + code;
}

/** The error code a close code carries, if it is one of ours. */
export function errorOfCloseCode(closeCode: number): ErrorInfo | undefined {
  return closeCode > 4000 && closeCode < 5000 ? ERRORS[(closeCode - 4000) as ErrorCode] : undefined;
}
