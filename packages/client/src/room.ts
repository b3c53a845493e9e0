import {
  type AccessOutcome,
  type AdmissionPolicy,
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
import { YjsSyncClient } from '@tandem/yjs';
import * as Y from 'yjs';
import type { TokenSource } from './auth.js';
import { Backoff, type BackoffOptions } from './connection/backoff.js';
import { randomClientId } from './connection/client-id.js';
import { frameBytes, type WebSocketConstructor, type WebSocketLike } from './connection/transport.js';
import { decodeJson, encodeJson } from './documents/json.js';
import { LwwMirror } from './documents/lww-mirror.js';
import { OpsMirror } from './documents/ops-mirror.js';
import { YjsOutbox } from './documents/yjs-outbox.js';
import { Emitter } from './emitter.js';
import { TandemError } from './errors.js';
import type { EditOutboxStore } from './offline/edit-outbox.js';
import { KeptEdits } from './offline/kept-edits.js';
import { YjsUnacked } from './offline/yjs-unacked.js';
import { ActivityLog } from './state/activity-log.js';
import { ChatOutbox } from './state/chat-outbox.js';
import { CursorSender } from './state/cursor-sender.js';
import type {
  AccessRequest,
  ActivityEntry,
  ChatMessage,
  ConnectionStatus,
  Cursor,
  LockGrant,
  LockState,
  Participant,
  RoomSettingsView,
  StatusChange,
  WaitingGuest,
} from './types.js';

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

/** Where to connect: a room id or a join code. */
export type RoomTarget = { roomId: string } | { code: string };

export interface RoomConnectionOptions {
  /** Base HTTP URL of the server, e.g. `http://localhost:4321`. */
  url: string;
  target: RoomTarget;
  tokens: TokenSource;
  WebSocket: WebSocketConstructor;
  /** Display-name hint, used only when the token carries no name. */
  name?: string;
  /**
   * This client's identity in the room across reconnects (`hello.clientId`): edits and chat
   * messages are remembered under it, so one resent after a lost ack is applied once. Default: a
   * fresh random id per connection object. Pass a stored one only together with the request ids
   * that go with it (an edit outbox kept across page loads).
   */
  clientId?: string;
  /**
   * Keeps this connection's unacknowledged edits across page loads, and adopts those a previous
   * page left for the same room (see {@link EditOutboxStore}). Default: edits live in memory only.
   */
  outbox?: EditOutboxStore;
  /** Local cursor sends per second; keep at or under the server's budget. Default 15. */
  cursorRate?: number;
  /** Hide the cursor automatically when the page is hidden (browsers). Default true. */
  autoVisibility?: boolean;
  /** Reconnect backoff. */
  backoff?: BackoffOptions;
  /** Offer an ops snapshot after this many operations. Default 500. */
  opsSnapshotEvery?: number;
  /**
   * Opens the connection's transport instead of a WebSocket to `url` (a peer-to-peer session's
   * DataChannel, or the host's loopback to the room in its own page). Called for every attempt.
   */
  connector?: (token: string) => WebSocketLike;
}

interface PendingRequest {
  resolve: (value: never) => void;
  reject: (error: TandemError) => void;
  /** Resolved by a docAck, lockGranted or accessResult with this rid. */
  kind: 'doc' | 'lock' | 'access';
}

/**
 * One room, as one participant sees it: the connection (with automatic reconnect), the roster,
 * presence, cursors, locks, chat, admission and the document in the room's mode. Obtain it from
 * {@link TandemClient.join}.
 */
export class RoomConnection extends Emitter<RoomEvents> {
  private ws: WebSocketLike | undefined;
  private currentStatus: ConnectionStatus = 'idle';
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private left = false;
  private started = false;
  private nextRid = 1;
  private readonly requests = new Map<number, PendingRequest>();
  private fatal: TandemError | undefined;

  private selfInfo: MessageOf<'welcome'> | undefined;
  private readonly participants = new Map<number, Participant>();
  private settingsView: RoomSettingsView | undefined;
  private waiting: WaitingGuest[] = [];
  private ownPresence: unknown;
  private hidden = false;

  private readonly cursorSender: CursorSender;
  private readonly peerCursors = new Map<number, Cursor>();

  private readonly lockHolders = new Map<string, MessageOf<'lockList'>['locks'][number]>();
  private readonly grants = new Map<string, LockGrant>();
  private readonly incomingRequests = new Map<number, AccessRequest>();
  private activeSinceRenew = false;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private releaseWaiters = new Map<string, (() => void)[]>();

  private readonly chatLog: ChatMessage[] = [];
  private readonly chatOutbox = new ChatOutbox<ChatMessage>((rid, body) =>
    this.sendIfLive({ type: 'chatSend', rid, body }),
  );
  private readonly authors = new Map<number, { slot: number; userId: string; name: string; color: string }>();
  private unreadCount = 0;
  private readonly log = new ActivityLog(20);

  /** The whole-document (lww) mirror. */
  readonly lww: LwwMirror;
  /** The operations (ops) mirror; call `ops.use({ initial, apply })` to fold state. */
  readonly ops: OpsMirror;
  private yDoc: Y.Doc | undefined;
  private ySync: YjsSyncClient | undefined;
  private readonly yOutbox = new YjsOutbox({
    send: (m) => this.sendIfLive(m),
    nextRid: () => this.allocateRid(),
  });
  /** The room's opening state vector, held until admission creates the sync client that answers it. */
  private yOpening: MessageOf<'yjs'> | undefined;
  private readonly detachVisibility: (() => void) | undefined;
  private id: string;
  private readonly kept: KeptEdits | undefined;
  private readonly yUnacked = new YjsUnacked(() => this.kept?.changed());

  constructor(private readonly options: RoomConnectionOptions) {
    super();
    this.id = options.clientId ?? randomClientId();
    this.backoff = new Backoff(options.backoff);
    this.cursorSender = new CursorSender(options.cursorRate ?? 15, (m) => this.sendIfLive(m));
    this.lww = new LwwMirror({
      submit: (doc, resource, rid) =>
        this.request('doc', (r) => ({ type: 'lwwSet', rid: r, resource, doc }), rid),
      pendingChanged: () => this.kept?.changed(),
    });
    this.ops = new OpsMirror(
      {
        submit: (op, resource, rid) =>
          this.request('doc', (r) => ({ type: 'opSubmit', rid: r, resource, op }), rid),
        snapshot: (seq, snapshot) => this.sendIfLive({ type: 'opsSnapshot', rid: 0, seq, snapshot }),
        isMine: (slot) => slot === this.selfInfo?.slot,
        pendingChanged: () => this.kept?.changed(),
      },
      options.opsSnapshotEvery,
    );
    this.detachVisibility =
      options.autoVisibility === false ? undefined : watchVisibility((hidden) => this.setHidden(hidden));
    this.kept = options.outbox && this.keptEdits(options.outbox);
  }

  /** The id this client's edits are remembered under in the room (see {@link RoomConnectionOptions.clientId}). */
  get clientId(): string {
    return this.id;
  }

  // ── Connection ───────────────────────────────────────────────────────────────────────────

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** Starts connecting (idempotent). {@link TandemClient.join} calls it for you. */
  connect(): void {
    if (this.left || this.started) return;
    this.started = true;
    // On the next microtask, so listeners attached right after `join()` see `connecting`.
    queueMicrotask(() => void this.start());
  }

  /** Claims kept edits to adopt (their client id goes in `hello`), then opens. */
  private async start(): Promise<void> {
    // Left at once (a React effect mounted twice in development): claim nothing the next one needs.
    if (this.left) return;
    if (this.kept) {
      const adopted = await this.kept.prepare(this.id);
      this.id = adopted.clientId;
      if (adopted.nextRid !== undefined) {
        this.nextRid = Math.max(this.nextRid, adopted.nextRid);
        // Edits made before the claim have sent nothing yet: they go under rids above the adopted ones.
        const next = () => this.allocateRid();
        this.lww.renumber(next);
        this.ops.renumber(next);
      }
      this.kept.changed();
    }
    await this.open();
  }

  /** Leaves the room for good and closes the connection. */
  leave(): void {
    this.left = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cursorSender.cancel();
    this.stopRenewals();
    this.detachVisibility?.();
    this.kept?.close();
    this.ySync?.destroy();
    this.yOutbox.reset();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'left');
    this.failRequests();
    this.chatOutbox.failAll(TandemError.disconnected());
    this.setStatus('disconnected');
  }

  private async open(): Promise<void> {
    if (this.left) return; // left before the queued start ran (join then leave in one tick)
    this.setStatus(this.currentStatus === 'idle' ? 'connecting' : 'reconnecting');
    let credential: string;
    try {
      // A WebSocket URL carries a single-use ticket, never the token: proxies and logs keep URLs.
      const { connector, tokens } = this.options;
      credential = await (connector ? tokens.token() : tokens.ticket());
    } catch (error) {
      this.scheduleRetry(new TandemError(ErrorCode.Unauthorized, (error as Error).message));
      return;
    }
    if (this.left) return;
    const base = this.options.url.replace(/^http/, 'ws').replace(/\/+$/, '');
    const t = this.options.target;
    const path =
      'roomId' in t ? `/rooms/${encodeURIComponent(t.roomId)}` : `/join/${encodeURIComponent(t.code)}`;
    const ws = this.options.connector
      ? this.options.connector(credential)
      : new this.options.WebSocket(`${base}${path}?ticket=${encodeURIComponent(credential)}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.fatal = undefined;
    ws.onopen = () => {
      const since = this.settingsView?.docMode === 'ops' ? this.ops.version : this.lww.version;
      ws.send(
        encode({
          type: 'hello',
          version: PROTOCOL_VERSION,
          clientId: this.clientId,
          name: this.options.name ?? '',
          since,
        }),
      );
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      const bytes = frameBytes(event.data);
      if (bytes) this.receiveFrame(bytes);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.onClosed(event.code, event.reason);
    };
  }

  private onClosed(code: number, reason: string): void {
    this.cursorSender.cancel();
    this.stopRenewals();
    this.ySync?.destroy();
    this.ySync = undefined;
    this.yOpening = undefined;
    this.yOutbox.reset();
    this.failRequests();
    this.clearPeers();
    if (this.left) return;
    const info = errorOfCloseCode(code);
    const error =
      this.fatal ??
      (info
        ? new TandemError(info.code, reason || info.message)
        : new TandemError(0, `connection closed (${code})`));
    if (info && !info.retry) {
      this.chatOutbox.failAll(error);
      this.note('status', `disconnected: ${error.message}`);
      this.setStatus('disconnected', error);
      return;
    }
    this.scheduleRetry(error);
  }

  private scheduleRetry(error: TandemError): void {
    if (this.left) return;
    const delay = this.backoff.next();
    this.note('status', `reconnecting in ${Math.round(delay)} ms: ${error.message}`);
    this.setStatus('reconnecting', error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.open();
    }, delay);
  }

  private setStatus(status: ConnectionStatus, error?: TandemError): void {
    if (status === this.currentStatus && !error) return;
    const previous = this.currentStatus;
    this.currentStatus = status;
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

  private dispatch(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        this.selfInfo = m;
        if (this.kept?.welcomed(m.userId)) void this.restartUnderOwnId(this.kept);
        return;
      case 'admission':
        if (m.state === 'waiting') {
          this.setStatus('waiting');
          this.emit('admission');
        } else this.admitted();
        return;
      case 'settings': {
        this.settingsView = {
          policy: m.policy,
          docMode: m.docMode,
          joinCode: m.joinCode,
          hostUserId: m.hostUserId,
          trusted: m.trusted,
        };
        this.emit('settings', this.settingsView);
        return;
      }
      case 'waitingList':
        this.waiting = m.waiting;
        if (m.waiting.length > 0)
          this.note('admission', `${m.waiting.map((w) => w.name).join(', ')} waiting to join`);
        this.emit('admission');
        return;
      case 'roster':
        this.participants.clear();
        for (const p of m.participants) this.participants.set(p.slot, this.participantOf(p));
        this.emit('others', this.others);
        this.emit('self', this.self);
        return;
      case 'peerJoin': {
        const p = this.participantOf(m);
        this.participants.set(p.slot, p);
        this.note('peer', `${p.name} joined`);
        this.emit('join', p);
        this.emit('others', this.others);
        return;
      }
      case 'peerLeave': {
        const p = this.participants.get(m.slot);
        this.participants.delete(m.slot);
        this.dropCursor(m.slot);
        if (p) {
          this.authors.set(p.slot, { slot: p.slot, userId: p.userId, name: p.name, color: p.color });
          this.note('peer', `${p.name} left`);
          this.emit('leave', p);
        }
        this.emit('others', this.others);
        return;
      }
      case 'presence':
        this.updateParticipant(m.slot, { presence: decodeJson(m.presence) });
        return;
      case 'peerVisibility':
        this.updateParticipant(m.slot, { hidden: m.hidden });
        if (m.hidden) this.dropCursor(m.slot);
        return;
      case 'peerCursor2d':
        return this.peerCursor(m.slot, { kind: '2d', x: m.x, y: m.y });
      case 'peerCursors2d':
        for (const c of m.cursors) this.peerCursor(c.slot, { kind: '2d', x: c.x, y: c.y });
        return;
      case 'peerCursor3d':
        return this.peerCursor(m.slot, { kind: '3d', x: m.x, y: m.y, z: m.z });
      case 'peerSelection':
        return this.peerCursor(m.slot, {
          kind: 'selection',
          element: m.element,
          anchor: m.anchor,
          head: m.head,
        });
      case 'peerCursorClear':
        return this.dropCursor(m.slot);
      case 'batch':
        for (const { frame } of m.frames) this.receiveFrame(frame);
        return;
      case 'lockList':
        this.lockHolders.clear();
        for (const l of m.locks) this.lockHolders.set(l.resource, l);
        // Grants the room no longer holds for us (one that expired while we were away) are gone;
        // the ones it does hold come again as lockGranted right after.
        for (const [resource, grant] of this.grants) {
          const holder = this.lockHolders.get(resource);
          if (holder?.holderUser !== this.selfInfo?.userId || holder?.fence !== grant.fence)
            this.grants.delete(resource);
        }
        this.emit('locks');
        return;
      case 'lockState':
        return this.lockChanged(m);
      case 'lockGranted':
        this.grants.set(m.resource, { resource: m.resource, lockId: m.lockId, fence: m.fence });
        this.lockHolders.set(m.resource, {
          resource: m.resource,
          holderSlot: this.selfInfo?.slot ?? 0,
          holderUser: this.selfInfo?.userId ?? '',
          fence: m.fence,
          ttlMs: m.ttlMs,
        });
        this.startRenewals(m.ttlMs);
        this.settle(m.rid, 'lock', this.grants.get(m.resource));
        this.emit('locks');
        return;
      case 'accessRequested':
        return this.accessRequested(m);
      case 'accessResult':
        return this.accessResult(m);
      case 'lwwDoc':
        // Apply first, then log: an `activity` listener sees the document it announces.
        this.lww.receive(m);
        if (m.slot !== 0) this.note('op', `${this.nameOf(m.slot)} replaced the document (v${m.version})`);
        return;
      case 'op': {
        const said = this.ops.receive(m);
        if (m.slot !== this.selfInfo?.slot)
          this.note('op', `${this.nameOf(m.slot)}${said ? ` ${said}` : `: ${previewOp(m.op)}`}`);
        return;
      }
      case 'opsSync':
        this.ops.receiveSync(m);
        return;
      case 'docAck':
        if (this.yOutbox.taken(m.rid)) this.yjsSettled();
        else this.settle(m.rid, 'doc', m.version);
        return;
      case 'yjs':
        return this.yjsReceived(m);
      case 'chat':
        return this.chatReceived(m);
      case 'chatHistory':
        for (const a of m.authors) this.authors.set(a.slot, a);
        this.chatLog.length = 0;
        for (const msg of m.messages) this.chatLog.push(this.chatMessage(msg.id, msg.slot, msg.at, msg.body));
        this.emit('chatHistory', this.chatLog);
        return;
      case 'error':
        return this.errorReceived(m);
      case 'ping':
        this.sendIfLive({ type: 'pong', nonce: m.nonce });
        return;
      case 'pong':
      case 'signal':
        return;
      default:
        m satisfies never;
    }
  }

  /** Admitted (first time or after a reconnect): restore what this client had. */
  private admitted(): void {
    this.backoff.reset();
    this.setStatus('connected');
    if (this.ownPresence !== undefined) {
      this.sendIfLive({ type: 'presenceSet', presence: encodeJson(this.ownPresence) });
      const self = this.self;
      if (self) this.updateParticipant(self.slot, { presence: this.ownPresence });
    }
    if (this.hidden) this.sendIfLive({ type: 'visibility', hidden: true });
    const cursor = this.cursorSender.current;
    if (cursor && !this.hidden) this.cursorSender.update(cursor);
    if (this.settingsView?.docMode === 'yjs') {
      this.ySync?.destroy();
      this.ySync = new YjsSyncClient(this.yjs, (m) => this.yOutbox.send(m), {
        nextRid: () => this.allocateRid(),
      });
      const opening = this.yOpening;
      this.yOpening = undefined;
      if (opening) this.ySync.receive(opening);
    }
    this.lww.resubmitPending();
    this.ops.resubmitPending();
    this.chatOutbox.resend();
  }

  /**
   * The room's state vector comes in the admission snapshot, before `admitted` makes this
   * connection live: it is held until then, or the handshake would never start.
   */
  private yjsReceived(m: MessageOf<'yjs'>): void {
    const answered = m.step === 'diff' && m.rid !== 0 && this.yOutbox.taken(m.rid);
    if (this.ySync) this.ySync.receive(m);
    else if (m.step === 'state-vector') this.yOpening = m;
    if (answered) this.yjsSettled();
  }

  /** Once the room has taken everything sent since the handshake, no local Yjs change is unacknowledged. */
  private yjsSettled(): void {
    if (this.ySync?.synced && this.yOutbox.idle) this.yUnacked.settled();
  }

  private errorReceived(m: MessageOf<'error'>): void {
    const code = m.code as ErrorCode;
    const error = new TandemError(code, m.message, m.rid);
    const info = ERRORS[code] as (typeof ERRORS)[ErrorCode] | undefined;
    if (info?.fatal) {
      this.fatal = error;
      this.note('error', m.message);
      return;
    }
    if (m.rid !== 0 && this.yOutbox.refused(m.rid, code === ErrorCode.RateLimited)) {
      // A document update refused for its rate is sent again; the user need not hear of it.
      if (code === ErrorCode.RateLimited) this.note('error', `${m.message} (Yjs update queued again)`);
      else {
        this.note('error', m.message);
        this.emit('error', error);
      }
      return;
    }
    if (m.rid !== 0 && this.chatOutbox.refused(m.rid, error)) {
      this.note('error', m.message);
      return;
    }
    if (m.rid !== 0 && this.requests.has(m.rid)) {
      const pending = this.requests.get(m.rid)!;
      this.requests.delete(m.rid);
      pending.reject(error);
      this.note('error', m.message);
      return;
    }
    this.note('error', m.message);
    this.emit('error', error);
  }

  // ── Roster and presence ───────────────────────────────────────────────────────────────────

  /** This participant, once admitted. */
  get self(): Participant | undefined {
    const slot = this.selfInfo?.slot;
    return slot === undefined ? undefined : this.participants.get(slot);
  }

  /** Everyone else admitted. */
  get others(): readonly Participant[] {
    return [...this.participants.values()].filter((p) => !p.isSelf);
  }

  /** Anyone admitted, by slot. */
  participant(slot: number): Participant | undefined {
    return this.participants.get(slot);
  }

  /** Replaces this participant's presence (any JSON). Kept and restored after a reconnect. */
  setPresence(presence: unknown): void {
    this.ownPresence = presence;
    this.touch();
    this.sendIfLive({ type: 'presenceSet', presence: encodeJson(presence) });
    const self = this.self;
    if (self) this.updateParticipant(self.slot, { presence });
  }

  /** This participant's own presence, as last set (kept across reconnects). */
  get presence(): unknown {
    return this.ownPresence;
  }

  /** Merges `patch` into this participant's presence object. */
  updatePresence(patch: Record<string, unknown>): void {
    const base = typeof this.ownPresence === 'object' && this.ownPresence !== null ? this.ownPresence : {};
    this.setPresence({ ...base, ...patch });
  }

  // ── Cursors ──────────────────────────────────────────────────────────────────────────────

  /** Moves this participant's cursor; sent at most at the cursor rate, latest wins. */
  updateCursor(cursor: Cursor): void {
    this.touch();
    if (this.hidden) {
      this.cursorSender.clear();
      return;
    }
    this.cursorSender.update(cursor);
  }

  /** The cursor left the surface. */
  clearCursor(): void {
    this.cursorSender.clear();
    this.sendIfLive({ type: 'cursorClear' });
  }

  /** Marks the page hidden (cursor stops, presence stays) or shown. Automatic in browsers. */
  setHidden(hidden: boolean): void {
    if (hidden === this.hidden) return;
    this.hidden = hidden;
    if (hidden) this.cursorSender.clear();
    this.sendIfLive({ type: 'visibility', hidden });
  }

  /** Others' last known cursors, by slot. Feed a {@link CursorInterpolator} from the `cursor` event to draw smoothly. */
  get cursors(): ReadonlyMap<number, Cursor> {
    return this.peerCursors;
  }

  private peerCursor(slot: number, cursor: Cursor): void {
    this.peerCursors.set(slot, cursor);
    this.emit('cursor', slot, cursor);
  }

  private dropCursor(slot: number): void {
    if (this.peerCursors.delete(slot)) this.emit('cursor', slot, undefined);
  }

  // ── Locks ────────────────────────────────────────────────────────────────────────────────

  /** Selects a resource: acquires its lock (or renews it if already held). Rejects with `LockedByOther`. */
  select(resource: string): Promise<LockGrant> {
    this.touch();
    return this.request<LockGrant>('lock', (rid) => ({ type: 'lockAcquire', rid, resource })).done;
  }

  /** Deselects a resource: releases its lock if this user holds it. */
  async deselect(resource: string): Promise<void> {
    const grant = this.grants.get(resource);
    if (!grant) return;
    const released = new Promise<void>((resolve) => {
      const list = this.releaseWaiters.get(resource) ?? [];
      list.push(resolve);
      this.releaseWaiters.set(resource, list);
    });
    const { done } = this.request<never>('lock', (rid) => ({
      type: 'lockRelease',
      rid,
      resource,
      lockId: grant.lockId,
    }));
    await Promise.race([released, done]);
  }

  /** Who holds `resource`: free, mine, or held by someone else (read-only). */
  lockState(resource: string): LockState {
    const holder = this.lockHolders.get(resource);
    if (!holder || holder.holderUser === '') return { kind: 'free', readOnly: false };
    const grant = this.grants.get(resource);
    if (holder.holderUser === this.selfInfo?.userId && grant) {
      return { kind: 'mine', readOnly: false, lockId: grant.lockId, fence: grant.fence };
    }
    return {
      kind: 'held',
      readOnly: true,
      holderUserId: holder.holderUser,
      holder: this.participantByUser(holder.holderUser, holder.holderSlot),
      fence: holder.fence,
    };
  }

  /** Every resource currently locked. */
  get lockedResources(): string[] {
    return [...this.lockHolders.keys()];
  }

  /**
   * Asks the holder of `resource` for it, with a short message. Resolves `granted` (the lock is
   * now yours), `declined`, `timeout` (the holder ignored it) or `cancelled`.
   */
  requestAccess(resource: string, message: string): Promise<AccessOutcome> {
    return this.request<AccessOutcome>('access', (rid) => ({ type: 'accessRequest', rid, resource, message }))
      .done;
  }

  /** Access requests to this user that are still open. */
  get accessRequests(): AccessRequest[] {
    return [...this.incomingRequests.values()];
  }

  private lockChanged(m: MessageOf<'lockState'>): void {
    const { reason: _reason, type: _type, ...entry } = m;
    if (m.holderUser === '') this.lockHolders.delete(m.resource);
    else this.lockHolders.set(m.resource, entry);
    // A grant of ours under another fence is an older one: the new one's lockGranted follows.
    const stale = m.holderUser === this.selfInfo?.userId && this.grants.get(m.resource)?.fence !== m.fence;
    if (stale) this.grants.delete(m.resource);
    if (m.holderUser !== this.selfInfo?.userId && this.grants.delete(m.resource)) {
      for (const resolve of this.releaseWaiters.get(m.resource) ?? []) resolve();
      this.releaseWaiters.delete(m.resource);
    }
    const who =
      m.holderUser === ''
        ? 'nobody'
        : (this.participantByUser(m.holderUser, m.holderSlot)?.name ?? 'someone');
    this.note('lock', `${m.resource} ${m.reason}${m.holderUser ? ` → ${who}` : ''}`);
    this.emit('locks');
  }

  private accessRequested(m: MessageOf<'accessRequested'>): void {
    const request: AccessRequest = {
      requestId: m.requestId,
      resource: m.resource,
      from: this.participants.get(m.fromSlot),
      fromUserId: m.fromUser,
      message: m.message,
      expiresAt: Date.now() + m.timeoutMs,
      release: () => {
        const lockId = this.grants.get(m.resource)?.lockId ?? '';
        this.sendIfLive({ type: 'accessAnswer', requestId: m.requestId, decision: 'release', lockId });
      },
      decline: () =>
        this.sendIfLive({ type: 'accessAnswer', requestId: m.requestId, decision: 'decline', lockId: '' }),
    };
    this.incomingRequests.set(m.requestId, request);
    this.note('lock', `${request.from?.name ?? 'someone'} asks for ${m.resource}`);
    this.emit('accessRequest', request);
  }

  private accessResult(m: MessageOf<'accessResult'>): void {
    if (m.rid !== 0) {
      this.settle(m.rid, 'access', m.outcome);
      this.note('lock', `access to ${m.resource}: ${m.outcome}`);
    }
    if (this.incomingRequests.delete(m.requestId)) this.emit('accessRequestClosed', m.requestId);
  }

  /** Local activity keeps held locks alive: renewed every third of their lease while active. */
  private touch(): void {
    this.activeSinceRenew = true;
  }

  /** Renews every third of the lease, so one missed renewal never costs the lock. */
  private startRenewals(ttlMs: number): void {
    if (this.renewTimer) return;
    const period = Math.max(250, Math.floor(ttlMs / 3));
    this.renewTimer = setInterval(() => {
      if (this.grants.size === 0) return this.stopRenewals();
      if (!this.activeSinceRenew) return;
      this.activeSinceRenew = false;
      for (const g of this.grants.values())
        this.sendIfLive({ type: 'lockRenew', resource: g.resource, lockId: g.lockId });
    }, period);
  }

  private stopRenewals(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  // ── Chat ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a chat message; resolves once the room has relayed it. Refused while not connected; sent
   * and then cut off, it goes again after the reconnect and is posted once.
   */
  sendChat(text: string): Promise<ChatMessage> {
    if (!this.isLive()) return Promise.reject(TandemError.disconnected());
    return this.chatOutbox.add(this.allocateRid(), encodeJson({ text }));
  }

  /** The transcript, oldest first. */
  get chat(): readonly ChatMessage[] {
    return this.chatLog;
  }

  /** Messages from others since {@link markChatRead}. */
  get unread(): number {
    return this.unreadCount;
  }

  markChatRead(): void {
    if (this.unreadCount === 0) return;
    this.unreadCount = 0;
    this.emit('unread', 0);
  }

  private chatReceived(m: MessageOf<'chat'>): void {
    const message = this.chatMessage(m.id, m.slot, m.at, m.body);
    const own =
      message.mine || (message.author !== undefined && message.author.userId === this.selfInfo?.userId);
    if (own && this.chatOutbox.has(m.rid)) this.chatOutbox.echoed(m.rid, message);
    // A resent message's echo repeats one the transcript may already hold from the catch-up.
    if (this.chatLog.some((c) => c.id === m.id)) return;
    this.chatLog.push(message);
    if (this.chatLog.length > 200) this.chatLog.shift();
    if (!message.mine) {
      this.unreadCount++;
      this.emit('unread', this.unreadCount);
      this.note('chat', `${message.author?.name ?? 'someone'}: ${message.text.slice(0, 60)}`);
    }
    this.emit('chat', message);
  }

  private chatMessage(id: number, slot: number, at: number, body: Uint8Array): ChatMessage {
    const decoded = decodeJson(body) as { text?: unknown } | undefined;
    const p = this.participants.get(slot);
    const author = p ? { slot, userId: p.userId, name: p.name, color: p.color } : this.authors.get(slot);
    return {
      id,
      author,
      at,
      text: typeof decoded?.text === 'string' ? decoded.text : '',
      mine: slot === this.selfInfo?.slot,
    };
  }

  // ── Admission (host) ─────────────────────────────────────────────────────────────────────

  /** Room settings (trusted list filled for the host only). */
  get settings(): RoomSettingsView | undefined {
    return this.settingsView;
  }

  /** True when this user hosts the room. */
  get isHost(): boolean {
    return this.selfInfo?.role === 'host';
  }

  /** Everyone waiting for the host (host only). */
  get waitingList(): readonly WaitingGuest[] {
    return this.waiting;
  }

  admit(slot: number): void {
    this.sendIfLive({ type: 'admit', action: 'admit', slot });
  }

  decline(slot: number): void {
    this.sendIfLive({ type: 'admit', action: 'decline', slot });
  }

  /** Removes a participant (every tab of that user). */
  remove(slot: number): void {
    this.sendIfLive({ type: 'admit', action: 'remove', slot });
  }

  setPolicy(policy: AdmissionPolicy): void {
    this.sendIfLive({ type: 'setPolicy', policy });
  }

  setTrusted(emails: readonly string[]): void {
    this.sendIfLive({ type: 'setTrusted', emails: [...emails] });
  }

  // ── Documents ────────────────────────────────────────────────────────────────────────────

  /** The room's Y.Doc (yjs mode); bind editor bindings to it. Created on first use. */
  get yjs(): Y.Doc {
    if (!this.yDoc) {
      this.yDoc = new Y.Doc();
      if (this.kept) this.yUnacked.watch(this.yDoc);
    }
    return this.yDoc;
  }

  // ── Activity ─────────────────────────────────────────────────────────────────────────────

  /** The last 20 events, newest first. */
  get activity(): readonly ActivityEntry[] {
    return this.log.list();
  }

  private note(kind: ActivityEntry['kind'], message: string): void {
    this.emit('activity', this.log.add(kind, message));
  }

  // ── Plumbing ─────────────────────────────────────────────────────────────────────────────

  /** Sends a request under a new rid, or under `rid` again for a retry of the same edit. */
  private request<T>(
    kind: PendingRequest['kind'],
    build: (rid: number) => ClientMessage,
    rid: number = this.allocateRid(),
  ): { rid: number; done: Promise<T> } {
    const done = new Promise<T>((resolve, reject) => {
      if (!this.isLive()) {
        reject(TandemError.disconnected());
        return;
      }
      this.requests.set(rid, { resolve: resolve as (value: never) => void, reject, kind });
      this.send(build(rid));
    });
    return { rid, done };
  }

  private allocateRid(): number {
    const rid = this.nextRid++;
    this.kept?.ridUsed(rid);
    return rid;
  }

  private settle(rid: number, kind: PendingRequest['kind'], value: unknown): void {
    const pending = this.requests.get(rid);
    if (!pending || pending.kind !== kind) return;
    this.requests.delete(rid);
    (pending.resolve as (v: unknown) => void)(value);
  }

  private failRequests(): void {
    const pending = [...this.requests.values()];
    this.requests.clear();
    for (const p of pending) p.reject(TandemError.disconnected());
    for (const waiters of this.releaseWaiters.values()) for (const resolve of waiters) resolve();
    this.releaseWaiters.clear();
  }

  private isLive(): boolean {
    return this.currentStatus === 'connected' && this.ws !== undefined;
  }

  private sendIfLive(message: ClientMessage): void {
    if (this.isLive()) this.send(message);
  }

  private send(message: ClientMessage): void {
    this.ws?.send(encode(message));
  }

  private keptEdits(store: EditOutboxStore): KeptEdits {
    const t = this.options.target;
    const server = this.options.url.replace(/\/+$/, '');
    return new KeptEdits(store, server, 'roomId' in t ? `room:${t.roomId}` : `code:${t.code}`, {
      unacknowledged: () => ({
        ops: this.ops.unacknowledged,
        ...(this.lww.unacknowledged ? { lww: this.lww.unacknowledged } : {}),
        ...(this.yUnacked.pending ? { yjs: this.yUnacked.pending } : {}),
      }),
      restore: (edits) => {
        if (edits.lww) this.lww.restore(edits.lww);
        this.ops.restore(edits.ops);
        if (edits.yjs) this.yUnacked.restore(this.yjs, edits.yjs);
      },
      nextRid: () => this.nextRid,
      note: (message) => this.note('status', message),
    });
  }

  /**
   * The entry claimed for this connection's `hello` turned out to be another user's: this
   * connection starts again under a client id of its own (before admission, nothing was sent).
   */
  private async restartUnderOwnId(kept: KeptEdits): Promise<void> {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'restarting under another client id');
    this.id = await kept.restart(randomClientId());
    await this.open();
  }

  private clearPeers(): void {
    for (const slot of [...this.peerCursors.keys()]) this.dropCursor(slot);
    this.incomingRequests.clear();
  }

  private participantOf(p: MessageOf<'peerJoin'> | MessageOf<'roster'>['participants'][number]): Participant {
    return {
      slot: p.slot,
      userId: p.userId,
      name: p.name,
      color: p.color,
      role: p.role,
      hidden: p.hidden,
      presence: decodeJson(p.presence),
      isSelf: p.slot === this.selfInfo?.slot,
    };
  }

  private updateParticipant(slot: number, patch: Partial<Participant>): void {
    const p = this.participants.get(slot);
    if (!p) return;
    this.participants.set(slot, { ...p, ...patch });
    if (p.isSelf) this.emit('self', this.self);
    else this.emit('others', this.others);
  }

  private participantByUser(userId: string, slot: number): Participant | undefined {
    const bySlot = this.participants.get(slot);
    if (bySlot?.userId === userId) return bySlot;
    return [...this.participants.values()].find((p) => p.userId === userId);
  }

  private nameOf(slot: number): string {
    return this.participants.get(slot)?.name ?? this.authors.get(slot)?.name ?? 'someone';
  }
}

function previewOp(bytes: Uint8Array): string {
  const envelope = decodeJson(bytes) as { o?: unknown } | undefined;
  const text = JSON.stringify(envelope?.o ?? envelope) ?? '';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Reports page visibility changes; nothing outside browsers. */
function watchVisibility(onChange: (hidden: boolean) => void): (() => void) | undefined {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc?.addEventListener) return undefined;
  const handler = () => onChange(doc.visibilityState === 'hidden');
  doc.addEventListener('visibilitychange', handler);
  if (doc.visibilityState === 'hidden') queueMicrotask(handler);
  return () => doc.removeEventListener('visibilitychange', handler);
}
