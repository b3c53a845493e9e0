import { type AdmissionPolicy, type DocMode, ErrorCode } from '@tandem/protocol';
import type { Clock, Identity, RoomStore } from '@tandem/room';
import { type AuthOption, type TokenSource, tokenSource } from './auth.js';
import { toBase64 } from './base64.js';
import type { BackoffOptions } from './connection/backoff.js';
import type { LivenessOptions } from './connection/liveness.js';
import type { WebSocketConstructor, WebSocketLike } from './connection/transport.js';
import { type InitialDocument, initialDocumentBase64 } from './documents/initial-document.js';
import { TandemError } from './errors.js';
import type { EditOutboxStore } from './offline/edit-outbox.js';
import { GuestSocket } from './p2p/guest-socket.js';
import { P2PHost, type P2PHostOptions } from './p2p/host.js';
import { attachPeerChannel, type PeerChannel, PeerChannelCell } from './p2p/peer-channel.js';
import {
  endSessionAsHost,
  type IceServer,
  type P2PSessionInfo,
  type RTCPeerConnectionConstructor,
} from './p2p/signaling.js';
import { RoomConnection, type RoomTarget } from './room-connection.js';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The hosted room's connection, for a session that ends on its own to leave. */
interface Ending {
  room?: RoomConnection;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Base HTTP URL of the Tandem server, e.g. `http://localhost:4321`. */
  url: string;
  /** A token, a function returning a fresh token on every (re)connect, or `{ guest: name }`. */
  auth: AuthOption;
  /** WebSocket implementation. Default `globalThis.WebSocket`; in Node < 22 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation. Default `globalThis.fetch`. */
  fetch?: Fetch;
  /** Display-name hint for tokens without a name. */
  name?: string;
  /** Cursor sends per second. Default 15 (the server's default budget). */
  cursorRate?: number;
  /** Hide the cursor when the page is hidden, and pause it while its window has lost focus. Default true. */
  autoVisibility?: boolean;
  backoff?: BackoffOptions;
  /**
   * When a silent connection is given up and reconnected: after `pingAfterMs` of quiet (default
   * 10 s) the client pings, and with no answer within `timeoutMs` (default 15 s) it closes the
   * socket and goes `reconnecting`. `false` turns the watch off.
   *
   * @example
   * const client = createClient({ url, auth, liveness: { pingAfterMs: 5_000, timeoutMs: 5_000 } });
   */
  liveness?: LivenessOptions | false;
  /**
   * Time for the liveness watch, lock leases and access-request countdowns; tests pass a manual
   * clock. Default the system's.
   */
  clock?: Clock;
  /** In `ops` rooms, offer the room a snapshot after this many operations (needs a reducer). Default 500. */
  opsSnapshotEvery?: number;
  /** WebRTC implementation for peer-to-peer sessions. Default `globalThis.RTCPeerConnection`. */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /**
   * STUN/TURN servers for peer-to-peer sessions, instead of the ones the server hands out (its
   * `iceServers` option: Google's public STUN server unless configured otherwise). `[]` uses none:
   * peers then connect only where their local addresses reach each other.
   *
   * @example
   * const client = createClient({
   *   url: location.origin,
   *   auth,
   *   iceServers: [
   *     { urls: 'stun:stun.example.org:3478' },
   *     { urls: 'turn:turn.example.org:3478', username: 'tandem', credential: turnPassword },
   *   ],
   * });
   */
  iceServers?: IceServer[];
  /**
   * Keeps the unacknowledged edits of rooms joined with {@link TandemClient.join} across page
   * loads (or across connection objects), so edits made offline survive a reload and are still
   * applied once. Default: none, edits live in memory only.
   *
   * @example
   * const client = createClient({ url: location.origin, auth, outbox: indexedDbOutbox() });
   */
  outbox?: EditOutboxStore;
}

/** What a peer-to-peer session starts with. */
export interface PeerToPeerOptions {
  /** Default `host-approval` (waiting room). */
  policy?: AdmissionPolicy;
  /** Default `lww`. */
  docMode?: DocMode;
  /**
   * Where the host's room keeps its state; memory by default, so it goes with the page. A
   * {@link WebStorageRoomStore} over `sessionStorage` keeps it across a reload of the page, for
   * {@link TandemClient.resumePeerToPeer}.
   */
  store?: RoomStore;
}

