export type { AuthOption } from './auth.js';
export {
  type AppRoomOptions,
  type ClientOptions,
  type CreatedRoom,
  type CreateRoomOptions,
  createClient,
  type HostedSession,
  type HostOptions,
  type PeerToPeerOptions,
  type PeerToPeerSession,
  TandemClient,
} from './client.js';
export type { BackoffOptions } from './connection/backoff.js';
export type { LivenessOptions } from './connection/liveness.js';
export type { WebSocketConstructor, WebSocketLike } from './connection/transport.js';
export type { InitialDocument } from './documents/initial-document.js';
export { LwwMirror } from './documents/lww-mirror.js';
export { OpsMirror, type OpsReducer, type SequencedOp } from './documents/ops-mirror.js';
export { LwwDocument, OpsDocument } from './documents/renamed.js';
export { Emitter } from './emitter.js';
export { type ConnectionFault, ReadOnlyError, TandemError } from './errors.js';
export type {
  EditOutboxStore,
  StoredEdits,
  StoredLwwWrite,
  StoredOp,
  UnacknowledgedEdits,
} from './offline/edit-outbox.js';
export { indexedDbOutbox } from './offline/indexeddb-outbox.js';
export { memoryOutbox } from './offline/memory-outbox.js';
export { LoopbackSocket } from './p2p/loopback-socket.js';
export {
  type PeerChannel,
  type PeerChannelState,
  type PeerChannelStatus,
  peerChannelOf,
} from './p2p/peer-channel.js';
export type { IceServer, RTCPeerConnectionConstructor } from './p2p/signaling.js';
export { type KeyValueStorage, WebStorageRoomStore } from './p2p/web-storage-store.js';
export { RoomConnection, type RoomEvents, type RoomTarget } from './room-connection.js';
export { CursorInterpolator } from './state/interpolator.js';
export type {
  AccessOutcome,
  AccessRequest,
  ActivityEntry,
  ChatMessage,
  ConnectionStatus,
  Cursor,
  LockGrant,
  LockLoss,
  LockLostReason,
  LockState,
  OutgoingAccessRequest,
  Participant,
  RoomSettingsView,
  StatusChange,
  WaitingGuest,
} from './types.js';
