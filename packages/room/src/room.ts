import {
  type ClientMessage,
  closeCodeOf,
  DecodeError,
  decode,
  ERRORS,
  ErrorCode,
  encode,
  isCursor2dFrame,
  MESSAGES,
  type Message,
  type MessageOf,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  peerCursor2dFrame,
  type ServerMessage,
} from '@tandem/protocol';
import type { ActivityInput, AdmittedBy, RoomActivity } from './activity.js';
import { type Clock, systemClock } from './clock.js';
import { Connection } from './connection.js';
import type { PendingAck, RoomContext } from './context.js';
import type {
  DocumentContext,
  DocumentFactory,
  DocumentMessage,
  RoomDocument,
} from './documents/document.js';
import { builtinDocument } from './documents/factory.js';
import { cleanDisplayName, type Identity } from './identity.js';
import {
  type BudgetKind,
  type InitialSettings,
  type LimitOverrides,
  type RoomLimits,
  resolveLimits,
} from './options.js';
import { decideAdmission, normalizeTrusted } from './parts/admission.js';
import { budgetKindOf } from './parts/budget.js';
import { Chat } from './parts/chat.js';
import { pickColor } from './parts/colors.js';
import { CursorFanout, combineCursorFrames } from './parts/cursors.js';
import { CLIENT_ID_PATTERN, type EarlierEdit, EditLedger, retryKey } from './parts/edit-ledger.js';
import { makeJoinCode, utf8Length } from './parts/ids.js';
import { Locks } from './parts/locks.js';
import { closeReason, type RoomSocket } from './socket.js';
import {
  EPOCH_SPAN,
  MemoryRoomStore,
  type RoomRecord,
  type RoomSettings,
  type RoomStore,
  type RoomWrite,
} from './storage.js';

/** Decides whether a user may join at all (per-user join rate, hosted-room limits). */
export type JoinGate = (identity: Identity, role: 'host' | 'guest') => ErrorCode | undefined;

/** Everything a room is built from. Only `id` is required. */
export interface RoomConfig {
  id: string;
  /** Default: the system clock. Tests pass a {@link ManualClock}. */
  clock?: Clock;
  /** Uniform in [0, 1), for lock ids and join codes. Default `Math.random`. */
  random?: () => number;
  limits?: LimitOverrides;
  /** Used when the store has no record of this room. */
  settings?: InitialSettings;
  /** Where durable state goes. Default: a private {@link MemoryRoomStore}. */
  store?: RoomStore;
  /** Supplies document modes beyond the built-in `lww` and `ops` (the server adds `yjs`). */
  documents?: DocumentFactory;
  /** Called at hello; a returned code refuses the connection with it. */
  canJoin?: JoinGate;
  /**
   * When true, writes wait for an explicit {@link Room.flush}; otherwise each tick's writes are
   * flushed together on the next microtask. Default false.
   */
  manualFlush?: boolean;
  /**
   * Announce lock grants, releases and expiries only once they are stored. Needed where another
   * process may hold the room at the same time (a cluster whose owner lost its lease without
   * noticing): such an owner's writes are refused by the store, so a grant it made is never heard
   * of and two users never both believe they hold a lock. Where one process owns the room for good
   * a grant goes out at once. Default false.
   */
  announceLocksWhenStored?: boolean;
}

/**
 * One collaboration room: the single owner of its participants, admission, presence, cursors,
 * locks, chat, document and budgets. It turns incoming frames plus the clock into outgoing frames
 * and never touches a transport, so the same engine runs on a server, in a P2P host's browser, or
 * on a cluster node.
 *
 * @example
 * const room = await Room.load({ id: 'lesson-42', store, clock });
 * const id = room.connect(socketAdapter, { userId: 'u1', name: 'Ada' });
 * socket.on('message', (frame) => room.receive(id, frame));
 * socket.on('close', () => room.disconnect(id));
 */
export class Room {
  readonly id: string;
  readonly limits: RoomLimits;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly store: RoomStore;
  private readonly canJoin: JoinGate | undefined;
  private readonly manualFlush: boolean;
  private readonly announceLocksWhenStored: boolean;
  private readonly epoch: number;

  private readonly connections = new Map<number, Connection>();
  private readonly bySlot = new Map<number, Connection>();
  private nextConnectionId = 1;
  private nextSlot = 1;
  private admittedCount = 0;
  private admittedList: Connection[] | undefined;

