import type { AdmissionPolicy, DocMode } from '@tandem/protocol';

/** Per-connection message budgets, in messages per second. */
export interface Budgets {
  /** Document edits (lww sets, operations, snapshots, Yjs updates). Default 8. */
  doc: number;
  /** Cursor and selection moves. Default 15. */
  cursor: number;
  /** Chat messages. Default 2. */
  chat: number;
  /** Presence, visibility and Yjs awareness updates. Default 15. */
  presence: number;
  /** Everything else: locks, access requests, admission, malformed frames. Default 30. */
  control: number;
}

export type BudgetKind = keyof Budgets;

/** Every limit of a room, each with its documented default. */
export interface RoomLimits {
  /** Admitted connections at most; the next is refused with `RoomFull`. Default 10. */
  maxParticipants: number;
  /** Connections waiting for the host at most; the next is refused with `WaitingRoomFull`. Default 50. */
  maxWaiting: number;
  /** Connections that have not said hello yet, at most; the next is refused with `WaitingRoomFull`. Default 20. */
  maxPendingHellos: number;
  /** A connection that has not said hello after this long is closed with `HelloTimeout`. Default 10 000 ms. */
  helloTimeoutMs: number;
  /**
   * Cursor moves wait up to this long so each recipient gets every sender's latest position in one
   * frame; 0 sends each move at once. Default 16 ms.
   */
  cursorTickMs: number;
  /** Lock lease length; renewed by the holder's activity. Default 60 000 ms. */
  lockTtlMs: number;
  /**
   * A user the host declined or removed is refused (`Declined`, `Removed`) for this long when
   * they knock again; 0 lets them knock at once. Default 60 000 ms.
   */
  knockCooldownMs: number;
  /** An unanswered access request times out after this. Default 10 000 ms. */
  accessTimeoutMs: number;
  /** Access request message length, in characters. Default 280. */
  maxAccessMessageChars: number;
  /** Locks one user may hold at once. Default 32. */
  maxLocksPerUser: number;
  /** Resource id and text-selection element id length, in UTF-8 bytes. Default 256. */
  maxResourceIdBytes: number;
  /** Whole document (lww) and ops snapshot size. Default 512 KiB. */
  maxDocBytes: number;
  /** One operation (ops mode). Default 64 KiB. */
  maxOpBytes: number;
  /** Operations kept since the last snapshot, in bytes; when full, new operations are refused until a snapshot arrives. Default 8 MiB. */
  maxOpsLogBytes: number;
  /** App-defined presence state. Default 4 KiB. */
  maxPresenceBytes: number;
  /** Yjs awareness states in one `awareness` message, in UTF-8 bytes (yjs rooms). Default 8 KiB. */
  maxAwarenessBytes: number;
  /** One chat message. Default 4 KiB. */
  maxChatBytes: number;
  /** Chat messages kept in the room's transcript. Default 200. */
  maxChatHistory: number;
  /** Trusted emails per room. Default 500. */
  maxTrusted: number;
  /** Display name length, in characters. Default 64. */
  maxNameChars: number;
  /**
   * Clients whose edits the room remembers to answer their retries (the least recently active is
   * forgotten first; a forgotten client's retry is applied as new). Default 1024.
   */
  maxRetryClients: number;
  /** Latest edits remembered per client, with what became of each. Default 64. */
  retryWindow: number;
  /**
   * Per-connection budgets. Over budget a message is dropped; a request (with a rid) is always answered
   * with `RateLimited`, a stream (cursors, presence) is told at most once a second.
   */
  budgets: Budgets;
  /** A connection sending over `floodFactor` × a budget … Default 3. */
  floodFactor: number;
  /** … for this many consecutive seconds is closed with `Flood`. Default 5. */
  floodSeconds: number;
  /**
   * Refuse edits to resources the sender has not locked (not just resources others hold), and every
   * edit naming no resource (`''`), which no lock can cover. It governs the writes that name a
   * resource (`lwwSet`, `opSubmit`); `opsSnapshot` (a compaction of operations already accepted)
   * and `yjs` updates name none and are not checked. Off, a write naming no resource is let through
   * even while others hold locks: locks bind the writes that name what they touch. Default false.
   */
  editRequiresLock: boolean;
}

/** The defaults of {@link RoomLimits}. */
export const DEFAULT_LIMITS: Readonly<RoomLimits> = Object.freeze({
  maxParticipants: 10,
  maxWaiting: 50,
  maxPendingHellos: 20,
  helloTimeoutMs: 10_000,
  cursorTickMs: 16,
  lockTtlMs: 60_000,
  knockCooldownMs: 60_000,
  accessTimeoutMs: 10_000,
  maxAccessMessageChars: 280,
  maxLocksPerUser: 32,
  maxResourceIdBytes: 256,
  maxDocBytes: 512 * 1024,
  maxOpBytes: 64 * 1024,
  maxOpsLogBytes: 8 * 1024 * 1024,
  maxPresenceBytes: 4 * 1024,
  maxAwarenessBytes: 8 * 1024,
  maxChatBytes: 4 * 1024,
  maxChatHistory: 200,
  maxTrusted: 500,
  maxNameChars: 64,
  maxRetryClients: 1024,
  retryWindow: 64,
  budgets: Object.freeze({ doc: 8, cursor: 15, chat: 2, presence: 15, control: 30 }),
  floodFactor: 3,
  floodSeconds: 5,
  editRequiresLock: false,
});

/** Limits with any subset overridden; budgets merge field by field. */
export type LimitOverrides = Partial<Omit<RoomLimits, 'budgets'>> & { budgets?: Partial<Budgets> };

export function resolveLimits(overrides: LimitOverrides = {}): RoomLimits {
  return {
    ...DEFAULT_LIMITS,
    ...overrides,
    budgets: { ...DEFAULT_LIMITS.budgets, ...overrides.budgets },
  };
}

/** Settings a new room starts with when its store has none. */
export interface InitialSettings {
  /** Default `host-approval`. */
  policy?: AdmissionPolicy;
  /** Default `lww`. */
  docMode?: DocMode;
  /** Generated when absent. */
  joinCode?: string;
  /** The first user to say hello becomes host when absent. */
  hostUserId?: string;
  trusted?: readonly string[];
}