/** A peer-to-peer session this client hosts: its room runs in this page. */
export interface PeerToPeerSession {
  /** Share it: guests join with it (`nss-ab12cd-3xy7`). */
  sessionId: string;
  /** The host's own connection to the room. */
  room: RoomConnection;
  /** Guests connected over a DataChannel now. */
  readonly guests: number;
  /**
   * The host's side of its guests' DataChannels, for a status pill: `idle` while no guest is
   * connected (waiting for a peer), `connecting` while one is being reached, `connected` once a
   * guest's channel is open. Also `peerChannelOf(session.room)`.
   */
  readonly channel: PeerChannel;
  /**
   * Disconnects every guest and keeps hosting: each DataChannel closes cleanly, its guest leaves
   * the room (its channel `idle`, reason "the host disconnected") instead of reconnecting, and this
   * side is `idle` again, waiting for the next peer.
   */
  disconnect(): void;
  /** Ends the session: every guest is told the room closed, and the host's connection leaves. */
  end(): void;
}

/** A session the client started as host. */
export interface HostedSession {
  roomId: string;
  joinCode: string;
  /** `<server>/?join=<code>`: share it. */
  inviteUrl: string;
}

/** What a new session starts with. */
export interface HostOptions {
  /** Default `host-approval` (waiting room). */
  policy?: AdmissionPolicy;
  /** Default `lww`. */
  docMode?: DocMode;
  /** Emails admitted without waiting. */
  trusted?: string[];
  /**
   * The room id of a session this user hosts: the new room is its companion (say, a notes
   * document in another mode). Whoever the session admitted gets in without waiting, nobody else
   * does (`NotInSession`); removal from the session removes from it, closing the session closes it.
   * `policy` and `trusted` do not apply to a companion.
   *
   * @example
   * const session = await client.host({ docMode: 'ops' });
   * const notes = await client.host({ companionOf: session.roomId, docMode: 'yjs' });
   */
  companionOf?: string;
  /**
   * What the session's document starts as, in its `docMode`: the host's current document, so
   * collaboration starts from it rather than from empty. Within the server's `maxDocBytes`.
   *
   * @example
   * await client.host({ docMode: 'lww', initialDocument: { json: lessonCard } });
   * await client.host({ docMode: 'yjs', initialDocument: ydoc });
   */
  initialDocument?: InitialDocument;
  /**
   * The name of an app-named room this user may write: the session is opened on it (its document is
   * the room's), for guests who come by the join code and are admitted by `policy` and `trusted`.
   * The host then connects with {@link TandemClient.room}; `docMode` and `companionOf` do not apply.
   *
   * @example
   * const { inviteUrl } = await client.host({ room: 'lesson-42', policy: 'host-approval' });
   * const room = client.room('lesson-42');
   */
  room?: string;
}

/** How to open an app-named room. */
export interface AppRoomOptions {
  /**
   * The document mode the room is created in if it does not exist yet (by a user with write
   * access); an existing room in another mode refuses the connection (`WrongDocMode`). Without it
   * the room is joined in whatever mode it has, and never created.
   */
  mode?: DocMode;
}

/** What {@link TandemClient.createRoom} starts a room with. */
export interface CreateRoomOptions {
  mode: DocMode;
  /**
   * The document in hand: the whole `lww` bytes, an `ops` snapshot, or a Yjs update
   * (`Y.encodeStateAsUpdate(doc)`), at most the server's document cap (512 KB by default).
   * Ignored when the room exists already.
   */
  initial?: Uint8Array;
}

/** What became of {@link TandemClient.createRoom}. */
export interface CreatedRoom {
  room: string;
  mode: DocMode;
  /** False when the room existed already (its document is kept, `initial` was not used). */
  created: boolean;
}

/**
 * The entry point: one per server and signed-in user.
 *
 * @example
 * const client = createClient({ url: 'http://localhost:4321', auth: { guest: 'Ada' } });
 * const { roomId, inviteUrl } = await client.host({ policy: 'host-approval' });
 * const room = client.join({ roomId });
 * room.on('status', ({ status }) => console.log(status));
 */