  private settings: RoomSettings;
  private readonly admittedUsers: Set<string>;
  private readonly ctx: RoomContext;
  private readonly locks: Locks;
  private readonly chat: Chat;
  private readonly cursors: CursorFanout;
  private readonly document: RoomDocument;
  private readonly ledger: EditLedger;
  /** The edit being handled, whose outcome (an ack or a refusal) the ledger records. */
  private editing: { readonly conn: Connection; readonly rid: number } | undefined;
  private readonly listeners = new Set<(event: RoomActivity) => void>();

  private pendingWrites: RoomWrite[] = [];
  /** Owed once the writes queued before them are stored: docAcks, and announcements. */
  private pendingAcks: (PendingAck | (() => void))[] = [];
  private flushScheduled = false;
  private flushChain: Promise<void> = Promise.resolve();
  private disposed = false;
  private storeBroken = false;

  /**
   * Loads the room's durable state from `config.store` (a new room when there is none) and claims
   * the next epoch durably before returning, so this load never reissues a number an earlier,
   * crashed load announced.
   */
  static async load(config: RoomConfig): Promise<Room> {
    return (await Room.open(config, true))!;
  }

  /** Like {@link load}, but resolves undefined when the store has no record of the room. */
  static loadExisting(config: RoomConfig): Promise<Room | undefined> {
    return Room.open(config, false);
  }

  private static async open(config: RoomConfig, create: boolean): Promise<Room | undefined> {
    const store = config.store ?? new MemoryRoomStore();
    const record = await store.load(config.id);
    if (!record) {
      if (!create) return undefined;
      // A new room is durable (settings and epoch 1) before anyone can send it a message.
      const room = new Room({ ...config, store });
      await room.flush();
      return room;
    }
    // Built first, so a record that cannot be loaded leaves the store untouched; building issues no
    // numbers, and the epoch is durable before anyone can send the room a message.
    const epoch = record.epoch + 1;
    const room = new Room({ ...config, store }, { ...record, epoch });
    await store.write(config.id, [{ kind: 'epoch', epoch }]);
    return room;
  }

  /**
   * Builds a room from a record (or a fresh room when `record` is undefined). A record passed here
   * directly must carry an epoch no earlier load of this room used; {@link Room.load} takes care of
   * that.
   */
  constructor(config: RoomConfig, record?: RoomRecord) {
    this.id = config.id;
    this.clock = config.clock ?? systemClock;
    this.random = config.random ?? Math.random;
    this.limits = resolveLimits(config.limits);
    this.store = config.store ?? new MemoryRoomStore();
    this.canJoin = config.canJoin;
    this.manualFlush = config.manualFlush ?? false;
    this.announceLocksWhenStored = config.announceLocksWhenStored ?? false;
    this.epoch = record?.epoch ?? 1;
    this.ctx = this.makeContext();

    if (record) {
      this.settings = { ...record.settings, trusted: [...record.settings.trusted] };
    } else {
      const init = config.settings ?? {};
      const trusted = normalizeTrusted(init.trusted ?? [], this.limits.maxTrusted);
      if (!trusted.ok) throw new Error(`initial trusted list: ${trusted.message}`);
      this.settings = {
        policy: init.policy ?? 'host-approval',
        docMode: init.docMode ?? 'lww',
        joinCode: init.joinCode ?? makeJoinCode(this.random),
        hostUserId: init.hostUserId ?? '',
        trusted: trusted.trusted,
      };
      this.persist({ kind: 'settings', settings: this.settings });
      this.persist({ kind: 'epoch', epoch: this.epoch });
    }
    this.admittedUsers = new Set(record?.admitted ?? []);
    this.locks = new Locks(this.ctx, record?.locks ?? [], record?.fence ?? 0);
    this.chat = new Chat(this.ctx);
    this.ledger = new EditLedger(record?.clients ?? [], this.limits);
    this.cursors = new CursorFanout(this.clock, this.limits.cursorTickMs, () => this.admitted());
    const factory = config.documents ?? builtinDocument;
    this.document = factory(this.settings.docMode, record?.doc, this.documentContext());
  }

  // ── Public surface ────────────────────────────────────────────────────────────────────────

  /**
   * Attaches a transport connection with its verified identity. The client's first frame must be
   * `hello`. Returns the id to pass to {@link receive} and {@link disconnect}.
   */
  connect(socket: RoomSocket, identity: Identity): number {
    if (this.disposed) throw new Error(`room ${this.id} is closed`);
    if (identity.userId === '') throw new Error('identity.userId must not be empty');
    const conn = new Connection(this.nextConnectionId++, socket, identity, this.limits);
    this.connections.set(conn.id, conn);
    // Saying nothing must not be free: a silent connection holds a slot in no limit otherwise.
    let pending = 0;
    for (const c of this.connections.values()) if (c.phase.kind === 'hello') pending++;
    if (pending > this.limits.maxPendingHellos) {
      this.fatal(
        conn,
        ErrorCode.WaitingRoomFull,
        'too many connections are opening at once; try again shortly',
      );
      return conn.id;
    }
    conn.helloTimer = this.clock.setTimeout(() => {
      conn.helloTimer = undefined;
      if (conn.phase.kind === 'hello') this.fatal(conn, ErrorCode.HelloTimeout);
    }, this.limits.helloTimeoutMs);
    return conn.id;
  }

