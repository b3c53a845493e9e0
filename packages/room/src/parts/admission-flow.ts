import {
  type AccessLevel,
  type AdmissionPolicy,
  ErrorCode,
  encode,
  type MessageOf,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
} from '@tandem/protocol';
import type { AdmittedBy } from '../activity.js';
import type { JoinGate } from '../config.js';
import {
  type ClosedPhase,
  type Connection,
  type HelloPhase,
  isWaiting,
  type Participant,
  type Phase,
  type Seat,
  type Waiting,
} from '../connection.js';
import type { RoomContext } from '../context.js';
import { cleanDisplayName, type Identity } from '../identity.js';
import type { RoomSettings } from '../storage.js';
import { accessOf } from './access.js';
import { decideAdmission, normalizeTrusted } from './admission.js';
import { ColorBook } from './colors.js';
import { CLIENT_ID_PATTERN, retryKey } from './edit-ledger.js';
import { participantOf } from './presence.js';

/** What the admission flow needs of its room beyond the {@link RoomContext}. */
export interface AdmissionSeam {
  /** The host process's per-user gate, asked at every hello. */
  readonly canJoin: JoinGate | undefined;
  /** Counts a connection just made a participant among the admitted. */
  entered(conn: Participant): void;
  /** Sends a new participant the room as it is now: roster, locks, chat, document and cursors. */
  sendRoom(conn: Participant): void;
  /** Closes every connection of `userId` with `code` and frees the user's locks. */
  expel(userId: string, code: ErrorCode): void;
  /** The session ended: closes every connection with `SessionEnded` and tells the host process. */
  ended(): void;
  /** The host changed `userId`'s access: each admitted connection of the user takes `accessOf`. */
  accessChanged(userId: string, accessOf: (conn: Connection) => AccessLevel): void;
}

/**
 * The way in: hello (version, client id, host role, join gate, seat), the admission verdict, the
 * waiting room and the host's waiting list, the host's admit, decline and remove, and settings
 * changes, after which the waiting room is decided again. It owns the room's settings, the users
 * the host admitted, and the slots of connections past hello.
 */
export class AdmissionFlow {
  private current: RoomSettings;
  private readonly bySlot = new Map<number, Connection>();
  private nextSlot = 1;
  /**
   * Users the host made viewers, while the room is loaded. They come back without waiting while it
   * is; they are not among the admitted users the store remembers, so once it unloads a viewer
   * waits for the host again rather than coming back as an editor.
   */
  private readonly viewers = new Set<string>();
  private readonly returning = {
    has: (userId: string) => this.admittedUsers.has(userId) || this.viewers.has(userId),
  };
  /** Each user's colour, for the room's life. */
  private readonly colors: ColorBook;
  /** Users the host declined or removed, and until when their knocks are refused. */
  private readonly turnedAway = new Map<string, { until: number; removed: boolean }>();
  /**
   * Users the host removed, while the room is loaded: whatever the policy, trusted list or app
   * access says, they wait for the host again, who alone may let them back in.
   */
  private readonly removed = new Set<string>();
  /** The host ended the session: nobody is taken in any more. */
  private ended = false;

  constructor(
    private readonly ctx: RoomContext,
    private readonly seam: AdmissionSeam,
    settings: RoomSettings,
    private readonly admittedUsers: Set<string>,
  ) {
    this.current = settings;
    this.colors = new ColorBook(() => ctx.clock.now());
  }

  /** The settings in force; replaced, never mutated, so a reference stays a snapshot. */
  get settings(): Readonly<RoomSettings> {
    return this.current;
  }

  /** Whether `identity` gets in without waiting by the policy, trusted list or host's memory. */
  admitsByPolicy(identity: Identity): boolean {
    return this.decide({ userId: identity.userId, identity }).kind === 'admit';
  }

  /**
   * A connection just attached: it must say hello in time, and only so many may be opening at once
   * (saying nothing must not be free: a silent connection holds a slot in no limit otherwise).
   */
  attached(conn: Connection): void {
    const phase = conn.phase;
    if (phase.kind !== 'hello') return;
    let pending = 0;
    for (const c of this.ctx.connections()) if (c.phase.kind === 'hello') pending++;
    if (pending > this.ctx.limits.maxPendingHellos) {
      const message = 'too many connections are opening at once; try again shortly';
      return this.ctx.fatal(conn, ErrorCode.WaitingRoomFull, message);
    }
    phase.helloTimer = this.ctx.clock.setTimeout(() => {
      phase.helloTimer = undefined;
      if (conn.phase.kind === 'hello') this.ctx.fatal(conn, ErrorCode.HelloTimeout);
    }, this.ctx.limits.helloTimeoutMs);
  }

