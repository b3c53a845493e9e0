import { type AccessLevel, type AccessOutcome, type AdmissionPolicy, ErrorCode } from '@tandem/protocol';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { TandemError } from './errors.js';
import { ConnectionCore } from './room/connection-core.js';
import type {
  AccessRequest,
  ChatMessage,
  Cursor,
  LockGrant,
  LockState,
  OutgoingAccessRequest,
  Participant,
  RoomSettingsView,
  WaitingGuest,
} from './types.js';

export type { RoomEvents } from './room/events.js';
export type { RoomConnectionOptions, RoomTarget } from './room/options.js';

/**
 * One room, as one participant sees it: the connection (with automatic reconnect), the roster,
 * presence, cursors, locks, chat, admission and the document in the room's mode. Obtain it from
 * {@link TandemClient.join}.
 *
 * The connection itself is {@link ConnectionCore}; each member here asks the part that owns what
 * it reads or does (`room/`: roster, cursors, locks, chat, admission, documents).
 */
export class RoomConnection extends ConnectionCore {
  // ── Roster, presence, cursors ────────────────────────────────────────────────────────────

  /** This participant, once admitted. */
  get self(): Participant | undefined {
    return this.roster.self;
  }

  /** Everyone else admitted. */
  get others(): readonly Participant[] {
    return this.roster.others;
  }

  /** Anyone admitted, by slot. */
  participant(slot: number): Participant | undefined {
    return this.roster.participant(slot);
  }

  /** Replaces this participant's presence (any JSON). Kept and restored after a reconnect. */
  setPresence(presence: unknown): void {
    this.locks.touch();
    this.roster.setPresence(presence);
  }

  /** This participant's own presence, as last set (kept across reconnects). */
  get presence(): unknown {
    return this.roster.presence;
  }

  /** Merges `patch` into this participant's presence object. */
  updatePresence(patch: Record<string, unknown>): void {
    this.locks.touch();
    this.roster.updatePresence(patch);
  }

  /** Moves this participant's cursor; sent at most at the cursor rate, latest wins. */
  updateCursor(cursor: Cursor): void {
    this.locks.touch();
    this.pointers.update(cursor);
  }

  /** The cursor left the surface. */
  clearCursor(): void {
    this.pointers.clear();
  }

  /** Marks the page hidden (cursor stops, presence stays) or shown. Automatic in browsers. */
  setHidden(hidden: boolean): void {
    this.pointers.setHidden(hidden);
  }

  /**
   * Marks the window focused or not: without focus the cursor is cleared for others and paused
   * until it moves again with focus back; presence stays. Automatic in browsers.
   */
  setFocused(focused: boolean): void {
    this.pointers.setFocused(focused);
  }

  /** Others' last known cursors, by slot. Feed a {@link CursorInterpolator} from the `cursor` event to draw smoothly. */
  get cursors(): ReadonlyMap<number, Cursor> {
    return this.pointers.peerCursors;
  }

  // ── Locks ────────────────────────────────────────────────────────────────────────────────

  /**
   * Selects a resource: acquires its lock (or renews it if already held). Rejects with
   * `LockedByOther`. The lock is a lease (the room's `lockTtlSeconds`, 60 s by default) renewed
   * while this user is active in it: every edit naming the resource, and {@link touch}. A hold
   * that ends without {@link deselect} is told as a `lockLost` event with its reason.
   *
   * @example
   * await room.select('layer-1');
   * room.on('lockLost', ({ resource, reason }) => {
   *   if (reason === 'expired') console.log(`Your hold on ${resource} expired`);
   * });
   */
  select(resource: string): Promise<LockGrant> {
    return this.locks.select(resource);
  }

  /**
   * Tells the room this user is active in `resource` (dragging it, typing in it) without an edit
   * that names it, so its lock does not lapse; without a resource, active in every held one.
   * Cheap to call on every pointer move: a renewal goes at most once per third of the lease.
   * Cursor and presence updates count as activity in every held lock already.
   */
  touch(resource?: string): void {
    this.locks.touch(resource);
  }

  /** Deselects a resource: releases its lock if this user holds it. */
  deselect(resource: string): Promise<void> {
    return this.locks.deselect(resource);
  }

  /** Who holds `resource`: free, mine, or held by someone else (read-only). */
  lockState(resource: string): LockState {
    return this.locks.state(resource);
  }

  /** Every resource currently locked. */
  get lockedResources(): string[] {
    return this.locks.resources;
  }

  /**
   * Asks the holder of `resource` for it, with a short message. Resolves `granted` (the lock is
   * now yours), `declined`, `timeout` (the holder ignored it) or `cancelled`.
   */
  requestAccess(resource: string, message: string): Promise<AccessOutcome> {
    return this.locks.requestAccess(resource, message);
  }