  /** Feeds one frame from connection `id`. Never throws for bad input. */
  receive(id: number, frame: Uint8Array): void {
    const conn = this.connections.get(id);
    if (!conn || conn.phase.kind === 'closed') return;
    // The hot path: a participant's 2D cursor, about 15 a second per person, skips the generic
    // decode and re-encode (same checks, same bytes out).
    if (isCursor2dFrame(frame) && conn.participant) {
      if (this.spend(conn, CURSOR_BUDGET, 0)) this.cursor2d(conn, frame);
      return;
    }
    let message: Message;
    try {
      message = decode(frame);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (this.spend(conn, 'control', 0)) this.refuse(conn, ErrorCode.BadMessage, 0, error.message);
      return;
    }
    const rid = ridOf(message);
    if (!this.spend(conn, budgetKindOf(message.type), rid)) return;
    if (MESSAGES[message.type].dir === 's2c') {
      this.refuse(conn, ErrorCode.BadMessage, rid, `${message.type} is not a client message`);
      return;
    }
    this.dispatch(conn, message as ClientMessage);
  }

  /** The transport closed connection `id`. */
  disconnect(id: number): void {
    const conn = this.connections.get(id);
    if (conn) this.leave(conn);
  }

  /** Subscribes to room activity; returns the unsubscribe function. */
  onActivity(listener: (event: RoomActivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes everything queued so far and sends the acks it owes. */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.writeBatch());
    return this.flushChain;
  }

  /** Resolves once no write is queued or in flight. */
  async idle(): Promise<void> {
    do await this.flush();
    while (this.pendingWrites.length > 0);
  }

  /**
   * Tells every connection why it is closing (default: server shutdown, so clients reconnect),
   * closes them, stops timers and stores what is left.
   */
  async close(code: ErrorCode = ErrorCode.ServerShutdown): Promise<void> {
    if (this.disposed) return;
    for (const conn of [...this.connections.values()]) this.fatal(conn, code);
    this.disposed = true;
    this.cursors.dispose();
    this.locks.dispose();
    this.document.dispose?.();
    await this.idle();
  }

  /** Live connections, in any phase. */
  get size(): number {
    return this.connections.size;
  }

  /** Admitted connections. */
  get participants(): number {
    return this.admittedCount;
  }

  /**
   * True when `identity` gets into this room without waiting: the host, anyone in an `open` room,
   * a trusted email, a user the host admitted, or a user with an admitted connection now. A room
   * whose admission follows this one (a companion room) asks it at every join.
   */
  admitsWithoutWaiting(identity: Identity): boolean {
    const verdict = decideAdmission({ userId: identity.userId, identity }, this.settings, this.admittedUsers);
    return verdict.kind === 'admit' || this.connectionsOf(identity.userId).length > 0;
  }

  /**
   * Closes every connection of `userId`, in any phase, with `code` and frees the user's locks: the
   * host's remove, or the room this one follows removing the user.
   */
  expel(userId: string, code: ErrorCode): void {
    for (const conn of [...this.connections.values()]) {
      if (conn.userId === userId && conn.phase.kind !== 'closed') this.fatal(conn, code);
    }
    this.locks.userRemoved(userId);
  }

  /** A copy of the current settings. */
  getSettings(): RoomSettings {
    return { ...this.settings, trusted: [...this.settings.trusted] };
  }

  /** Current document version (lww), sequence (ops) or 0 (yjs). */
  get documentVersion(): number {
    return this.document.version;
  }

  /** The document implementation, for placements that need mode-specific access. */
  get doc(): RoomDocument {
    return this.document;
  }

  // ── Dispatch ───────────────────────────────────────────────────────────────────────────────