  hello(conn: Connection, m: MessageOf<'hello'>): void {
    if (conn.phase.kind !== 'hello') return;
    this.clearHelloTimer(conn.phase);
    if (this.ended) return this.ctx.fatal(conn, ErrorCode.SessionEnded);
    if (m.version < MIN_PROTOCOL_VERSION) return this.ctx.fatal(conn, ErrorCode.ClientTooOld);
    if (m.version > PROTOCOL_VERSION) return this.ctx.fatal(conn, ErrorCode.ServerTooOld);
    if (m.clientId !== '' && !CLIENT_ID_PATTERN.test(m.clientId)) {
      return this.ctx.fatal(conn, ErrorCode.BadMessage, 'clientId must be 1 to 64 letters, digits, _ or -');
    }
    // A room the app gives access to (an app-named room) has no host unless a session is opened
    // on it: its first connection does not become one.
    if (!this.current.hostUserId && conn.identity.access === undefined) {
      this.current = { ...this.current, hostUserId: conn.userId };
      this.ctx.persist({ kind: 'settings', settings: this.current });
    }
    const role = conn.userId === this.current.hostUserId ? 'host' : 'guest';
    const refused = this.seam.canJoin?.(conn.identity, role);
    if (refused !== undefined) return this.ctx.fatal(conn, refused);
    const away = role === 'guest' ? this.turnedAway.get(conn.userId) : undefined;
    if (away && away.until > this.ctx.clock.now()) {
      const seconds = Math.ceil((away.until - this.ctx.clock.now()) / 1000);
      const [code, what] = away.removed ? [ErrorCode.Removed, 'removed'] : [ErrorCode.Declined, 'declined'];
      return this.ctx.fatal(conn, code, `the host ${what} you; you can ask to join again in ${seconds} s`);
    }

    const present = new Set<string>();
    for (const c of this.ctx.connections()) if (c.seat) present.add(c.userId);
    const seat: Seat = {
      slot: this.allocateSlot(),
      color: this.colors.colorFor(conn.userId, present),
      name: displayName(conn.identity.name, m.name, this.ctx.limits.maxNameChars),
      role,
      since: m.since,
      retryKey: m.clientId === '' ? '' : retryKey(conn.userId, m.clientId),
    };
    // Seated but not yet placed: a refusal from here on still reports the slot it was welcomed with.
    conn.phase = { kind: 'hello', helloTimer: undefined, seat };
    this.bySlot.set(seat.slot, conn);
    this.ctx.send(conn, {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      slot: seat.slot,
      userId: conn.userId,
      name: seat.name,
      color: seat.color,
      role,
    });

    const verdict = this.decide(conn);
    if (verdict.kind === 'refuse') return this.ctx.fatal(conn, verdict.code);
    if (verdict.kind === 'admit') {
      if (this.admittedCount() >= this.ctx.limits.maxParticipants) {
        return this.ctx.fatal(conn, ErrorCode.RoomFull);
      }
      return this.admit(conn, seat, verdict.by);
    }
    if (this.waiting().length >= this.ctx.limits.maxWaiting) {
      return this.ctx.fatal(conn, ErrorCode.WaitingRoomFull);
    }
    conn.phase = { kind: 'waiting', seat, at: this.ctx.clock.now() };
    this.ctx.send(conn, { type: 'admission', state: 'waiting' });
    this.waitingChanged();
    this.ctx.emit({ type: 'waiting', slot: seat.slot, userId: conn.userId, name: seat.name });
  }