export class TandemClient {
  private readonly tokens: TokenSource;
  private readonly fetchImpl: Fetch;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    // Bound: browsers throw "Illegal invocation" when fetch is called as a method of another object.
    const f = options.fetch ?? (globalThis.fetch?.bind(globalThis) as Fetch | undefined);
    if (!f) throw new Error('no fetch available: pass options.fetch');
    this.fetchImpl = f;
    const ws = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ws)
      throw new Error('no WebSocket available: pass options.WebSocket (e.g. the `ws` package in Node)');
    this.WebSocketImpl = ws;
    this.tokens = tokenSource(options.auth, this.baseUrl, this.fetchImpl);
  }

  /** Starts a session hosted by this user: a new room, its join code and invite link. */
  async host(options: HostOptions = {}): Promise<HostedSession> {
    const res = await this.fetchImpl(`${this.baseUrl}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.tokens.token()}` },
      body: JSON.stringify(sessionBody(options)),
    });
    const body = (await res.json()) as HostedSession & { error?: string; message?: string };
    if (!res.ok) throw new Error(`could not start a session: ${body.message ?? body.error ?? res.status}`);
    return { roomId: body.roomId, joinCode: body.joinCode, inviteUrl: body.inviteUrl };
  }

  /**
   * Connects to the app-named room `name` (`lesson-42`): the app's own document, which its token's
   * `tandem.rooms` claim (or the server's `authorize` hook) lets this user read or write. A user
   * with write access creates it, in `mode`, if it does not exist yet. The connection starts at
   * once and reconnects by itself; no access closes it with `Forbidden`.
   *
   * @example
   * const room = client.room('lesson-42', { mode: 'yjs' });
   */
  room(name: string, options: AppRoomOptions = {}): RoomConnection {
    return this.connection({ room: name, ...(options.mode ? { mode: options.mode } : {}) });
  }

  /**
   * Creates the app-named room `name` from the document in hand, so collaboration starts from what
   * the user is editing rather than from empty; needs write access. A room that exists is left as
   * it is (`created: false`). Then connect with {@link room}.
   *
   * @throws TandemError with the server's code (`Forbidden`, `WrongDocMode`, `DocTooLarge`, …).
   *
   * @example
   * await client.createRoom('lesson-42', { mode: 'lww', initial: bytesOfTheOpenLesson });
   * const room = client.room('lesson-42', { mode: 'lww' });
   */
  async createRoom(name: string, options: CreateRoomOptions): Promise<CreatedRoom> {
    const res = await this.fetchImpl(`${this.baseUrl}/docs/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.tokens.token()}` },
      body: JSON.stringify({
        docMode: options.mode,
        ...(options.initial ? { initial: toBase64(options.initial) } : {}),
      }),
    });
    const body = (await res.json()) as { created?: boolean; error?: string; message?: string };
    if (!res.ok) {
      const code = ErrorCode[body.error as keyof typeof ErrorCode] ?? ErrorCode.BadMessage;
      throw new TandemError(code, `could not create room ${name}: ${body.message ?? res.status}`);
    }
    return { room: name, mode: options.mode, created: body.created === true };
  }

  /** Connects to a room by id or join code. The connection starts at once and reconnects by itself. */
  join(target: RoomTarget): RoomConnection {
    return this.connection(target);
  }

  private connection(target: RoomTarget, connector?: (token: string) => WebSocketLike): RoomConnection {
    const room = new RoomConnection({
      // A peer-to-peer room lives in its host's page: kept edits would outlive it for nothing.
      ...(connector ? { connector } : this.options.outbox ? { outbox: this.options.outbox } : {}),
      url: this.baseUrl,
      target,
      tokens: this.tokens,
      WebSocket: this.WebSocketImpl,
      fetch: this.fetchImpl,
      ...(this.options.liveness !== undefined ? { liveness: this.options.liveness } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.name !== undefined ? { name: this.options.name } : {}),
      ...(this.options.cursorRate !== undefined ? { cursorRate: this.options.cursorRate } : {}),
      ...(this.options.autoVisibility !== undefined ? { autoVisibility: this.options.autoVisibility } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      ...(this.options.opsSnapshotEvery !== undefined
        ? { opsSnapshotEvery: this.options.opsSnapshotEvery }
        : {}),
    });
    room.connect();
    return room;
  }

  /**
   * Starts a peer-to-peer session: the room runs in this page and guests connect to it over
   * WebRTC DataChannels (the server only introduces them). Share `sessionId`; end it with `end()`.
   *
   * @example
   * const { sessionId, room } = await client.hostPeerToPeer({ policy: 'open', docMode: 'ops' });
   */
  async hostPeerToPeer(options: PeerToPeerOptions = {}): Promise<PeerToPeerSession> {
    const RTC = this.rtc();
    const token = await this.tokens.token();
    const res = await this.fetchImpl(`${this.baseUrl}/p2p`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    const body = (await res.json()) as P2PSessionInfo & { host: Identity; error?: string; message?: string };
    if (!res.ok) throw new Error(`could not start a session: ${body.message ?? body.error ?? res.status}`);
    const ending: Ending = {};
    const host = await P2PHost.open(this.hostOptions(body, body.host, RTC, options, ending));
    return this.hosted(host, ending);
  }

  /**
   * Hosts again a peer-to-peer session this user started, after its page reloaded: the server
   * keeps a session 60 s for a host that left without ending it, and the room comes back from
   * `options.store` (the one the session was started with), guests reconnecting on their own.
   * Rejects with `RoomNotFound` when the session has ended, or when nothing of its room is in
   * `options.store` (the session is then ended: a new room under its id would hand out again the
   * versions and sequence numbers its guests hold).
   *
   * @example
   * const store = new WebStorageRoomStore(sessionStorage);
   * const session = await client.resumePeerToPeer(savedSessionId, { store });
   */
  async resumePeerToPeer(sessionId: string, options: PeerToPeerOptions = {}): Promise<PeerToPeerSession> {
    const RTC = this.rtc();
    const token = await this.tokens.token();
    const res = await this.fetchImpl(`${this.baseUrl}/p2p/${encodeURIComponent(sessionId)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 404) throw new TandemError(ErrorCode.RoomNotFound, 'the session has ended');
    const body = (await res.json()) as P2PSessionInfo & { you: Identity; message?: string };
    if (!res.ok) throw new Error(`could not resume the session: ${body.message ?? res.status}`);
    const ending: Ending = {};
    const host = await P2PHost.open(this.hostOptions(body, body.you, RTC, options, ending), true);
    if (host) return this.hosted(host, ending);
    // Ended at once, so its guests stop waiting for it.
    endSessionAsHost(this.baseUrl, sessionId, this.tokens.ticket(), this.WebSocketImpl);
    throw new TandemError(ErrorCode.RoomNotFound, 'nothing of this session is stored here; it has ended');
  }

  private hostOptions(
    info: P2PSessionInfo,
    identity: Identity,
    RTC: RTCPeerConnectionConstructor,
    options: PeerToPeerOptions,
    ending: Ending,
  ): P2PHostOptions {
    return {
      baseUrl: this.baseUrl,
      sessionId: info.sessionId,
      ticket: () => this.tokens.ticket(),
      host: identity,
      iceServers: this.options.iceServers ?? info.iceServers,
      WebSocket: this.WebSocketImpl,
      RTCPeerConnection: RTC,
      ...options,
      onEnded: () => ending.room?.leave(),
    };
  }

  /** Connects this client to the room it hosts. */
  private hosted(host: P2PHost, ending: Ending): PeerToPeerSession {
    const connection = this.connection({ roomId: host.room.id }, () => host.connectSelf());
    ending.room = connection;
    attachPeerChannel(connection, host.channel);
    return {
      sessionId: host.room.id,
      room: connection,
      get guests() {
        return host.guestCount;
      },
      channel: host.channel,
      disconnect: () => host.disconnectGuests(),
      end: () => {
        host.end();
        connection.leave();
      },
    };
  }

  /**
   * Joins a peer-to-peer session by its id: the connection signals through the server, then talks
   * to the host's page over a DataChannel. It reconnects as any connection does, except when the
   * host disconnects it: it then leaves (`disconnected`, no error). `leave()` is this side's
   * Disconnect. `peerChannelOf(room)` tells where its DataChannel stands.
   */
  joinPeerToPeer(sessionId: string): RoomConnection {
    const RTC = this.rtc();
    const channel = new PeerChannelCell();
    const room: RoomConnection = this.connection(
      { roomId: sessionId.trim() },
      (token) =>
        new GuestSocket({
          baseUrl: this.baseUrl,
          sessionId: sessionId.trim(),
          token,
          WebSocket: this.WebSocketImpl,
          RTCPeerConnection: RTC,
          fetch: this.fetchImpl,
          ...(this.options.iceServers ? { iceServers: this.options.iceServers } : {}),
          // Trying again keeps saying why the last attempt did not get through.
          onStatus: (status, reason) =>
            channel.set(
              status,
              reason ??
                (status === 'connecting' && channel.state.status !== 'connected'
                  ? channel.state.reason
                  : undefined),
            ),
          onHostDisconnected: () => room.leave(),
        }),
    );
    // Left while no channel was open (between attempts): no socket closes to say so.
    room.on('status', ({ status, error }) => {
      const now = channel.state.status;
      if (status !== 'disconnected' || (now !== 'connecting' && now !== 'connected')) return;
      if (error) channel.set('failed', error.message);
      else channel.set('idle');
    });
    attachPeerChannel(room, channel);
    return room;
  }

  private rtc(): RTCPeerConnectionConstructor {
    const RTC =
      this.options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: RTCPeerConnectionConstructor }).RTCPeerConnection;
    if (!RTC) throw new Error('no WebRTC here: pass options.RTCPeerConnection');
    return RTC;
  }

  /** A token for this user (from the auth option), e.g. to call the server's HTTP API directly. */
  token(): Promise<string> {
    return this.tokens.token();
  }
}

/** Creates a {@link TandemClient}. */
export function createClient(options: ClientOptions): TandemClient {
  return new TandemClient(options);
}

/** The JSON `POST /sessions` takes for `options`: the initial document as base64. */
function sessionBody({ initialDocument, ...rest }: HostOptions): Record<string, unknown> {
  return initialDocument === undefined
    ? rest
    : { ...rest, initialDocument: initialDocumentBase64(initialDocument) };
}