  private dispatch(conn: Connection, m: ClientMessage): void {
    if (m.type === 'ping') return this.send(conn, { type: 'pong', nonce: m.nonce });
    if (m.type === 'pong') return;
    if (conn.phase.kind === 'hello') {
      if (m.type === 'hello') this.hello(conn, m);
      else this.refuse(conn, ErrorCode.BadMessage, ridOf(m), `expected hello, got ${m.type}`);
      return;
    }
    if (m.type === 'hello') return this.refuse(conn, ErrorCode.BadMessage, 0, 'hello was already received');
    const p = conn.participant;
    if (!p) return this.refuse(conn, ErrorCode.NotAdmitted, ridOf(m), 'waiting for the host to admit you');

    switch (m.type) {
      case 'admit':
        return this.hostAction(conn, m.action, m.slot);
      case 'setPolicy':
        if (!this.requireHost(conn)) return;
        this.settings = { ...this.settings, policy: m.policy };
        return this.settingsChanged();
      case 'setTrusted': {
        if (!this.requireHost(conn)) return;
        const result = normalizeTrusted(m.emails, this.limits.maxTrusted);
        if (!result.ok) return this.refuse(conn, ErrorCode.PayloadTooLarge, 0, result.message);
        this.settings = { ...this.settings, trusted: result.trusted };
        return this.settingsChanged();
      }
      case 'presenceSet':
        if (m.presence.length > this.limits.maxPresenceBytes) {
          return this.refuse(
            conn,
            ErrorCode.PayloadTooLarge,
            0,
            `presence over ${this.limits.maxPresenceBytes} bytes`,
          );
        }
        p.presence = m.presence;
        return this.broadcast({ type: 'presence', slot: conn.slot, presence: m.presence }, conn);
      case 'visibility':
        if (p.hidden === m.hidden) return;
        p.hidden = m.hidden;
        if (m.hidden) {
          p.cursor = undefined;
          this.cursors.drop(conn);
        }
        return this.broadcast({ type: 'peerVisibility', slot: conn.slot, hidden: m.hidden }, conn);
      case 'cursor2d':
      case 'cursor3d':
      case 'selection':
      case 'cursorClear':
        return this.cursor(conn, m);
      case 'lockAcquire':
        return this.locks.acquire(conn, m.rid, m.resource);
      case 'lockRelease':
        return this.locks.release(conn, m.rid, m.resource, m.lockId);
      case 'lockRenew':
        return this.locks.renew(conn, m.resource, m.lockId);
      case 'accessRequest':
        return this.locks.request(conn, m.rid, m.resource, m.message);
      case 'accessAnswer':
        return this.locks.answer(conn, m.requestId, m.decision, m.lockId);
      case 'chatSend':
        return this.chat.send(conn, m.rid, m.body);
      case 'lwwSet':
      case 'opSubmit':
      case 'opsSnapshot':
      case 'yjs':
        return this.documentMessage(conn, m);
      case 'signal':
        return this.refuse(
          conn,
          ErrorCode.BadMessage,
          0,
          'signaling goes to the signaling endpoint, not a room',
        );
      default:
        m satisfies never;
    }
  }

  private documentMessage(conn: Connection, m: DocumentMessage): void {
    const mode = m.type === 'lwwSet' ? 'lww' : m.type === 'yjs' ? 'yjs' : 'ops';
    if (mode !== this.document.mode) {
      return this.refuse(
        conn,
        ErrorCode.WrongDocMode,
        m.rid,
        `this room's document mode is ${this.document.mode}`,
      );
    }
    // Yjs updates merge idempotently and a snapshot names its own sequence: only whole writes and
    // operations need an identity to be applied at most once.
    const identified = (m.type === 'lwwSet' || m.type === 'opSubmit') && m.rid !== 0 && conn.retryKey !== '';
    if (!identified) return this.document.handle(conn, m);
    const earlier = this.ledger.lookup(conn.retryKey, m.rid);
    if (earlier.kind !== 'new') return this.answerRetry(conn, m.rid, earlier);
    this.editing = { conn, rid: m.rid };
    try {
      this.document.handle(conn, m);
    } finally {
      this.editing = undefined;
    }
  }

  /**
   * A retried edit is answered with what became of it the first time, never applied again. Its ack
   * waits for the writes in flight, since the first attempt may not be durable yet.
   */
  private answerRetry(conn: Connection, rid: number, earlier: Exclude<EarlierEdit, { kind: 'new' }>): void {
    switch (earlier.kind) {
      case 'applied':
        return this.persist(undefined, { conn, rid, version: earlier.version });
      case 'forgotten':
        return this.persist(undefined, { conn, rid, version: 0 });
      case 'refused':
        return this.refuse(conn, earlier.code, rid, `${ERRORS[earlier.code].message} (when first sent)`);
      default:
        earlier satisfies never;
    }
  }

  /** Notes what became of the edit being handled, if `rid` is that edit. */
  private editOutcome(
    conn: Connection,
    rid: number,
    outcome: { version: number } | { code: ErrorCode },
  ): void {
    const editing = this.editing;
    if (editing?.conn !== conn || editing.rid !== rid || rid === 0) return;
    this.editing = undefined;
    this.ledger.record(conn.retryKey, rid, outcome, this.clock.now());
    if ('code' in outcome) this.persist(undefined);
  }

