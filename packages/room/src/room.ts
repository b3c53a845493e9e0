import {
  type AccessLevel,
  type ClientMessage,
  closeCodeOf,
  DecodeError,
  type DocMode,
  decode,
  ERRORS,
  ErrorCode,
  encode,
  isCursor2dFrame,
  MESSAGES,
  type Message,
  type ServerMessage,
} from '@tandem/protocol';
import type { ActivityInput, RoomActivity } from './activity.js';
import { type Clock, systemClock } from './clock.js';
import type { JoinGate, RoomConfig } from './config.js';
import { type Connection, isParticipant } from './connection.js';
import { Connections } from './connections.js';
import type { PendingAck, RoomContext } from './context.js';
import { type DocumentContent, DocumentRefused } from './documents/content.js';
import type { AnyRoomDocument, DocumentContext } from './documents/document.js';
import { builtinDocument } from './documents/factory.js';
import type { Identity } from './identity.js';
import { type RoomLimits, resolveLimits } from './options.js';
import { viewerRefusal } from './parts/access.js';
import { initialSettings } from './parts/admission.js';
import { AdmissionFlow, type AdmissionSeam, type SessionSettings } from './parts/admission-flow.js';
import { Awareness } from './parts/awareness.js';
import { budgetKindOf } from './parts/budget.js';
import { Chat } from './parts/chat.js';
import { CursorFanout } from './parts/cursors.js';
import { EditLedger } from './parts/edit-ledger.js';
import { Edits } from './parts/edits.js';
import { Locks } from './parts/locks.js';
import { latestPointers, Presence, rosterMessage } from './parts/presence.js';
import { spend } from './parts/spend.js';
import { closeReason, type RoomSocket } from './socket.js';
import {
  EPOCH_SPAN,
  MemoryRoomStore,
  type RoomRecord,
  type RoomSettings,
  type RoomWrite,
} from './storage.js';
import { WriteBehind, type WriteBehindRoom } from './write-behind.js';

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
  private readonly announceLocksWhenStored: boolean;
  private readonly epoch: number;
  private readonly connections: Connections;
  private readonly ctx: RoomContext;
  private readonly admission: AdmissionFlow;
  private readonly presence: Presence;
  private readonly locks: Locks;
  private readonly chat: Chat;
  private readonly cursors: CursorFanout;
  private readonly awareness: Awareness;
  private readonly document: AnyRoomDocument;
  private readonly ledger: EditLedger;
  private readonly edits: Edits;
  private readonly listeners = new Set<(event: RoomActivity) => void>();
  private readonly writes: WriteBehind;
  private disposed = false;

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
    const store = config.store ?? new MemoryRoomStore();
    this.writes = new WriteBehind(store, this.id, config.manualFlush ?? false, this.writeBehindRoom());
    this.announceLocksWhenStored = config.announceLocksWhenStored ?? false;
    this.epoch = record?.epoch ?? 1;
    this.connections = new Connections(this.limits);
    this.ctx = this.makeContext();

    let settings: RoomSettings;
    if (record) {
      settings = { ...record.settings, trusted: [...record.settings.trusted] };
    } else {
      settings = initialSettings(config.settings ?? {}, this.limits.maxTrusted, this.random);
      this.persist({ kind: 'settings', settings });
      this.persist({ kind: 'epoch', epoch: this.epoch });
    }
    const admittedUsers = new Set(record?.admitted ?? []);
    this.admission = new AdmissionFlow(this.ctx, this.admissionSeam(config.canJoin), settings, admittedUsers);
    this.locks = new Locks(this.ctx, record?.locks ?? [], record?.fence ?? 0);
    this.chat = new Chat(this.ctx);
    this.ledger = new EditLedger(record?.clients ?? [], this.limits);
    this.cursors = new CursorFanout(this.clock, this.limits.cursorTickMs, () => this.connections.admitted());
    this.presence = new Presence(this.ctx, this.cursors);
    const factory = config.documents ?? builtinDocument;
    this.document = factory(settings.docMode, record?.doc, this.documentContext());
    this.edits = new Edits(this.ctx, this.ledger, this.document);
    this.awareness = new Awareness(this.ctx, () => this.document.mode === 'yjs');
  }

  // ── Public surface ────────────────────────────────────────────────────────────────────────

  /**
   * Attaches a transport connection with its verified identity. The client's first frame must be
   * `hello`. Returns the id to pass to {@link receive} and {@link disconnect}.
   */
  connect(socket: RoomSocket, identity: Identity): number {
    if (this.disposed) throw new Error(`room ${this.id} is closed`);
    if (identity.userId === '') throw new Error('identity.userId must not be empty');
    const conn = this.connections.add(socket, identity);
    this.admission.attached(conn);
    return conn.id;
  }

  /** Feeds one frame from connection `id`. Never throws for bad input. */
  receive(id: number, frame: Uint8Array): void {
    const conn = this.connections.get(id);
    if (!conn || conn.phase.kind === 'closed') return;
    // The hot path: a participant's 2D cursor, about 15 a second per person, skips the generic
    // decode and re-encode (same checks, same bytes out).
    if (isCursor2dFrame(frame) && isParticipant(conn)) {
      if (spend(this.ctx, conn, CURSOR_BUDGET, 0)) this.presence.cursor2d(conn, frame);
      return;
    }
    let message: Message;
    try {
      message = decode(frame);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (spend(this.ctx, conn, 'control', 0)) this.refuse(conn, ErrorCode.BadMessage, 0, error.message);
      return;
    }
    const rid = ridOf(message);
    if (!spend(this.ctx, conn, budgetKindOf(message.type), rid)) return;
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
    return this.writes.flush();
  }

  /** Resolves once no write is queued or in flight. */
  idle(): Promise<void> {
    return this.writes.idle();
  }

  /**
   * Tells every connection why it is closing (default: server shutdown, so clients reconnect),
   * closes them, stops timers and stores what is left.
   */
  async close(code: ErrorCode = ErrorCode.ServerShutdown): Promise<void> {
    if (this.disposed) return;
    for (const conn of [...this.connections.all()]) this.fatal(conn, code);
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
    return this.connections.admitted().length;
  }

  /**
   * True when `identity` gets into this room without waiting: the host, anyone in an `open` room,
   * a trusted email, a user the host admitted, or a user with an admitted connection now. A room
   * whose admission follows this one (a companion room) asks it at every join.
   */
  admitsWithoutWaiting(identity: Identity): boolean {
    return this.admission.admitsByPolicy(identity) || this.connections.of(identity.userId).length > 0;
  }

  /**
   * Closes every connection of `userId`, in any phase, with `code` and frees the user's locks: the
   * host's remove, or the room this one follows removing the user.
   */
  expel(userId: string, code: ErrorCode): void {
    for (const conn of [...this.connections.all()]) {
      if (conn.userId === userId && conn.phase.kind !== 'closed') this.fatal(conn, code);
    }
    this.locks.userRemoved(userId);
  }

  /** Whether the host (or the room this one follows, through {@link follow}) made `userId` a viewer. */
  madeViewer(userId: string): boolean {
    return this.admission.madeViewer(userId);
  }

  /**
   * Makes `userId` a viewer (`read`) or an editor again (`write`) as the host's `setAccess` does,
   * from outside: a companion room follows its session. An identity that grants `read` only stays
   * read-only whatever this says.
   */
  follow(userId: string, access: AccessLevel): void {
    this.admission.applyAccess(userId, access);
  }

  /**
   * Opens a session on this room: a host, a join code, and the policy and trusted list its guests
   * (who come by the code) are admitted by. Connections already here keep the role they have until
   * they reconnect. Used by the server to open a session on an app-named room.
   *
   * @throws Error for a trusted list over the cap or holding something that is not an email.
   */
  openSession(session: SessionSettings): void {
    this.admission.openSession(session);
  }

  /**
   * Ends the session for everyone, as the host's `endSession` does: every connection is closed
   * with `SessionEnded`, the join code and host are cleared and the users the host admitted are
   * forgotten, and the room takes nobody in while it stays loaded. Observers see `session-ended`;
   * a server then forgets the room.
   */
  endSession(): void {
    this.admission.endSession();
  }

  /** Whether the session on this room ended ({@link endSession}). */
  get sessionEnded(): boolean {
    return this.admission.hasEnded;
  }

  /** A copy of the current settings. */
  getSettings(): RoomSettings {
    const settings = this.admission.settings;
    return { ...settings, trusted: [...settings.trusted] };
  }

  /** Current document version (lww), sequence (ops) or 0 (yjs). */
  get documentVersion(): number {
    return this.document.version;
  }

  /** The document as a whole, as it is now (including what is not yet stored). */
  readDocument(): DocumentContent {
    return this.document.read();
  }

  /**
   * Replaces the document from the host process (say, the app's backend): applied as an edit of
   * the room's mode is, and sent to every admitted connection: `lww` takes `doc` as its next
   * version; `ops` takes it as a snapshot at the next sequence number, dropping the log; `yjs`
   * merges it as an update. Locks do not apply; `maxDocBytes` does. Resolves with the new
   * version (0 for Yjs) once the change is durable.
   *
   * @param mode The mode the caller means `doc` for; another room mode is refused (`WrongDocMode`).
   * @throws DocumentRefused (synchronously, via the promise) when refused: nothing changed.
   * @throws Error when the room is closed, or the store failed (the room then closes itself).
   */
  async replaceDocument(mode: DocMode, doc: Uint8Array): Promise<number> {
    if (this.disposed) throw new Error(`room ${this.id} is closed`);
    if (mode !== this.document.mode) {
      throw new DocumentRefused(
        ErrorCode.WrongDocMode,
        `this room's document mode is ${this.document.mode}, not ${mode}`,
        this.document.mode,
      );
    }
    const outcome = this.document.replace(doc);
    if ('code' in outcome) throw new DocumentRefused(outcome.code, outcome.message);
    await this.writes.stored();
    return outcome.version;
  }

  // ── Dispatch ───────────────────────────────────────────────────────────────────────────────

  private dispatch(conn: Connection, m: ClientMessage): void {
    if (m.type === 'ping') return this.send(conn, { type: 'pong', nonce: m.nonce });
    if (m.type === 'pong') return;
    if (conn.phase.kind === 'hello') {
      if (m.type === 'hello') this.admission.hello(conn, m);
      else this.refuse(conn, ErrorCode.BadMessage, ridOf(m), `expected hello, got ${m.type}`);
      return;
    }
    if (m.type === 'hello') return this.refuse(conn, ErrorCode.BadMessage, 0, 'hello was already received');
    if (!isParticipant(conn)) {
      return this.refuse(conn, ErrorCode.NotAdmitted, ridOf(m), 'waiting for the host to admit you');
    }
    const refusal = conn.access === 'read' ? viewerRefusal(m) : undefined;
    if (refusal !== undefined) return this.refuse(conn, ErrorCode.Forbidden, ridOf(m), refusal);

    switch (m.type) {
      case 'admit':
      case 'setAccess':
      case 'setPolicy':
      case 'setTrusted':
      case 'endSession':
        return this.admission.hostMessage(conn, m);
      case 'cursor2d':
        // Never here: a participant's cursor2d frame takes the short cut in receive.
        return;
      case 'presenceSet':
      case 'visibility':
      case 'cursor3d':
      case 'selection':
      case 'cursorClear':
        return this.presence.message(conn, m);
      case 'lockAcquire':
      case 'lockRelease':
      case 'lockRenew':
      case 'lockKeep':
      case 'accessRequest':
      case 'accessAnswer':
        return this.locks.message(conn, m);
      case 'awareness':
        return this.awareness.message(conn, m.states);
      case 'chatSend':
        return this.chat.send(conn, m.rid, m.body);
      case 'lwwSet':
      case 'opSubmit':
      case 'opsSnapshot':
      case 'yjs':
        return this.edits.message(conn, m);
      case 'signal':
        return this.refuse(conn, ErrorCode.BadMessage, 0, SIGNAL_HERE);
      default:
        m satisfies never;
    }
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
    conn.phase = { kind: 'closed', seat: before.seat };
    this.connections.delete(conn);
    this.admission.left(conn.userId, before);
    if (before.kind === 'hello') return;
    const { slot } = before.seat;
    const wasAdmitted = before.kind === 'admitted';
    if (wasAdmitted) {
      this.cursors.drop(conn);
      this.awareness.left(conn);
      this.broadcast({ type: 'peerLeave', slot });
      if (this.connections.of(conn.userId).length === 0) this.locks.userLeft(conn.userId);
    }
    this.emit({ type: 'left', slot, userId: conn.userId, wasAdmitted });
  }

  // ── Output ─────────────────────────────────────────────────────────────────────────────────

  private send(conn: Connection, message: ServerMessage): void {
    if (conn.phase.kind !== 'closed') conn.socket.send(encode(message));
  }

  /** Encodes once; the same bytes go to every recipient. */
  private broadcast(message: ServerMessage, except?: Connection): void {
    const frame = encode(message);
    for (const conn of this.connections.all()) {
      if (conn !== except && conn.phase.kind === 'admitted') conn.socket.send(frame);
    }
  }

  private refuse(conn: Connection, code: ErrorCode, rid: number, message = ERRORS[code].message): void {
    this.edits.outcome(conn, rid, { code });
    this.send(conn, { type: 'error', code, rid, message });
    this.emit({ type: 'error', slot: conn.slot, code, message, fatal: false });
  }

  private emit(event: ActivityInput): void {
    if (this.listeners.size === 0) return;
    const stamped = { ...event, at: this.clock.now() } as RoomActivity;
    for (const listener of this.listeners) listener(stamped);
  }

  // ── Persistence ────────────────────────────────────────────────────────────────────────────

  /** Queues a write (or, with `write` undefined, only an ack that must follow earlier writes). */
  private persist(write: RoomWrite | undefined, ack?: PendingAck): void {
    if (ack) this.edits.outcome(ack.conn, ack.rid, { version: ack.version });
    this.writes.queue(write, ack);
  }

  private writeBehindRoom(): WriteBehindRoom {
    return {
      // What the ledger learnt goes in the same batch as the edits it describes: stored together or
      // not at all, so a stored edit is always recognised on retry.
      takeWrites: () => (this.ledger.changed ? this.ledger.takeWrites() : []),
      acknowledge: (ack) => this.send(ack.conn, { type: 'docAck', rid: ack.rid, version: ack.version }),
      unstored: (ack) => this.refuse(ack.conn, ErrorCode.Internal, ack.rid, 'the edit could not be stored'),
      failed: (error) => {
        // The room closes, telling everyone to reconnect: the next load starts from what is durable,
        // in a new epoch, and clients catch up from there.
        this.emit({ type: 'store-failed', error });
        void this.close(ErrorCode.ServerShutdown);
      },
    };
  }

  private makeContext(): RoomContext {
    return {
      clock: this.clock,
      limits: this.limits,
      numberFloor: (this.epoch - 1) * EPOCH_SPAN,
      random: () => this.random(),
      connections: () => this.connections.all(),
      admitted: () => this.connections.admitted(),
      connectionsOf: (userId) => this.connections.of(userId),
      fatal: (conn, code, message) => this.fatal(conn, code, message),
      broadcast: (message, except) => this.broadcast(message, except),
      send: (conn, message) => this.send(conn, message),
      refuse: (conn, code, rid, message) => this.refuse(conn, code, rid, message),
      persist: (write, ack) => this.persist(write, ack),
      announceLock: (announce) => {
        if (!this.announceLocksWhenStored) announce();
        else if (!this.disposed) this.writes.afterStored(announce);
      },
      emit: (event) => this.emit(event),
    };
  }

  private documentContext(): DocumentContext {
    const { limits, numberFloor, broadcast, send, refuse, persist } = this.ctx;
    return {
      limits,
      numberFloor,
      broadcast,
      send,
      refuse,
      persist,
      checkEdit: (sender, resource, rid) => this.locks.checkEdit(sender, resource, rid),
      ackAfterWrites: (ack) => this.persist(undefined, ack),
      changed: (version, slot) => this.emit({ type: 'doc', mode: this.document.mode, version, slot }),
    };
  }

  private admissionSeam(canJoin: JoinGate | undefined): AdmissionSeam {
    return {
      canJoin,
      entered: () => this.connections.admittedChanged(),
      sendRoom: (conn) => {
        this.send(conn, rosterMessage(this.connections.admitted()));
        for (const other of this.connections.admitted()) {
          if (other.access === 'read')
            this.send(conn, { type: 'peerAccess', slot: other.seat.slot, access: 'read' });
        }
        for (const m of this.locks.snapshotFor(conn)) this.send(conn, m);
        this.send(conn, this.chat.history());
        for (const m of this.document.catchUp(conn.seat.since)) this.send(conn, m);
        const cursors = latestPointers(this.connections.admitted(), conn);
        if (cursors) conn.socket.send(cursors);
        for (const m of this.awareness.snapshotFor(conn)) this.send(conn, m);
      },
      expel: (userId, code) => this.expel(userId, code),
      ended: () => {
        for (const conn of [...this.connections.all()]) this.fatal(conn, ErrorCode.SessionEnded);
        this.emit({ type: 'session-ended' });
      },
      accessChanged: (userId, accessOf) => {
        let demoted = false;
        for (const conn of this.connections.of(userId)) {
          const access = accessOf(conn);
          if (access === conn.access) continue;
          conn.access = access;
          demoted ||= access === 'read';
          this.broadcast({ type: 'peerAccess', slot: conn.seat.slot, access });
        }
        // A viewer holds no lock and waits for none: what it held is free for the editors.
        if (demoted) this.locks.userRemoved(userId);
      },
    };
  }
}

const CURSOR_BUDGET = budgetKindOf('cursor2d');
const SIGNAL_HERE = 'signaling goes to the signaling endpoint, not a room';

function ridOf(message: Message): number {
  return 'rid' in message ? message.rid : 0;
}
