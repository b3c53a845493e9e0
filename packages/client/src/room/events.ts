import type { TandemError } from '../errors.js';
import type {
  AccessRequest,
  ActivityEntry,
  ChatMessage,
  Cursor,
  LockLoss,
  OutgoingAccessRequest,
  Participant,
  RoomSettingsView,
  StatusChange,
} from '../types.js';

/** Events of a {@link RoomConnection}; every listener gets the new value. */
export type RoomEvents = {
  status: [StatusChange];
  /** The participant list changed (join, leave, presence, visibility). */
  others: [readonly Participant[]];
  self: [Participant | undefined];
  join: [Participant];
  leave: [Participant];
  /** A peer's cursor moved (undefined: gone). */
  cursor: [number, Cursor | undefined];
  /** Any lock changed. */
  locks: [];
  /** Someone asks for one of this user's locks. */
  accessRequest: [AccessRequest];
  /** An access request to this user was closed (answered, timed out, cancelled). */
  accessRequestClosed: [number];
  /** An access request to this user timed out unanswered: the holder missed it. */
  accessRequestMissed: [AccessRequest];
  /** This user's own request reached the holder (with when it times out), or ended (undefined). */
  accessPending: [string, OutgoingAccessRequest | undefined];
  /** A hold of this user ended without its release: it expired, went to a requester, or was freed. */
  lockLost: [LockLoss];
  chat: [ChatMessage];
  /** The transcript was replaced (admission snapshot after a join or reconnect). */
  chatHistory: [readonly ChatMessage[]];
  /** The unread count changed. */
  unread: [number];
  /** Waiting list (host) or own admission state changed. */
  admission: [];
  settings: [RoomSettingsView];
  /** A refusal or notice from the room that no request promise took (e.g. rate limits). */
  error: [TandemError];
  activity: [ActivityEntry];
};