  /** Budget check; false means the message was dropped (and the connection maybe closed). */
  private spend(conn: Connection, kind: BudgetKind, rid: number): boolean {
    const verdict = conn.budgets.take(kind, this.clock.now());
    if (verdict === 'ok') return true;
    // A dropped request (it carries a rid) is always answered, or its sender would wait forever;
    // rid-less streams (cursors, presence) are told at most once a second.
    if (verdict === 'flood') this.fatal(conn, ErrorCode.Flood);
    else if (verdict === 'drop-and-tell' || rid !== 0) {
      this.refuse(
        conn,
        ErrorCode.RateLimited,
        rid,
        `over the ${kind} budget of ${this.limits.budgets[kind]}/s; dropped`,
      );
    }
    return false;
  }

  // ── Admission ──────────────────────────────────────────────────────────────────────────────

  private hello(conn: Connection, m: MessageOf<'hello'>): void {
    this.clearHelloTimer(conn);
    if (m.version < MIN_PROTOCOL_VERSION) return this.fatal(conn, ErrorCode.ClientTooOld);
    if (m.version > PROTOCOL_VERSION) return this.fatal(conn, ErrorCode.ServerTooOld);
    if (m.clientId !== '' && !CLIENT_ID_PATTERN.test(m.clientId)) {
      return this.fatal(conn, ErrorCode.BadMessage, 'clientId must be 1 to 64 letters, digits, _ or -');
    }
    conn.retryKey = m.clientId === '' ? '' : retryKey(conn.userId, m.clientId);
    if (!this.settings.hostUserId) {
      this.settings = { ...this.settings, hostUserId: conn.userId };
      this.persist({ kind: 'settings', settings: this.settings });
    }
    conn.role = conn.userId === this.settings.hostUserId ? 'host' : 'guest';
    const refused = this.canJoin?.(conn.identity, conn.role);
    if (refused !== undefined) return this.fatal(conn, refused);

    conn.name = displayName(conn.identity.name, m.name, this.limits.maxNameChars);
    conn.slot = this.allocateSlot();
    conn.color = pickColor([...this.connections.values()].filter((c) => c.slot !== 0).map((c) => c.color));
    conn.since = m.since;
    this.bySlot.set(conn.slot, conn);
    this.send(conn, {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      slot: conn.slot,
      userId: conn.userId,
      name: conn.name,
      color: conn.color,
      role: conn.role,
    });

    const verdict = decideAdmission(conn, this.settings, this.admittedUsers);
    if (verdict.kind === 'refuse') return this.fatal(conn, verdict.code);
    if (verdict.kind === 'admit') {
      if (this.admittedCount >= this.limits.maxParticipants) return this.fatal(conn, ErrorCode.RoomFull);
      return this.admit(conn, verdict.by);
    }
    if (this.waiting().length >= this.limits.maxWaiting) return this.fatal(conn, ErrorCode.WaitingRoomFull);
    conn.phase = { kind: 'waiting', since: this.clock.now() };
    this.send(conn, { type: 'admission', state: 'waiting' });
    this.waitingChanged();
    this.emit({ type: 'waiting', slot: conn.slot, userId: conn.userId, name: conn.name });
  }

  /**
   * Admits a connection: it receives the whole room (settings, roster, locks, chat, document,
   * cursors), then `admission: admitted`; everyone else learns of it.
   */
  private admit(conn: Connection, by: AdmittedBy): void {
    const wasWaiting = conn.phase.kind === 'waiting';
    conn.phase = { kind: 'admitted', presence: new Uint8Array(0), hidden: false, cursor: undefined };
    this.admittedCount++;
    this.admittedList = undefined;
    if (by === 'host' && !this.admittedUsers.has(conn.userId)) {
      this.admittedUsers.add(conn.userId);
      this.persist({ kind: 'admitted', userId: conn.userId, admitted: true });
    }

    this.send(conn, this.settingsMessage(conn.role === 'host'));
    this.send(conn, { type: 'roster', participants: [...this.admitted()].map(participantOf) });
    for (const m of this.locks.snapshotFor(conn)) this.send(conn, m);
    this.send(conn, this.chat.history());
    for (const m of this.document.catchUp(conn.since)) this.send(conn, m);
    const cursors: Uint8Array[] = [];
    for (const other of this.admitted()) {
      const cursor = other.participant?.cursor;
      if (other !== conn && cursor) cursors.push(cursor);
    }
    const cursorFrame = combineCursorFrames(cursors);
    if (cursorFrame) conn.socket.send(cursorFrame);
    if (conn.role === 'host') this.send(conn, this.waitingListMessage());
    this.send(conn, { type: 'admission', state: 'admitted' });

    this.broadcast({ type: 'peerJoin', ...participantOf(conn) }, conn);
    if (wasWaiting) this.waitingChanged();
    this.emit({
      type: 'admitted',
      slot: conn.slot,
      userId: conn.userId,
      name: conn.name,
      role: conn.role,
      by,
    });
  }

