/** Wire protocol version spoken by this package. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Oldest client protocol version a server of this package still accepts. */
export const MIN_PROTOCOL_VERSION = 1;

/** Who may enter a room without waiting. */
export const ADMISSION_POLICIES = ['open', 'host-approval', 'trusted'] as const;
export type AdmissionPolicy = (typeof ADMISSION_POLICIES)[number];

/** How a room's document is synchronised. */
export const DOC_MODES = ['lww', 'ops', 'yjs'] as const;
export type DocMode = (typeof DOC_MODES)[number];

/** A participant's role in its room. */
export const ROLES = ['guest', 'host'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a participant may do in its room: `write` edits; `read` receives the document, presence,
 * cursors and chat, may send presence, cursors and chat, and is refused every edit, lock and access
 * request. A participant is `write` unless a `peerAccess` says otherwise.
 */
export const ACCESS_LEVELS = ['write', 'read'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** A connection's own admission state, the only room fact a waiting connection is told. */
export const ADMISSION_STATES = ['waiting', 'admitted'] as const;
export type AdmissionState = (typeof ADMISSION_STATES)[number];

/** What the host does with a waiting or admitted participant. */
export const ADMIT_ACTIONS = ['admit', 'decline', 'remove'] as const;
export type AdmitAction = (typeof ADMIT_ACTIONS)[number];

/** Why a lock's state changed. */
export const LOCK_REASONS = ['acquired', 'renewed', 'released', 'expired', 'transferred'] as const;
export type LockReason = (typeof LOCK_REASONS)[number];

/** The lock holder's answer to an access request. */
export const ACCESS_DECISIONS = ['release', 'decline'] as const;
export type AccessDecision = (typeof ACCESS_DECISIONS)[number];

/** How an access request ended. `cancelled`: the lock went elsewhere or the requester left. */
export const ACCESS_OUTCOMES = ['granted', 'declined', 'timeout', 'cancelled'] as const;
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number];

/** Yjs sync steps, as in the y-protocols sync handshake. */
export const YJS_STEPS = ['state-vector', 'diff', 'update'] as const;
export type YjsStep = (typeof YJS_STEPS)[number];

/** What a peer-to-peer signaling frame carries. */
export const SIGNAL_KINDS = ['offer', 'answer', 'ice', 'join', 'leave'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];
/** The host's peer number in a peer-to-peer session's signaling; the server numbers guests from 1. */
export const HOST_PEER = 0;
