import type { AccessLevel, AccessOutcome, DocMode, ErrorCode, LockReason, Role } from '@tandem/protocol';
import type { RoomSettings } from './storage.js';

/** How a participant got in. */
export type AdmittedBy = 'host-role' | 'policy' | 'trusted' | 'returning' | 'host';

/**
 * Something that happened in a room, for observers: logs, metrics, the demo's activity panel.
 * Every event carries the room clock's time.
 */
export type RoomActivity = { readonly at: number } & (
  | { readonly type: 'waiting'; readonly slot: number; readonly userId: string; readonly name: string }
  | {
      readonly type: 'admitted';
      readonly slot: number;
      readonly userId: string;
      readonly name: string;
      readonly role: Role;
      readonly by: AdmittedBy;
    }
  | { readonly type: 'declined'; readonly slot: number; readonly userId: string }
  | { readonly type: 'removed'; readonly userId: string }
  /** The host ended the session: everyone was closed with `SessionEnded`, and nobody gets in. */
  | { readonly type: 'session-ended' }
  | { readonly type: 'left'; readonly slot: number; readonly userId: string; readonly wasAdmitted: boolean }
  | {
      readonly type: 'lock';
      readonly resource: string;
      readonly reason: LockReason;
      /** Holder after the change; empty when the resource became free. */
      readonly userId: string;
      readonly fence: number;
    }
  | {
      readonly type: 'access';
      readonly requestId: number;
      readonly resource: string;
      readonly userId: string;
      readonly outcome: 'requested' | AccessOutcome;
    }
  /** The host made a user a viewer (`read`) or an editor again (`write`). */
  | { readonly type: 'access-level'; readonly userId: string; readonly access: AccessLevel }
  | { readonly type: 'doc'; readonly mode: DocMode; readonly version: number; readonly slot: number }
  | { readonly type: 'chat'; readonly id: number; readonly slot: number }
  | { readonly type: 'settings'; readonly settings: Readonly<RoomSettings> }
  | {
      readonly type: 'error';
      readonly slot: number;
      readonly code: ErrorCode;
      readonly message: string;
      readonly fatal: boolean;
    }
  | { readonly type: 'store-failed'; readonly error: unknown }
);

/** Distributes `T` over a union so each member keeps its own fields when `at` is omitted. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An activity event before the room stamps its time. */
export type ActivityInput = DistributiveOmit<RoomActivity, 'at'>;