  private hostAction(host: Connection, action: 'admit' | 'decline' | 'remove', slot: number): void {
    if (!this.requireHost(host)) return;
    const target = this.bySlot.get(slot);
    if (!target || target.phase.kind === 'closed' || target.phase.kind === 'hello') {
      return this.refuse(host, ErrorCode.NotFound, 0, `no participant in slot ${slot}`);
    }
    const waiting = target.phase.kind === 'waiting';
    if (action === 'admit') {
      if (!waiting) return this.refuse(host, ErrorCode.NotFound, 0, `slot ${slot} is not waiting`);
      if (this.admittedCount >= this.limits.maxParticipants) {
        return this.refuse(
          host,
          ErrorCode.RoomFull,
          0,
          `the room already has ${this.limits.maxParticipants} participants`,
        );
      }
      return this.admit(target, 'host');
    }
    if (action === 'decline' || waiting) {
      if (!waiting) return this.refuse(host, ErrorCode.NotFound, 0, `slot ${slot} is not waiting`);
      this.emit({ type: 'declined', slot, userId: target.userId });
      return this.fatal(target, ErrorCode.Declined);
    }
    const userId = target.userId;
    if (userId === this.settings.hostUserId)
      return this.refuse(host, ErrorCode.Forbidden, 0, 'the host cannot be removed');
    if (this.admittedUsers.delete(userId)) this.persist({ kind: 'admitted', userId, admitted: false });
    this.emit({ type: 'removed', userId });
    this.expel(userId, ErrorCode.Removed);
  }

  private requireHost(conn: Connection): boolean {
    if (conn.role === 'host') return true;
    this.refuse(conn, ErrorCode.Forbidden, 0, 'only the host may do that');
    return false;
  }

  /** Stores and announces new settings, then lets the waiting room follow them. */
  private settingsChanged(): void {
    this.persist({ kind: 'settings', settings: this.settings });
    const forHosts = encode(this.settingsMessage(true));
    const forGuests = encode(this.settingsMessage(false));
    for (const conn of this.admitted()) conn.socket.send(conn.role === 'host' ? forHosts : forGuests);
    this.emit({ type: 'settings', settings: this.getSettings() });
    for (const conn of this.waiting()) {
      const verdict = decideAdmission(conn, this.settings, this.admittedUsers);
      if (verdict.kind === 'refuse') this.fatal(conn, verdict.code);
      else if (verdict.kind === 'admit' && this.admittedCount < this.limits.maxParticipants)
        this.admit(conn, verdict.by);
    }
  }

  private waitingChanged(): void {
    const hosts = [...this.admitted()].filter((c) => c.role === 'host');
    if (hosts.length === 0) return;
    const frame = encode(this.waitingListMessage());
    for (const host of hosts) host.socket.send(frame);
  }

  private waiting(): Connection[] {
    return [...this.connections.values()].filter((c) => c.phase.kind === 'waiting');
  }

  private settingsMessage(forHost: boolean): MessageOf<'settings'> {
    const { policy, docMode, joinCode, hostUserId, trusted } = this.settings;
    return { type: 'settings', policy, docMode, joinCode, hostUserId, trusted: forHost ? [...trusted] : [] };
  }

  private waitingListMessage(): MessageOf<'waitingList'> {
    return {
      type: 'waitingList',
      waiting: this.waiting().map((c) => ({
        slot: c.slot,
        userId: c.userId,
        name: c.name,
        email: c.identity.email ?? '',
        color: c.color,
      })),
    };
  }

  // ── Presence and cursors ───────────────────────────────────────────────────────────────────