  /** The host's admit, decline or remove of the connection in `slot`. */
  hostAction(host: Participant, action: 'admit' | 'decline' | 'remove', slot: number): void {
    if (!this.requireHost(host)) return;
    const target = this.bySlot.get(slot);
    const phase = target?.phase;
    if (!target || !phase || phase.kind === 'closed' || phase.kind === 'hello') {
      return this.ctx.refuse(host, ErrorCode.NotFound, 0, `no participant in slot ${slot}`);
    }
    const waiting = phase.kind === 'waiting';
    if (action === 'admit') {
      if (!waiting) return this.ctx.refuse(host, ErrorCode.NotFound, 0, `slot ${slot} is not waiting`);
      const max = this.ctx.limits.maxParticipants;
      if (this.admittedCount() >= max) {
        return this.ctx.refuse(host, ErrorCode.RoomFull, 0, `the room already has ${max} participants`);
      }
      this.removed.delete(target.userId);
      this.turnedAway.delete(target.userId);
      return this.admit(target, phase.seat, 'host');
    }
    if (action === 'decline' || waiting) {
      if (!waiting) return this.ctx.refuse(host, ErrorCode.NotFound, 0, `slot ${slot} is not waiting`);
      this.turnAway(target.userId, false);
      this.ctx.emit({ type: 'declined', slot, userId: target.userId });
      return this.ctx.fatal(target, ErrorCode.Declined);
    }
    const userId = target.userId;
    if (userId === this.current.hostUserId) {
      return this.ctx.refuse(host, ErrorCode.Forbidden, 0, 'the host cannot be removed');
    }
    if (this.admittedUsers.delete(userId)) this.ctx.persist({ kind: 'admitted', userId, admitted: false });
    // A removed viewer is no longer one the host let in either.
    this.viewers.delete(userId);
    this.removed.add(userId);
    this.turnAway(userId, true);
    this.ctx.emit({ type: 'removed', userId });
    this.seam.expel(userId, ErrorCode.Removed);
  }

  /**
   * The host makes the user in `slot` (waiting or admitted) a viewer or an editor: for all of its
   * connections, and those it opens later while the room is loaded. The host itself stays an
   * editor, and a user the app grants only `read` cannot be made one.
   */
  setAccess(host: Participant, slot: number, access: AccessLevel): void {
    if (!this.requireHost(host)) return;
    const target = this.bySlot.get(slot);
    const phase = target?.phase;
    if (!target || !phase || phase.kind === 'closed' || phase.kind === 'hello') {
      return this.ctx.refuse(host, ErrorCode.NotFound, 0, `no participant in slot ${slot}`);
    }
    const userId = target.userId;
    if (userId === this.current.hostUserId) {
      return this.ctx.refuse(host, ErrorCode.Forbidden, 0, "the host's own access cannot change");
    }
    if (access === 'write' && target.identity.access === 'read') {
      return this.ctx.refuse(host, ErrorCode.Forbidden, 0, 'the app grants this user read access only');
    }
    this.applyAccess(userId, access);
  }

  /** Whether the host (or the room this one follows) made `userId` a viewer. */
  madeViewer(userId: string): boolean {
    return this.viewers.has(userId);
  }

  /** Makes `userId` a viewer or an editor again, if it is not one already, and tells everyone. */
  applyAccess(userId: string, access: AccessLevel): void {
    const changed = access === 'read' ? !this.viewers.has(userId) : this.viewers.has(userId);
    if (!changed) return;
    if (access === 'read') {
      this.viewers.add(userId);
      if (this.admittedUsers.delete(userId)) this.ctx.persist({ kind: 'admitted', userId, admitted: false });
    } else {
      this.viewers.delete(userId);
      // An editor the host lets in now is remembered as one admitted, as if added as an editor.
      if (this.ctx.connectionsOf(userId).length > 0 && !this.admittedUsers.has(userId)) {
        this.admittedUsers.add(userId);
        this.ctx.persist({ kind: 'admitted', userId, admitted: true });
      }
    }
    this.seam.accessChanged(userId, (conn) => accessOf(conn.identity, this.viewers));
    this.ctx.emit({ type: 'access-level', userId, access });
  }

  /**
   * A host's message: admit, decline or remove someone, change an access, the policy or trusted
   * list, or end the session.
   */
  hostMessage(
    conn: Participant,
    m: MessageOf<'admit' | 'setAccess' | 'setPolicy' | 'setTrusted' | 'endSession'>,
  ): void {
    switch (m.type) {
      case 'endSession':
        if (this.requireHost(conn)) this.endSession();
        return;
      case 'admit':
        return this.hostAction(conn, m.action, m.slot);
      case 'setAccess':
        return this.setAccess(conn, m.slot, m.access);
      case 'setPolicy':
        return this.setPolicy(conn, m.policy);
      case 'setTrusted':
        return this.setTrusted(conn, m.emails);
      default:
        return m satisfies never;
    }
  }

