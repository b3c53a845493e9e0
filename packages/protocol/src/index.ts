export { coalesceKey, isPresenceKey, splitFrame, staleKeys } from './codec/coalesce.js';
export {
  decodeAll,
  isCursor2dFrame,
  packCursors2d,
  packedWithout,
  peerCursor2dFrame,
} from './codec/cursor-pack.js';
export { DecodeError, type DecodeErrorReason, EncodeError } from './codec/decode-error.js';
export { type DecodeResult, decode, encode, nameOfTag, tagOf, tryDecode } from './codec/message.js';
export { Reader } from './codec/reader.js';
export { utf8Decode, utf8Encode } from './codec/text.js';
export { Writer } from './codec/writer.js';
export * from './enums.js';
export {
  closeCodeOf,
  ERRORS,
  ErrorCode,
  type ErrorInfo,
  type ErrorName,
  errorOfCloseCode,
} from './errors.js';
export { secureRandom } from './random.js';
export {
  type Direction,
  type EnumKind,
  type FieldKind,
  type FieldList,
  type ListKind,
  MESSAGES,
  type MessageName,
  type MessageSpec,
  type ScalarKind,
} from './schema.js';
export {
  DATA_CHANNEL_FRAME_SLACK_BYTES,
  DataChannelFlag,
  MAX_DATA_CHANNEL_MESSAGE_BYTES,
  MAX_SIGNAL_PAYLOAD_BYTES,
  makeP2PSessionId,
  P2P_SESSION_ID,
} from './signaling.js';
export type {
  ClientMessage,
  ClientMessageName,
  Message,
  MessageOf,
  Record_ as FieldRecord,
  ServerMessage,
  ServerMessageName,
} from './types.js';