  private cursor(
    conn: Connection,
    m: MessageOf<'cursor2d' | 'cursor3d' | 'selection' | 'cursorClear'>,
  ): void {
    const p = conn.participant!;
    if (p.hidden) return;
    let out: ServerMessage;
    switch (m.type) {
      case 'cursor2d':
        return this.cursor2d(conn, encode(m));
      case 'cursor3d':
        if (!Number.isFinite(m.x) || !Number.isFinite(m.y) || !Number.isFinite(m.z)) {
          return this.refuse(conn, ErrorCode.BadMessage, 0, 'cursor coordinates must be finite');
        }
        out = { type: 'peerCursor3d', slot: conn.slot, x: m.x, y: m.y, z: m.z };
        break;
      case 'selection':
        if (utf8Length(m.element) > this.limits.maxResourceIdBytes) {
          return this.refuse(
            conn,
            ErrorCode.PayloadTooLarge,
            0,
            `element id over ${this.limits.maxResourceIdBytes} bytes`,
          );
        }
        out = { type: 'peerSelection', slot: conn.slot, element: m.element, anchor: m.anchor, head: m.head };
        break;
      case 'cursorClear':
        p.cursor = undefined;
        this.cursors.drop(conn);
        return this.broadcast({ type: 'peerCursorClear', slot: conn.slot }, conn);
    }
    this.pointer(conn, encode(out));
  }

  /** A participant's `cursor2d`, as received. */
  private cursor2d(conn: Connection, frame: Uint8Array): void {
    if (conn.participant!.hidden) return;
    const out = peerCursor2dFrame(frame, conn.slot);
    if (!out) return this.refuse(conn, ErrorCode.BadMessage, 0, 'cursor coordinates must be finite');
    this.pointer(conn, out);
  }

  /** Keeps `frame` as the participant's latest pointer and queues it for the room's next tick. */
  private pointer(conn: Connection, frame: Uint8Array): void {
    conn.participant!.cursor = frame;
    this.cursors.move(conn, frame);
  }

  // ── Leaving ────────────────────────────────────────────────────────────────────────────────

  /** Sends the error, closes the socket with its close code, and removes the connection. */
  private fatal(conn: Connection, code: ErrorCode, message = ERRORS[code].message): void {
    if (conn.phase.kind === 'closed') return;
    this.send(conn, { type: 'error', code, rid: 0, message });
    this.emit({ type: 'error', slot: conn.slot, code, message, fatal: true });
    conn.socket.close(closeCodeOf(code), closeReason(message));
    this.leave(conn);
  }

  private leave(conn: Connection): void {
    const before = conn.phase;
    if (before.kind === 'closed') return;
    this.clearHelloTimer(conn);
    conn.phase = { kind: 'closed' };
    this.connections.delete(conn.id);
    this.bySlot.delete(conn.slot);
    if (before.kind === 'admitted') {
      this.admittedCount--;
      this.admittedList = undefined;
      this.cursors.drop(conn);
      this.broadcast({ type: 'peerLeave', slot: conn.slot });
      if (this.connectionsOf(conn.userId).length === 0) this.locks.userLeft(conn.userId);
    } else if (before.kind === 'waiting') {
      this.waitingChanged();
    }
    if (before.kind !== 'hello') {
      this.emit({
        type: 'left',
        slot: conn.slot,
        userId: conn.userId,
        wasAdmitted: before.kind === 'admitted',
      });
    }
  }

  // ── Output ─────────────────────────────────────────────────────────────────────────────────

  private send(conn: Connection, message: ServerMessage): void {
    if (conn.phase.kind !== 'closed') conn.socket.send(encode(message));
  }

  /** Encodes once; the same bytes go to every recipient. */
  private broadcast(message: ServerMessage, except?: Connection): void {
    const frame = encode(message);
    for (const conn of this.connections.values()) {
      if (conn !== except && conn.phase.kind === 'admitted') conn.socket.send(frame);
    }
  }

  private refuse(
    conn: Connection,
    code: ErrorCode,
    rid: number,
    message: string = ERRORS[code].message,
  ): void {
    this.editOutcome(conn, rid, { code });
    this.send(conn, { type: 'error', code, rid, message });
    this.emit({ type: 'error', slot: conn.slot, code, message, fatal: false });
  }

  /**
   * Every admitted connection, in order of arrival. Each cursor tick sends to all of them, so the
   * list is kept between admissions and leaves rather than filtered from every connection each time.
   */
  private admitted(): readonly Connection[] {
    this.admittedList ??= [...this.connections.values()].filter((c) => c.phase.kind === 'admitted');
    return this.admittedList;
  }

  private connectionsOf(userId: string): Connection[] {
    return [...this.admitted()].filter((c) => c.userId === userId);
  }

  private emit(event: ActivityInput): void {
    if (this.listeners.size === 0) return;
    const stamped = { ...event, at: this.clock.now() } as RoomActivity;
    for (const listener of this.listeners) listener(stamped);
  }

  private clearHelloTimer(conn: Connection): void {
    if (conn.helloTimer === undefined) return;
    this.clock.clearTimeout(conn.helloTimer);
    conn.helloTimer = undefined;
  }

