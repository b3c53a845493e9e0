import { ERRORS, ErrorCode, type ErrorName } from '@tandem/protocol';

/**
 * An error reported by the room (or by the connection), with the protocol's stable code. Refusals
 * of a request (`rid` set) reject that request's promise; notices (rate limits) arrive as `error`
 * events; fatal codes end the connection.
 */
export class TandemError extends Error {
  override readonly name = 'TandemError';
  /** The protocol error name, e.g. `LockedByOther`. */
  readonly codeName: ErrorName | 'Disconnected';

  constructor(
    readonly code: ErrorCode | 0,
    message: string,
    readonly rid = 0,
  ) {
    super(message);
    this.codeName = code === 0 ? 'Disconnected' : (ERRORS[code]?.name ?? 'Internal');
  }

  /** The connection ended before the request was answered. */
  static disconnected(): TandemError {
    return new TandemError(0, 'the connection closed before the room answered');
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
