import type { AccessLevel, AccessOutcome, AdmissionPolicy, DocMode, Role } from '@tandem/protocol';
import type { TandemError } from './errors.js';

/**
 * Where a room connection is. `waiting`: connected but not yet admitted by the host.
 * `reconnecting`: the connection dropped and a retry is scheduled. `disconnected`: stopped for good
 * (left, or a close code that retrying cannot fix, such as declined or removed).
 */
export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'waiting'
  | 'connected'
  | 'reconnecting'
  | 'disconnected';

/** A status change and why it happened. */
export interface StatusChange {
  status: ConnectionStatus;
  previous: ConnectionStatus;
  /** The error that caused it, for `reconnecting` and `disconnected`. */
  error?: TandemError;
}

/** Someone in the room. `presence` is the app's JSON, parsed. */
export interface Participant {
  slot: number;
  userId: string;
  name: string;
  color: string;
  role: Role;
  /** `read`: a viewer, who sees everything and edits nothing; `write`: an editor. */
  access: AccessLevel;
  hidden: boolean;
  presence: unknown;
  isSelf: boolean;
}

/** A cursor position: a 2D or 3D point, or a text selection in an element. */
export type Cursor =
  | { kind: '2d'; x: number; y: number }
  | { kind: '3d'; x: number; y: number; z: number }
  | { kind: 'selection'; element: string; anchor: number; head: number };

/** Who holds a resource, from this client's point of view. */
export type LockState =
  | { kind: 'free'; readOnly: false }
  | {
      kind: 'mine';
      readOnly: false;
      lockId: string;
      fence: number;
      /** When the lease lapses unless renewed (client clock, ms); activity in the resource renews it. */
      expiresAt: number;
    }
  | { kind: 'held'; readOnly: true; holderUserId: string; holder: Participant | undefined; fence: number };

/** A held lock of this user. */
export interface LockGrant {
  resource: string;
  lockId: string;
  fence: number;
  /** When the lease lapses unless renewed (client clock, ms). */
  expiresAt: number;
}

/**
 * Why this user no longer holds a lock it did not release itself: `expired` (the lease ran out
 * with no activity in the resource, or lapsed while offline), `released-to-requester` (this user
 * answered an access request with Release, so it passed to them), `removed` (the room freed it: the
 * host removed this user, or another tab released it).
 */
export type LockLostReason = 'expired' | 'released-to-requester' | 'removed';

/** A hold this user lost; see {@link LockLostReason}. */
export interface LockLoss {
  resource: string;
  reason: LockLostReason;
}

/** This user's own open request for someone else's lock. */
export interface OutgoingAccessRequest {
  requestId: number;
  resource: string;
  /** When it times out unanswered (client clock, ms). */
  expiresAt: number;
}

/** An access request for one of this user's locks, to answer. */
export interface AccessRequest {
  requestId: number;
  resource: string;
  from: Participant | undefined;
  fromUserId: string;
  message: string;
  /** When it times out unanswered (client clock, ms). */
  expiresAt: number;
  /** Hands the lock straight to the requester. */
  release(): void;
  decline(): void;
}

export type { AccessOutcome };

/** Room settings as this client sees them; `trusted` is filled for the host only. */
export interface RoomSettingsView {
  policy: AdmissionPolicy;
  docMode: DocMode;
  joinCode: string;
  hostUserId: string;
  trusted: string[];
}

/** Someone waiting for the host. */
export interface WaitingGuest {
  slot: number;
  userId: string;
  name: string;
  email: string;
  color: string;
}

/** One chat message. */
export interface ChatMessage {
  id: number;
  author: { slot: number; userId: string; name: string; color: string } | undefined;
  at: number;
  text: string;
  mine: boolean;
}

/** One entry of the activity log. */
export interface ActivityEntry {
  at: number;
  kind: 'status' | 'peer' | 'op' | 'lock' | 'chat' | 'error' | 'admission';
  message: string;
}
