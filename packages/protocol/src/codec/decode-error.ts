/** Why a frame failed to decode. */
export type DecodeErrorReason =
  | 'empty-frame'
  | 'unknown-type'
  | 'truncated'
  | 'varuint-overflow'
  | 'invalid-utf8'
  | 'invalid-enum'
  | 'invalid-bool'
  | 'nested-batch'
  | 'trailing-bytes';

/**
 * A frame that is not a valid Tandem message. `offset` is the byte position in the frame where
 * decoding stopped, so a report can point at the exact bad byte.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly reason: DecodeErrorReason,
    readonly offset: number,
    detail: string,
  ) {
    super(`${reason} at byte ${offset}: ${detail}`);
  }
}

/** Thrown when asked to encode a value that does not fit its field; always a caller bug. */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}
