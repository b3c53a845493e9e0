import {
  type ClientMessage,
  DecodeError,
  decode,
  ERRORS,
  ErrorCode,
  encode,
  errorOfCloseCode,
  type MessageOf,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@tandem/protocol';
import { systemClock } from '@tandem/room';
import { Backoff } from '../connection/backoff.js';
import { randomClientId } from '../connection/client-id.js';
import { lookUpJoinCode } from '../connection/join-lookup.js';
import { Liveness } from '../connection/liveness.js';
import { knownOffline, watchNetwork } from '../connection/network.js';
import { frameBytes, type WebSocketLike } from '../connection/transport.js';
import type { LwwMirror } from '../documents/lww-mirror.js';
import type { OpsMirror } from '../documents/ops-mirror.js';
import { Emitter } from '../emitter.js';
import { TandemError } from '../errors.js';
import { ActivityLog } from '../state/activity-log.js';
import type { ActivityEntry, ConnectionStatus } from '../types.js';
import { Admission } from './admission.js';
import { AwarenessPart } from './awareness.js';
import { Chat } from './chat.js';
import type { ConnectionContext } from './context.js';
import { Cursors } from './cursors.js';
import { Documents } from './documents.js';
import type { RoomEvents } from './events.js';
import { Locks } from './locks.js';
import { type RoomConnectionOptions, targetKey, targetPath } from './options.js';
import { PendingRequests, type RequestKind } from './requests.js';
import { Roster } from './roster.js';
import { type Attempt, type ConnectionState, selfOf, socketOf } from './state.js';
import { watchVisibility } from './visibility.js';

/**
 * The connection under a {@link RoomConnection}: its state, opening with `hello`, reconnecting with
 * backoff, requests and their answers, and routing each message from the room to the part that
 * owns it. The parts are the subclass's to ask; they talk back through a {@link ConnectionContext}.
 */
export abstract class ConnectionCore extends Emitter<RoomEvents> {
  private state: ConnectionState = { status: 'idle', starting: false };
  private readonly backoff: Backoff;
  private readonly requests = new PendingRequests();
  private nextRid = 1;
  private id: string;
  private readonly log = new ActivityLog(20);
  private readonly detachVisibility: (() => void) | undefined;
  private readonly detachNetwork: (() => void) | undefined;
  private nextPing = 1;

  protected readonly roster: Roster;
  protected readonly pointers: Cursors;
  protected readonly locks: Locks;
  protected readonly transcript: Chat;
  protected readonly admission: Admission;
  protected readonly documents: Documents;
  protected readonly awarenessPart: AwarenessPart;

  /** The whole-document (lww) mirror. */
  readonly lww: LwwMirror;
  /** The operations (ops) mirror; call `ops.use({ initial, apply })` to fold state. */
  readonly ops: OpsMirror;

  constructor(private readonly options: RoomConnectionOptions) {
    super();
    this.id = options.clientId ?? randomClientId();
    this.backoff = new Backoff(options.backoff);
    const ctx: ConnectionContext = {
      self: () => selfOf(this.state),
      readOnly: () => this.readOnly,
      isLive: () => this.isLive(),
      sendIfLive: (m) => this.sendIfLive(m),
      request: (kind, build, rid) => this.request(kind, build, rid),
      settle: (rid, kind, value) => this.requests.settle(rid, kind, value),
      allocateRid: () => this.allocateRid(),
      emit: (event, ...args) => this.emit(event, ...args),
      note: (kind, message) => this.note(kind, message),
    };
    this.pointers = new Cursors(ctx, options.cursorRate ?? 15);
    this.roster = new Roster(ctx, (slot) => this.pointers.drop(slot));
    this.locks = new Locks(ctx, this.roster, options.clock ?? systemClock);
    this.transcript = new Chat(ctx, this.roster);
    this.admission = new Admission(ctx);
    this.documents = new Documents(ctx, {
      opsSnapshotEvery: options.opsSnapshotEvery,
      kept: options.outbox && { store: options.outbox, ...keptEntryKey(options) },
      nextRid: () => this.nextRid,
      nameOf: (slot) => this.roster.nameOf(slot),
      edited: (resource) => {
        if (resource !== '') this.locks.touch(resource);
      },
    });
    this.awarenessPart = new AwarenessPart(
      ctx,
      () => this.documents.yjs,
      () => this.admission.docMode === 'yjs',
    );
    this.lww = this.documents.lww;
    this.ops = this.documents.ops;
    this.detachVisibility = options.autoVisibility === false ? undefined : watchVisibility(this.pointers);
    this.detachNetwork = watchNetwork((online) => (online ? this.cameOnline() : this.wentOffline()));
  }

  /** The id this client's edits are remembered under in the room (see {@link RoomConnectionOptions.clientId}). */
  get clientId(): string {
    return this.id;
  }

  // ── Connection ───────────────────────────────────────────────────────────────────────────

  get status(): ConnectionStatus {
    return this.state.status;
  }

  /**
   * True while this participant is a viewer (the app's token or the host made it one): it sees
   * the document, presence, cursors and chat, may chat and move its cursor, and its edits, locks
   * and access requests reject at once with a {@link ReadOnlyError}. Known from admission on.
   */
  get readOnly(): boolean {
    return this.roster.self?.access === 'read';
  }

  /** Starts connecting (idempotent). {@link TandemClient.join} calls it for you. */
  connect(): void {
    if (this.state.status !== 'idle' || this.state.starting) return;
    this.state = { status: 'idle', starting: true };
    // On the next microtask, so listeners attached right after `join()` see `connecting`.
    queueMicrotask(() => void this.start());
  }

  /** Claims kept edits to adopt (their client id goes in `hello`), then opens. */
  private async start(): Promise<void> {
    // Left at once (a React effect mounted twice in development): claim nothing the next one needs.
    if (this.state.status === 'disconnected') return;
    const adopting = this.documents.adopt(this.id, (next) => {
      this.nextRid = Math.max(this.nextRid, next);
    });
    // Without kept edits there is nothing to wait for: the first attempt starts in this same task.
    if (adopting) this.id = await adopting;
    await this.open();
  }

  /** Leaves the room for good and closes the connection. */
  leave(): void {
    const state = this.state;
    if (state.status === 'reconnecting' && state.retry) clearTimeout(state.retry);
    this.pointers.stop();
    this.detachVisibility?.();
    this.detachNetwork?.();
    if ('attempt' in state) state.attempt?.liveness?.stop();
    this.documents.left();
    this.awarenessPart.left();
    // Out of the socket's state before closing it, so its close is not taken for a dropped connection.
    this.state = { status: 'disconnected', self: selfOf(state) };
    socketOf(state)?.close(1000, 'left');
    this.requests.failAll();
    this.locks.left();
    this.transcript.failAll(TandemError.disconnected());
    this.announce(state.status, 'disconnected');
  }

  private async open(): Promise<void> {
    if (this.state.status === 'disconnected') return; // left before the queued start ran
    const self = selfOf(this.state);
    if (this.state.status === 'idle') this.moveTo({ status: 'connecting', self });
    else this.moveTo({ status: 'reconnecting', error: errorOf(this.state), self });
    let credential: string;
    try {
      // A WebSocket URL carries a single-use ticket, never the token: proxies and logs keep URLs.
      const { connector, tokens } = this.options;
      credential = await (connector ? tokens.token() : tokens.ticket());
    } catch (error) {
      this.scheduleRetry(new TandemError(ErrorCode.Unauthorized, (error as Error).message));
      return;
    }
    const state = this.state;
    if (state.status !== 'connecting' && state.status !== 'reconnecting') return;
    const ws = this.openSocket(credential);
    const attempt: Attempt = { socket: ws };
    // A connector's transport may take its time to open (a DataChannel's ICE); a WebSocket's
    // handshake counts against the watch, so one that hangs on a dead network is given up too.
    if (!this.options.connector) attempt.liveness = this.watch(ws);
    this.state = { ...state, attempt };
    ws.onopen = () => {
      attempt.liveness ??= this.watch(ws);
      attempt.liveness?.heard();
      const since = this.documents.since(this.admission.docMode);
      ws.send(
        encode({
          type: 'hello',
          version: PROTOCOL_VERSION,
          clientId: this.id,
          name: this.options.name ?? '',
          since,
        }),
      );
    };
    ws.onmessage = (event) => {
      if (socketOf(this.state) !== ws) return;
      attempt.answered = true;
      attempt.liveness?.heard();
      const bytes = frameBytes(event.data);
      if (bytes) this.receiveFrame(bytes);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (socketOf(this.state) === ws) this.onClosed(event.code, event.reason);
    };
  }

  private openSocket(credential: string): WebSocketLike {
    const { connector, url, target: t } = this.options;
    const base = url.replace(/^http/, 'ws').replace(/\/+$/, '');
    const path = targetPath(t);
    const ws = connector
      ? connector(credential)
      : new this.options.WebSocket(
          `${base}${path}${path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(credential)}`,
        );
    ws.binaryType = 'arraybuffer';
    return ws;
  }

  /** Watches `ws` for silence: pings it when quiet, gives it up when a ping goes unanswered. */
  private watch(ws: WebSocketLike): Liveness | undefined {
    const { liveness, clock } = this.options;
    if (liveness === false) return undefined;
    return new Liveness(
      liveness ?? {},
      () => {
        if (ws.readyState === 1) ws.send(encode({ type: 'ping', nonce: this.nextPing++ }));
      },
      (quietMs) => this.giveUp(ws, TandemError.noAnswer(quietMs)),
      clock,
    );
  }

  /**
   * Stops waiting on `ws` (silent, or the device went offline): a socket on a dead network may take
   * minutes to report its own close, so the connection moves on now and that close is ignored.
   */
  private giveUp(ws: WebSocketLike, error: TandemError): void {
    const previous = this.state;
    if (socketOf(previous) !== ws) return;
    // 3008 ("timeout" in the IANA registry): not 1000, which would tell the room this user left.
    ws.close(3008, error.message.slice(0, 100));
    this.lost(previous, error, 'retry');
  }

  private onClosed(code: number, reason: string): void {
    const previous = this.state;
    const attempt = 'attempt' in previous ? previous.attempt : undefined;
    const info = errorOfCloseCode(code);
    const error =
      attempt?.fatal ??
      (info
        ? new TandemError(info.code, reason || info.message)
        : new TandemError(0, `connection closed (${code})`));
    const final = info !== undefined && !info.retry;
    // A join code's upgrade refused before any room answered: the server may not know the code,
    // which a browser is never told (it sees 1006), so the server is asked.
    const unanswered = !final && info === undefined && !attempt?.answered && 'code' in this.options.target;
    this.lost(previous, error, final ? 'stop' : unanswered ? 'check-code' : 'retry');
  }

  /** The attempt of `previous` is over: the parts let go of it, and the connection stops, asks or retries. */
  private lost(previous: ConnectionState, error: TandemError, next: 'stop' | 'retry' | 'check-code'): void {
    const self = selfOf(previous);
    if ('attempt' in previous) previous.attempt?.liveness?.stop();
    // In the next state before the parts let go of the connection, so nothing they do is sent.
    this.state =
      next === 'stop'
        ? { status: 'disconnected', error, self }
        : previous.status === 'connecting' && next === 'check-code'
          ? { status: 'connecting', ...(self ? { self } : {}) }
          : { status: 'reconnecting', error, self };
    this.pointers.connectionLost();
    this.documents.connectionLost();
    this.awarenessPart.connectionLost();
    this.requests.failAll();
    this.locks.connectionLost();
    if (next === 'retry') return this.scheduleRetry(error, previous.status);
    if (next === 'check-code') return void this.checkCode(error, previous.status);
    this.stop(error, previous.status);
  }

  /** Stopped for good by a refusal no retry can fix. */
  private stop(error: TandemError, previous: ConnectionStatus): void {
    this.state = { status: 'disconnected', error, self: selfOf(this.state) };
    this.transcript.failAll(error);
    this.note('status', `disconnected: ${error.message}`);
    this.announce(previous, 'disconnected', error);
  }

  /** After an upgrade refused without a word: a code the server does not know ends the connection. */
  private async checkCode(error: TandemError, previous: ConnectionStatus): Promise<void> {
    const { target, url, tokens } = this.options;
    if (!('code' in target)) return;
    const fetchImpl = this.options.fetch ?? globalThis.fetch?.bind(globalThis);
    const verdict = fetchImpl
      ? await lookUpJoinCode(url.replace(/\/+$/, ''), target.code, () => tokens.token(), fetchImpl)
      : 'unsure';
    const status = this.state.status;
    if (status !== 'connecting' && status !== 'reconnecting') return; // left meanwhile
    if (verdict !== 'unknown') return this.scheduleRetry(error, previous);
    this.stop(
      new TandemError(ErrorCode.RoomNotFound, `there is no session with code ${target.code}`),
      previous,
    );
  }

  private scheduleRetry(error: TandemError, previous: ConnectionStatus = this.state.status): void {
    if (this.state.status === 'disconnected') return;
    // Offline, an attempt would only fail: the next one starts when the browser says the network
    // is back, or after a long wait, in case it never says so.
    const offline = knownOffline();
    const cause = offline ? TandemError.offline() : error;
    const delay = offline ? OFFLINE_RECHECK_MS : this.backoff.next();
    this.note('status', `reconnecting in ${Math.round(delay)} ms: ${cause.message}`);
    const retry = setTimeout(() => void this.open(), delay);
    this.state = { status: 'reconnecting', error: cause, retry, self: selfOf(this.state) };
    this.announce(previous, 'reconnecting', cause);
  }

  /** The browser lost the network: whatever is open is given up now, not when its socket notices. */
  private wentOffline(): void {
    const state = this.state;
    const socket = socketOf(state);
    if (socket) return this.giveUp(socket, TandemError.offline());
    if (state.status === 'reconnecting' && state.retry) {
      clearTimeout(state.retry);
      this.scheduleRetry(TandemError.offline());
    }
  }

  /** The network is back: a connection waiting to retry tries now, from the first backoff step. */
  private cameOnline(): void {
    const state = this.state;
    this.backoff.reset();
    if (state.status !== 'reconnecting' || !state.retry) return;
    clearTimeout(state.retry);
    this.state = { status: 'reconnecting', ...(state.error ? { error: state.error } : {}), self: state.self };
    void this.open();
  }

  private moveTo(next: ConnectionState, cause?: TandemError): void {
    const previous = this.state.status;
    this.state = next;
    this.announce(previous, next.status, cause);
  }

  private announce(previous: ConnectionStatus, status: ConnectionStatus, error?: TandemError): void {
    if (status === previous && !error) return;
    if (status !== 'reconnecting' && status !== 'disconnected') this.note('status', status);
    this.emit('status', { status, previous, ...(error ? { error } : {}) });
  }

  // ── Incoming ─────────────────────────────────────────────────────────────────────────────

  private receiveFrame(bytes: Uint8Array): void {
    let message: ServerMessage;
    try {
      message = decode(bytes) as ServerMessage;
    } catch (error) {
      if (error instanceof DecodeError) this.note('error', `bad frame from server: ${error.message}`);
      return;
    }
    this.dispatch(message);
  }

  /** Hands each message to the part that owns it; what is the connection's own is handled here. */
  private dispatch(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        return this.welcomed(m);
      case 'admission':
        return m.state === 'waiting' ? this.waitingForHost() : this.admitted();
      case 'settings':
      case 'waitingList':
        return this.admission.receive(m);
      case 'roster':
      case 'peerJoin':
      case 'peerLeave':
      case 'presence':
      case 'peerVisibility':
      case 'peerAccess':
        return this.roster.receive(m);
      case 'peerCursor2d':
      case 'peerCursors2d':
      case 'peerCursor3d':
      case 'peerSelection':
      case 'peerCursorClear':
        return this.pointers.receive(m);
      case 'batch':
        for (const { frame } of m.frames) this.receiveFrame(frame);
        return;
      case 'lockList':
      case 'lockState':
      case 'lockGranted':
      case 'accessRequested':
      case 'accessResult':
      case 'accessPending':
        return this.locks.receive(m);
      case 'lwwDoc':
      case 'op':
      case 'opsSync':
      case 'docAck':
      case 'yjs':
        return this.documents.receive(m);
      case 'peerAwareness':
        return this.awarenessPart.receive(m);
      case 'chat':
        return this.transcript.received(m);
      case 'chatHistory':
        this.roster.rememberAuthors(m.authors);
        return this.transcript.history(m);
      case 'error':
        return this.errorReceived(m);
      case 'ping':
        return this.sendIfLive({ type: 'pong', nonce: m.nonce });
      case 'pong':
      case 'signal':
        return;
      default:
        m satisfies never;
    }
  }

  private welcomed(m: MessageOf<'welcome'>): void {
    const state = this.state;
    if (state.status !== 'idle') this.state = { ...state, self: m };
    if (this.documents.welcomed(m.userId)) void this.restartUnderOwnId();
  }

  private waitingForHost(): void {
    const state = this.state;
    // The room always welcomes a connection before it says anything about its admission.
    if (!('attempt' in state && state.attempt && state.self)) return;
    this.moveTo({ status: 'waiting', attempt: state.attempt, self: state.self });
    this.emit('admission');
  }

  /** Admitted (first time or after a reconnect): restore what this client had. */
  private admitted(): void {
    const state = this.state;
    if (!('attempt' in state && state.attempt && state.self)) return;
    this.backoff.reset();
    this.moveTo({ status: 'connected', attempt: state.attempt, self: state.self });
    this.roster.restore();
    this.pointers.restore();
    this.documents.admitted(this.admission.docMode);
    this.awarenessPart.admitted();
    this.transcript.resend();
  }

  private errorReceived(m: MessageOf<'error'>): void {
    const code = m.code as ErrorCode;
    const error = new TandemError(code, m.message, m.rid);
    const info = ERRORS[code] as (typeof ERRORS)[ErrorCode] | undefined;
    if (info?.fatal) {
      const state = this.state;
      if ('attempt' in state && state.attempt) state.attempt.fatal = error;
      this.note('error', m.message);
      return;
    }
    if (m.rid !== 0 && this.documents.refused(m.rid, error)) return;
    if (m.rid !== 0 && (this.transcript.refused(m.rid, error) || this.requests.refused(m.rid, error))) {
      this.note('error', m.message);
      return;
    }
    this.note('error', m.message);
    this.emit('error', error);
  }

  /**
   * The entry claimed for this connection's `hello` turned out to be another user's: this
   * connection starts again under a client id of its own (before admission, nothing was sent).
   */
  private async restartUnderOwnId(): Promise<void> {
    const state = this.state;
    if (state.status !== 'connecting' && state.status !== 'reconnecting') return;
    this.state = { ...state, attempt: undefined };
    state.attempt?.liveness?.stop();
    state.attempt?.socket.close(1000, 'restarting under another client id');
    this.id = await this.documents.restart(randomClientId());
    await this.open();
  }

  /** The last 20 events, newest first. */
  get activity(): readonly ActivityEntry[] {
    return this.log.list();
  }

  private note(kind: ActivityEntry['kind'], message: string): void {
    this.emit('activity', this.log.add(kind, message));
  }

  // ── Requests and sending ─────────────────────────────────────────────────────────────────

  /** Sends a request under a new rid, or under `rid` again for a retry of the same edit. */
  private request<T>(
    kind: RequestKind,
    build: (rid: number) => ClientMessage,
    rid: number = this.allocateRid(),
  ): { rid: number; done: Promise<T> } {
    const done = new Promise<T>((resolve, reject) => {
      if (!this.isLive()) {
        reject(TandemError.disconnected());
        return;
      }
      this.requests.add(rid, kind, resolve, reject);
      this.send(build(rid));
    });
    return { rid, done };
  }

  private allocateRid(): number {
    const rid = this.nextRid++;
    this.documents.ridUsed(rid);
    return rid;
  }

  private isLive(): boolean {
    return this.state.status === 'connected';
  }

  private sendIfLive(message: ClientMessage): void {
    if (this.isLive()) this.send(message);
  }

  private send(message: ClientMessage): void {
    socketOf(this.state)?.send(encode(message));
  }
}

/** How long a connection the browser says is offline waits before trying anyway. */
const OFFLINE_RECHECK_MS = 30_000;

function errorOf(state: ConnectionState): TandemError | undefined {
  return 'error' in state ? state.error : undefined;
}

/** Kept edits are filed by server and room target, as `join` was given it. */
function keptEntryKey({ url, target }: RoomConnectionOptions): { server: string; room: string } {
  const server = url.replace(/\/+$/, '');
  return { server, room: targetKey(target) };
}