  /**
   * Opens a session on this room from outside it (the server, for a user the app lets write it):
   * a host, a join code, a policy and a trusted list for guests who come by the code. Stored and
   * announced like any settings change.
   *
   * @throws Error for a trusted list that is not one.
   */
  openSession(session: SessionSettings): void {
    const trusted = normalizeTrusted(session.trusted ?? [], this.ctx.limits.maxTrusted);
    if (!trusted.ok) throw new Error(`trusted list: ${trusted.message}`);
    this.current = {
      ...this.current,
      hostUserId: session.hostUserId,
      joinCode: session.joinCode,
      policy: session.policy ?? 'host-approval',
      trusted: trusted.trusted,
    };
    this.settingsChanged();
  }

  /**
   * Ends the session for everyone: its join code and host are cleared and the users the host
   * admitted forgotten (stored), every connection is closed with `SessionEnded`, and nobody is
   * taken in while the room stays loaded.
   */
  endSession(): void {
    if (this.ended) return;
    this.ended = true;
    this.current = { ...this.current, joinCode: '', hostUserId: '' };
    this.ctx.persist({ kind: 'settings', settings: this.current });
    for (const userId of this.admittedUsers) this.ctx.persist({ kind: 'admitted', userId, admitted: false });
    this.admittedUsers.clear();
    this.viewers.clear();
    this.seam.ended();
  }

  /** Whether the session ended ({@link endSession}). */
  get hasEnded(): boolean {
    return this.ended;
  }

  setPolicy(conn: Participant, policy: AdmissionPolicy): void {
    if (!this.requireHost(conn)) return;
    this.current = { ...this.current, policy };
    this.settingsChanged();
  }

  setTrusted(conn: Participant, emails: readonly string[]): void {
    if (!this.requireHost(conn)) return;
    const result = normalizeTrusted(emails, this.ctx.limits.maxTrusted);
    if (!result.ok) return this.ctx.refuse(conn, result.code, 0, result.message);
    this.current = { ...this.current, trusted: result.trusted };
    this.settingsChanged();
  }

  /**
   * A connection of `userId` left, in the phase it had: its slot is free, the host's list follows,
   * and the user's colour counts as used until now.
   */
  left(userId: string, before: Exclude<Phase, ClosedPhase>): void {
    if (before.kind === 'hello') this.clearHelloTimer(before);
    if (before.seat) {
      this.bySlot.delete(before.seat.slot);
      this.colors.left(userId);
    }
    if (before.kind === 'waiting') this.waitingChanged();
  }

  /**
   * Makes a connection a participant: it receives the whole room, then `admission: admitted`;
   * everyone else learns of it.
   */
  private admit(conn: Connection, seat: Seat, by: AdmittedBy): void {
    const wasWaiting = conn.phase.kind === 'waiting';
    conn.phase = { kind: 'admitted', seat, presence: new Uint8Array(0), hidden: false, cursor: undefined };
    conn.access = accessOf(conn.identity, this.viewers);
    const joined = conn as Participant;
    this.seam.entered(joined);
    if (by === 'host' && !this.viewers.has(conn.userId) && !this.admittedUsers.has(conn.userId)) {
      this.admittedUsers.add(conn.userId);
      this.ctx.persist({ kind: 'admitted', userId: conn.userId, admitted: true });
    }
    this.ctx.send(conn, this.settingsMessage(seat.role === 'host'));
    this.seam.sendRoom(joined);
    if (seat.role === 'host') this.ctx.send(conn, this.waitingListMessage());
    this.ctx.send(conn, { type: 'admission', state: 'admitted' });

    this.ctx.broadcast({ type: 'peerJoin', ...participantOf(joined) }, conn);
    if (conn.access === 'read')
      this.ctx.broadcast({ type: 'peerAccess', slot: seat.slot, access: 'read' }, conn);
    if (wasWaiting) this.waitingChanged();
    this.ctx.emit({
      type: 'admitted',
      slot: seat.slot,
      userId: conn.userId,
      name: seat.name,
      role: seat.role,
      by,
    });
  }

