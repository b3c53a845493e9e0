import {
  DecodeError,
  decode,
  ERRORS,
  ErrorCode,
  encode,
  HOST_PEER,
  MAX_SIGNAL_PAYLOAD_BYTES,
  type MessageOf,
  makeP2PSessionId,
} from '@tandem/protocol';
import {
  type Clock,
  type Identity,
  plainIdentity,
  RateBucket,
  type RoomSocket,
  refuseSocket,
  type TimerHandle,
} from '@tandem/room';
import type { Attachment } from '../placement/attachment.js';
import { Refusal } from '../refusal.js';

export interface SignalingLimits {
  /** Guests per session (the host's room caps participants again). */
  maxGuests: number;
  /** Signaling messages per second per connection (a burst of this many passes). */
  signalsPerSecond: number;
  /** Largest offer, answer or candidate payload, in bytes. */
  maxPayloadBytes: number;
  /** How long a created session waits for its host to connect. */
  hostWaitMs: number;
  /** Sessions one user may have waiting for them to connect as host. */
  maxWaiting: number;
  /** How long a session waits for a host whose connection dropped to connect again. */
  hostReturnMs: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = {
  maxGuests: 9,
  signalsPerSecond: 50,
  maxPayloadBytes: MAX_SIGNAL_PAYLOAD_BYTES,
  hostWaitMs: 5 * 60_000,
  maxWaiting: 3,
  hostReturnMs: 60_000,
};

/** One connection to the signaling endpoint. */
export interface SignalingPeer {
  readonly peer: number;
  readonly identity: Identity;
  readonly socket: RoomSocket;
  readonly budget: RateBucket;
}

interface Session {
  id: string;
  hostUserId: string;
  host: SignalingPeer | undefined;
  guests: Map<number, SignalingPeer>;
  nextPeer: number;
  /** Ends a session whose host never connected. */
  expiry: TimerHandle | undefined;
}

/**
 * The signaling endpoint of peer-to-peer sessions: a host creates a session and connects; guests
 * connect with its id; the hub introduces each guest to the host (`join`, with the identity the
 * server verified from the guest's token, so the host's room engine never trusts a name a peer
 * sends) and relays their offers, answers and ICE candidates, unparsed, between host and guest
 * only (a star around the host). It never sees documents, operations or media: once the
 * DataChannel is open, everything goes browser to browser. Sessions live in memory and end when
 * their host leaves.
 */
export class SignalingHub {
  private readonly sessions = new Map<string, Session>();
  private readonly limits: SignalingLimits;

  /**
   * Told when a session ends (`false`). A cluster holds a lease on each session here (taken when
   * `POST /p2p` creates it), so its host and guests reaching other servers are forwarded here.
   */
  onLive: ((sessionId: string, live: boolean) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    limits: Partial<SignalingLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SIGNALING_LIMITS, ...limits };
  }

  /** Every session here: waiting for its host, or with its host connected. */
  liveSessions(): string[] {
    return [...this.sessions.keys()];
  }

  /** Whether the session exists here (its host may not have connected yet). */
  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** {@link connect}, as an {@link Attachment} (frames in, leaving). */
  attach(sessionId: string, identity: Identity, socket: RoomSocket): Attachment {
    const peer = this.connect(sessionId, identity, socket);
    return {
      receive: (frame) => this.receive(sessionId, peer, frame),
      detach: () => this.disconnect(sessionId, peer),
      leaveCleanly: () => this.disconnect(sessionId, peer, true),
    };
  }