  /** Access requests to this user that are still open. */
  get accessRequests(): AccessRequest[] {
    return this.locks.accessRequests;
  }

  /**
   * This user's own open request for `resource`, once the room has passed it to the holder: its
   * `expiresAt` is when it times out unanswered (the `accessPending` event says when it changes).
   */
  ownAccessRequest(resource: string): OutgoingAccessRequest | undefined {
    return this.locks.ownAccessRequest(resource);
  }

  // ── Chat ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a chat message; resolves once the room has relayed it. Refused while not connected; sent
   * and then cut off, it goes again after the reconnect and is posted once.
   */
  sendChat(text: string): Promise<ChatMessage> {
    return this.transcript.send(text);
  }

  /** The transcript, oldest first. */
  get chat(): readonly ChatMessage[] {
    return this.transcript.messages;
  }

  /** Messages from others since {@link markChatRead}. */
  get unread(): number {
    return this.transcript.unread;
  }

  /** Sets the unread count back to zero. */
  markChatRead(): void {
    this.transcript.markRead();
  }

  // ── Admission (host) ─────────────────────────────────────────────────────────────────────

  /** Room settings (trusted list filled for the host only). */
  get settings(): RoomSettingsView | undefined {
    return this.admission.settings;
  }

  /** True when this user hosts the room. */
  get isHost(): boolean {
    return this.admission.isHost;
  }

  /** Everyone waiting for the host (host only). */
  get waitingList(): readonly WaitingGuest[] {
    return this.admission.waitingList;
  }

  /**
   * Lets a waiting guest in (host only); with `access: 'read'`, as a viewer who sees everything
   * and edits nothing.
   */
  admit(slot: number, options: { access?: AccessLevel } = {}): void {
    if (options.access) this.admission.setAccess(slot, options.access);
    this.admission.hostAction('admit', slot);
  }

  /**
   * Makes the participant (or waiting guest) in `slot` a viewer (`read`) or an editor (`write`),
   * on every tab of that user (host only). The room refuses it for the host itself, and `write`
   * for a user the app's token lets only read.
   */
  setAccess(slot: number, access: AccessLevel): void {
    this.admission.setAccess(slot, access);
  }

  /** Turns a waiting guest away (host only). */
  decline(slot: number): void {
    this.admission.hostAction('decline', slot);
  }

  /** Removes a participant (every tab of that user). */
  remove(slot: number): void {
    this.admission.hostAction('remove', slot);
  }

  /** Changes who gets in (host only). */
  setPolicy(policy: AdmissionPolicy): void {
    this.admission.setPolicy(policy);
  }

  /** Replaces the trusted list of the `trusted` policy (host only). */
  setTrusted(emails: readonly string[]): void {
    this.admission.setTrusted(emails);
  }

  /**
   * Ends the session for everyone (host only): every participant, on every tab, is disconnected
   * with `SessionEnded` (this connection too), and the server forgets the session: its join code,
   * its rooms and their companion rooms. Resolves once this connection has closed so. Rejects with
   * `Forbidden` for a guest or viewer, and `Disconnected` when not connected.
   *
   * @example
   * if (room.isHost && confirm('End the session for everyone?')) await room.endSession();
   */
  endSession(): Promise<void> {
    if (this.status !== 'connected') return Promise.reject(TandemError.disconnected());
    if (!this.isHost)
      return Promise.reject(new TandemError(ErrorCode.Forbidden, 'only the host may end the session'));
    return new Promise((resolve, reject) => {
      const off = this.on('status', ({ status, error }) => {
        if (status === 'connected' || status === 'waiting') return;
        off();
        if (error?.code === ErrorCode.SessionEnded) resolve();
        else reject(error ?? TandemError.disconnected());
      });
      this.admission.endSession();
    });
  }

  // ── Documents ────────────────────────────────────────────────────────────────────────────

  /** The room's Y.Doc (yjs mode); bind editor bindings to it. Created on first use. */
  get yjs(): Y.Doc {
    return this.documents.yjs;
  }

  /**
   * The room's Yjs awareness (yjs mode): a y-protocols `Awareness` on {@link yjs}, created on
   * first use, the object editor bindings take from a provider (`provider.awareness` for Tiptap's
   * collaboration caret and y-prosemirror, `awareness` for y-codemirror and y-monaco). Its local
   * state goes to the room while connected, with this participant's verified name and room colour
   * in `user`; others' states arrive with theirs, whatever their clients claimed, and are removed
   * when they leave or this connection drops.
   *
   * @example
   * room.awareness.setLocalStateField('cursor', { anchor, head });
   * room.awareness.on('change', () => draw(room.awareness.getStates()));
   */
  get awareness(): Awareness {
    return this.awarenessPart.awareness;
  }
}
