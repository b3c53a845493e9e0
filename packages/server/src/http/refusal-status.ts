import { ERRORS, ErrorCode } from '@tandem/protocol';
import type { Refusal } from '../refusal.js';
import { HttpError } from './json.js';

/** The HTTP status of each refusal the API can meet; any other is a 400. */
export const HTTP_STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadMessage]: 400,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.RoomNotFound]: 404,
  [ErrorCode.WrongDocMode]: 409,
  [ErrorCode.DocTooLarge]: 413,
  [ErrorCode.HostLimit]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.ServerShutdown]: 503,
};

/** A refusal as the API answers it: its status, its error name and its message. */
export function httpRefusal(error: Refusal): HttpError {
  return new HttpError(HTTP_STATUS_OF[error.code] ?? 400, ERRORS[error.code].name, error.message);
}
