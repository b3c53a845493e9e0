import { ErrorCode } from '@tandem/protocol';

/** The HTTP status a refusal is answered with, by its error code; unlisted codes are the caller's default. */
export const HTTP_STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadMessage]: 400,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.HostLimit]: 429,
  [ErrorCode.ServerShutdown]: 503,
  [ErrorCode.RoomNotFound]: 404,
  [ErrorCode.DocTooLarge]: 413,
  [ErrorCode.WrongDocMode]: 409,
  [ErrorCode.Internal]: 500,
};