  /** Ends a session at once (its lease moved elsewhere): everyone is told to reconnect. */
  endSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) this.end(session, ErrorCode.ServerShutdown, ERRORS[ErrorCode.ServerShutdown].message);
  }

  /**
   * Creates a session hosted by `host`; it ends unless the host connects within `hostWaitMs`.
   * Throws {@link Refusal} (`HostLimit`) when `host` already has `maxWaiting` sessions
   * whose host has not connected: each holds memory until then.
   */
  create(host: Identity): string {
    const waiting = [...this.sessions.values()].filter((s) => s.hostUserId === host.userId && !s.host);
    if (waiting.length >= this.limits.maxWaiting) {
      throw new Refusal(
        ErrorCode.HostLimit,
        `you already have ${waiting.length} peer-to-peer sessions waiting for you to connect`,
      );
    }
    let id = makeP2PSessionId(this.random);
    while (this.sessions.has(id)) id = makeP2PSessionId(this.random);
    const session: Session = {
      id,
      hostUserId: host.userId,
      host: undefined,
      guests: new Map(),
      nextPeer: 1,
      expiry: undefined,
    };
    session.expiry = this.clock.setTimeout(() => {
      if (!session.host) this.end(session, ErrorCode.RoomClosed, 'the host never came');
    }, this.limits.hostWaitMs);
    this.sessions.set(id, session);
    return id;
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Adds a verified connection to a session: its host (the user who created it) or a guest, whom
   * the host is told of at once. Throws {@link Refusal} for an unknown session, a second
   * host connection, a guest before the host is there, or a full session.
   */
  connect(sessionId: string, identity: Identity, socket: RoomSocket): SignalingPeer {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Refusal(ErrorCode.RoomNotFound, `no peer-to-peer session ${sessionId}`);
    const budget = new RateBucket(this.limits.signalsPerSecond, 3, 5, this.clock.now());
    if (identity.userId === session.hostUserId) {
      if (session.expiry !== undefined) this.clock.clearTimeout(session.expiry);
      session.expiry = undefined;
      // The newest connection of the host hosts. The one it replaces is a page that reloaded (or
      // lost its network) before the server noticed it was gone, or another tab of the host's: it
      // is told HostAway (the session is hosted elsewhere now), and so are the guests that were
      // still being introduced to it, to be introduced to this one.
      const replaced = session.host;
      session.host = { peer: HOST_PEER, identity, socket, budget };
      if (replaced) {
        refuseSocket(replaced.socket, ErrorCode.HostAway, 'this session is hosted from another page now');
        this.forgetGuests(session);
      }
      return session.host;
    }
    // The session waits for its host (not connected yet, or gone for a moment): so does the guest.
    if (!session.host) throw new Refusal(ErrorCode.HostAway, 'the host is not in this session right now');
    if (session.guests.size >= this.limits.maxGuests)
      throw new Refusal(ErrorCode.RoomFull, 'this session is full');
    const guest: SignalingPeer = { peer: session.nextPeer++, identity, socket, budget };
    session.guests.set(guest.peer, guest);
    const who = JSON.stringify(plainIdentity(identity));
    this.signal(session.host, guest.peer, 'join', new TextEncoder().encode(who));
    return guest;
  }

  /** A frame from a connection: a signal for the other side, a ping, or a refusal. */
  receive(sessionId: string, from: SignalingPeer, frame: Uint8Array): void {
    const session = this.sessions.get(sessionId);
    if (!session || !this.isMember(session, from)) return;
    const verdict = from.budget.take(this.clock.now());
    if (verdict === 'flood') return this.expel(session, from, ErrorCode.Flood);
    if (verdict !== 'ok') {
      if (verdict === 'drop-and-tell')
        this.tell(from, ErrorCode.RateLimited, 'over the signaling budget; dropped');
      return;
    }
    let message: ReturnType<typeof decode>;
    try {
      message = decode(frame);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return this.tell(from, ErrorCode.BadMessage, error.message);
    }
    if (message.type === 'ping') return from.socket.send(encode({ type: 'pong', nonce: message.nonce }));
    if (message.type !== 'signal')
      return this.tell(
        from,
        ErrorCode.BadMessage,
        'only signal and ping are accepted on a signaling connection',
      );
    this.relay(session, from, message);
  }

  private relay(session: Session, from: SignalingPeer, m: MessageOf<'signal'>): void {
    if (m.kind === 'join' || m.kind === 'leave')
      return this.tell(from, ErrorCode.BadMessage, `${m.kind} is announced by the server, not sent`);
    if (m.payload.length > this.limits.maxPayloadBytes)
      return this.tell(
        from,
        ErrorCode.PayloadTooLarge,
        `signal payloads are at most ${this.limits.maxPayloadBytes} bytes`,
      );
    if (from.peer !== HOST_PEER) {
      // Star topology: a guest talks to the host only.
      if (m.peer !== HOST_PEER)
        return this.tell(from, ErrorCode.BadMessage, 'a guest signals the host (peer 0) only');
      // A guest is on signaling only while its host is (see `disconnect`).
      if (session.host) this.signal(session.host, from.peer, m.kind, m.payload);
      return;
    }
    const guest = session.guests.get(m.peer);
    if (!guest) return this.tell(from, ErrorCode.NotFound, `no guest ${m.peer} in this session`);
    this.signal(guest, HOST_PEER, m.kind, m.payload);
  }

  /** A connection closed: a guest's leaving is told to the host; the host's ends the session. */
  /**
   * A connection closed: a guest's leaving is told to the host. The host closing cleanly (close
   * code 1000) ends the session; otherwise (its token expired, its network dropped) the session
   * waits `hostReturnMs` for the host to connect again, its guests' DataChannels carrying on.
   */
  disconnect(sessionId: string, peer: SignalingPeer, clean = false): void {
    const session = this.sessions.get(sessionId);
    if (!session || !this.isMember(session, peer)) return;
    if (peer.peer !== HOST_PEER) {
      session.guests.delete(peer.peer);
      if (session.host) this.signal(session.host, peer.peer, 'leave', new Uint8Array(0));
      return;
    }
    if (clean) return this.end(session, ErrorCode.RoomClosed, 'the host ended the session');
    session.host = undefined;
    this.forgetGuests(session);
    session.expiry = this.clock.setTimeout(() => {
      if (!session.host) this.end(session, ErrorCode.RoomClosed, 'the host did not come back');
    }, this.limits.hostReturnMs);
  }

  /** Ends every session (server shutdown): guests and hosts are told, with a retryable code. */
  close(): void {
    for (const session of [...this.sessions.values()])
      this.end(session, ErrorCode.ServerShutdown, ERRORS[ErrorCode.ServerShutdown].message);
  }

  private end(session: Session, code: ErrorCode, message: string): void {
    this.sessions.delete(session.id);
    this.onLive?.(session.id, false);
    if (session.expiry !== undefined) this.clock.clearTimeout(session.expiry);
    for (const guest of session.guests.values()) {
      this.signal(guest, HOST_PEER, 'leave', new Uint8Array(0));
      refuseSocket(guest.socket, code, message);
    }
    session.guests.clear();
    if (session.host) refuseSocket(session.host.socket, code, message);
    session.host = undefined;
  }

  /**
   * The guests on signaling were introduced to a host connection that is gone, and the next one
   * knows none of them: they are told to try again, and are introduced to it then. A guest whose
   * DataChannel is open stays in the room (only its signaling closes).
   */
  private forgetGuests(session: Session): void {
    for (const guest of session.guests.values())
      refuseSocket(guest.socket, ErrorCode.HostAway, 'the host left for a moment; connect again');
    session.guests.clear();
  }

  private expel(session: Session, peer: SignalingPeer, code: ErrorCode): void {
    refuseSocket(peer.socket, code);
    this.disconnect(session.id, peer);
  }

  private isMember(session: Session, peer: SignalingPeer): boolean {
    return peer.peer === HOST_PEER ? session.host === peer : session.guests.get(peer.peer) === peer;
  }

  private signal(
    to: SignalingPeer,
    peer: number,
    kind: MessageOf<'signal'>['kind'],
    payload: Uint8Array,
  ): void {
    to.socket.send(encode({ type: 'signal', peer, kind, payload }));
  }

  private tell(to: SignalingPeer, code: ErrorCode, message: string): void {
    to.socket.send(encode({ type: 'error', code, rid: 0, message }));
  }
}