  /** The admission policy's verdict, but a user the host removed waits for the host whatever it says. */
  private decide(conn: Pick<Connection, 'userId' | 'identity'>): ReturnType<typeof decideAdmission> {
    if (this.removed.has(conn.userId) && conn.userId !== this.current.hostUserId) return { kind: 'wait' };
    return decideAdmission(conn, this.current, this.returning);
  }

  /** Refuses `userId`'s knocks for the cooldown the limits set. */
  private turnAway(userId: string, removed: boolean): void {
    const now = this.ctx.clock.now();
    for (const [user, away] of this.turnedAway) if (away.until <= now) this.turnedAway.delete(user);
    if (this.ctx.limits.knockCooldownMs > 0)
      this.turnedAway.set(userId, { until: now + this.ctx.limits.knockCooldownMs, removed });
  }

  private requireHost(conn: Participant): boolean {
    if (conn.seat.role === 'host') return true;
    this.ctx.refuse(conn, ErrorCode.Forbidden, 0, 'only the host may do that');
    return false;
  }

  /** Stores and announces new settings, then lets the waiting room follow them. */
  private settingsChanged(): void {
    this.ctx.persist({ kind: 'settings', settings: this.current });
    const forHosts = encode(this.settingsMessage(true));
    const forGuests = encode(this.settingsMessage(false));
    for (const conn of this.ctx.admitted())
      conn.socket.send(conn.seat.role === 'host' ? forHosts : forGuests);
    this.ctx.emit({ type: 'settings', settings: { ...this.current, trusted: [...this.current.trusted] } });
    for (const conn of this.waiting()) {
      const verdict = this.decide(conn);
      if (verdict.kind === 'refuse') this.ctx.fatal(conn, verdict.code);
      else if (verdict.kind === 'admit' && this.admittedCount() < this.ctx.limits.maxParticipants)
        this.admit(conn, conn.phase.seat, verdict.by);
    }
  }

  private waitingChanged(): void {
    const hosts = [...this.ctx.admitted()].filter((c) => c.seat.role === 'host');
    if (hosts.length === 0) return;
    const frame = encode(this.waitingListMessage());
    for (const host of hosts) host.socket.send(frame);
  }

  private waiting(): Waiting[] {
    const out: Waiting[] = [];
    for (const c of this.ctx.connections()) if (isWaiting(c)) out.push(c);
    return out;
  }

  private admittedCount(): number {
    return this.ctx.admitted().length;
  }

  private settingsMessage(forHost: boolean): MessageOf<'settings'> {
    const { policy, docMode, joinCode, hostUserId, trusted } = this.current;
    return { type: 'settings', policy, docMode, joinCode, hostUserId, trusted: forHost ? [...trusted] : [] };
  }

  private waitingListMessage(): MessageOf<'waitingList'> {
    return {
      type: 'waitingList',
      waiting: this.waiting().map((c) => ({
        slot: c.phase.seat.slot,
        userId: c.userId,
        name: c.phase.seat.name,
        email: c.identity.email ?? '',
        color: c.phase.seat.color,
      })),
    };
  }

  private clearHelloTimer(phase: HelloPhase): void {
    if (phase.helloTimer === undefined) return;
    this.ctx.clock.clearTimeout(phase.helloTimer);
    phase.helloTimer = undefined;
  }

  private allocateSlot(): number {
    for (;;) {
      const slot = this.nextSlot;
      this.nextSlot = slot >= 0xffff ? 1 : slot + 1;
      if (!this.bySlot.has(slot)) return slot;
    }
  }
}

/** The verified name, else the client's hint, cleaned and capped; never empty. */
function displayName(verified: string, hint: string, max: number): string {
  const name = [...(cleanDisplayName(verified) || cleanDisplayName(hint))].slice(0, max).join('').trim();
  return name || 'Guest';
}

/** What a session opened on an existing room sets: see {@link AdmissionFlow.openSession}. */
export interface SessionSettings {
  hostUserId: string;
  joinCode: string;
  /** Default `host-approval`. */
  policy?: AdmissionPolicy;
  trusted?: readonly string[];
}