  private allocateSlot(): number {
    for (;;) {
      const slot = this.nextSlot;
      this.nextSlot = slot >= 0xffff ? 1 : slot + 1;
      if (!this.bySlot.has(slot)) return slot;
    }
  }

  // ── Persistence ────────────────────────────────────────────────────────────────────────────

  /** Queues a write (or, with `write` undefined, only an ack that must follow earlier writes). */
  private persist(write: RoomWrite | undefined, ack?: PendingAck): void {
    if (write) this.pendingWrites.push(write);
    if (ack) this.editOutcome(ack.conn, ack.rid, { version: ack.version });
    if (ack) this.pendingAcks.push(ack);
    this.scheduleFlush();
  }

  /** Flushes on the next microtask, once for everything queued this tick (or waits for `flush`). */
  private scheduleFlush(): void {
    if (this.manualFlush || this.flushScheduled) return;
    this.flushScheduled = true;
    void Promise.resolve().then(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** One batch, one store transaction; acks only after it is durable. */
  private async writeBatch(): Promise<void> {
    // What the ledger learnt goes in the same batch as the edits it describes: stored together or
    // not at all, so a stored edit is always recognised on retry.
    if (this.ledger.changed) this.pendingWrites.push(...this.ledger.takeWrites());
    if (this.pendingWrites.length === 0 && this.pendingAcks.length === 0) return;
    const writes = this.pendingWrites;
    const acks = this.pendingAcks;
    this.pendingWrites = [];
    this.pendingAcks = [];
    try {
      if (this.storeBroken) throw new Error('an earlier write of this room failed');
      if (writes.length > 0) await this.store.write(this.id, writes);
    } catch (error) {
      // An announcement of what could not be stored is never made.
      for (const ack of acks)
        if (typeof ack !== 'function')
          this.refuse(ack.conn, ErrorCode.Internal, ack.rid, 'the edit could not be stored');
      if (this.storeBroken) return;
      // Memory has moved past what the store holds, and later writes would leave gaps in it. The
      // room closes instead, telling everyone to reconnect: the next load starts from what is
      // durable, in a new epoch, and clients catch up from there.
      this.storeBroken = true;
      this.emit({ type: 'store-failed', error });
      void this.close(ErrorCode.ServerShutdown);
      return;
    }
    for (const ack of acks) {
      if (typeof ack === 'function') ack();
      else this.send(ack.conn, { type: 'docAck', rid: ack.rid, version: ack.version });
    }
  }

  /** Runs `announce` once everything queued so far is stored (at once when nothing need wait). */
  private afterStored(announce: () => void): void {
    if (this.disposed) return;
    this.pendingAcks.push(announce);
    this.scheduleFlush();
  }

  private makeContext(): RoomContext {
    return {
      clock: this.clock,
      limits: this.limits,
      numberFloor: (this.epoch - 1) * EPOCH_SPAN,
      random: () => this.random(),
      admitted: () => this.admitted(),
      connectionsOf: (userId) => this.connectionsOf(userId),
      broadcast: (message, except) => this.broadcast(message, except),
      send: (conn, message) => this.send(conn, message),
      refuse: (conn, code, rid, message) => this.refuse(conn, code, rid, message),
      persist: (write, ack) => this.persist(write, ack),
      announceLock: (announce) => (this.announceLocksWhenStored ? this.afterStored(announce) : announce()),
      emit: (event) => this.emit(event),
    };
  }

  private documentContext(): DocumentContext {
    return {
      limits: this.limits,
      numberFloor: this.ctx.numberFloor,
      checkEdit: (sender, resource, rid) => this.locks.checkEdit(sender, resource, rid),
      broadcast: this.ctx.broadcast,
      send: this.ctx.send,
      refuse: this.ctx.refuse,
      persist: this.ctx.persist,
      ackAfterWrites: (ack) => this.persist(undefined, ack),
      changed: (version, slot) => this.emit({ type: 'doc', mode: this.settings.docMode, version, slot }),
    };
  }
}

const CURSOR_BUDGET = budgetKindOf('cursor2d');

function ridOf(message: Message): number {
  return 'rid' in message ? message.rid : 0;
}

function participantOf(conn: Connection): MessageOf<'roster'>['participants'][number] {
  const p = conn.participant!;
  return {
    slot: conn.slot,
    userId: conn.userId,
    name: conn.name,
    color: conn.color,
    role: conn.role,
    hidden: p.hidden,
    presence: p.presence,
  };
}

/** The verified name, else the client's hint, cleaned and capped; never empty. */
function displayName(verified: string, hint: string, max: number): string {
  const name = [...(cleanDisplayName(verified) || cleanDisplayName(hint))].slice(0, max).join('').trim();
  return name || 'Guest';
}
