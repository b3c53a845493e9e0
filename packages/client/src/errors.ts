import { ERRORS, ErrorCode, type ErrorName } from '@tandem/protocol';

/**
 * Why a connection dropped when the room itself said nothing (code 0): the connection closed
 * (`Disconnected`), the server stopped answering (`NoAnswer`), or the device went offline (`Offline`).
 */
export type ConnectionFault = 'Disconnected' | 'NoAnswer' | 'Offline';

/**
 * An error reported by the room (or by the connection), with the protocol's stable code. Refusals
 * of a request (`rid` set) reject that request's promise; notices (rate limits) arrive as `error`
 * events; fatal codes end the connection.
 */
export class TandemError extends Error {
  override readonly name = 'TandemError';
  /** The protocol error name, e.g. `LockedByOther`. */
  readonly codeName: ErrorName | ConnectionFault;

  constructor(
    readonly code: ErrorCode | 0,
    message: string,
    readonly rid = 0,
    fault: ConnectionFault = 'Disconnected',
  ) {
    super(message);
    this.codeName = code === 0 ? fault : (ERRORS[code]?.name ?? 'Internal');
  }

  /** The connection ended before the request was answered. */
  static disconnected(): TandemError {
    return new TandemError(0, 'the connection closed before the room answered');
  }

  /** The browser reported the network gone (`offline`): the connection waits for it to return. */
  static offline(): TandemError {
    return new TandemError(0, 'offline: no network', 0, 'Offline');
  }

  /** Nothing came from the server for `quietMs`, a ping included: the connection was given up. */
  static noAnswer(quietMs: number): TandemError {
    return new TandemError(0, `no answer from the server for ${Math.round(quietMs / 1000)} s`, 0, 'NoAnswer');
  }
}

/**
 * This participant is a viewer (`readOnly`): the edit, lock or access request was not sent, and
 * the room would have refused it with `Forbidden`. Rejected at once, never kept for later.
 */
export class ReadOnlyError extends TandemError {
  constructor(what: string) {
    super(ErrorCode.Forbidden, `you are a viewer in this room: you cannot ${what}`);
  }
}
