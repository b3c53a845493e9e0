export type { ActivityInput, AdmittedBy, RoomActivity } from './activity.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export type { JoinGate, RoomConfig } from './config.js';
export {
  type DocumentContent,
  DocumentRefused,
  type ReplaceOutcome,
  versionOf,
} from './documents/content.js';
export type {
  AnyRoomDocument,
  DocumentContext,
  DocumentFactory,
  DocumentMessage,
  DocumentMessages,
  RoomDocument,
} from './documents/document.js';
export { builtinDocument } from './documents/factory.js';
export { LwwDocument } from './documents/lww.js';
export { OpsDocument } from './documents/ops.js';
export { type Access, cleanDisplayName, type Identity, normalizeEmail, plainIdentity } from './identity.js';
export {
  type BudgetKind,
  type Budgets,
  DEFAULT_LIMITS,
  type InitialSettings,
  type LimitOverrides,
  type RoomLimits,
  resolveLimits,
} from './options.js';
export { isEmailAddress } from './parts/admission.js';
export type { SessionSettings } from './parts/admission-flow.js';
export { type BudgetVerdict, RateBucket } from './parts/budget.js';
export { PALETTE } from './parts/colors.js';
export { combineCursorFrames } from './parts/cursors.js';
export { makeJoinCode } from './parts/ids.js';
export { Room } from './room.js';
export { closeReason, type RoomSocket, refuseSocket } from './socket.js';
export {
  applyWrites,
  EPOCH_SPAN,
  emptyRecord,
  MemoryRoomStore,
  type RoomRecord,
  type RoomSettings,
  type RoomStore,
  type RoomWrite,
  type StoredClient,
  type StoredDoc,
  type StoredLock,
  type StoredOp,
} from './storage.js';
