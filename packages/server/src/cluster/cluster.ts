import { randomBytes } from 'node:crypto';
import { ERRORS, ErrorCode } from '@tandem/protocol';
import { type Identity, plainIdentity, type RoomSocket, refuseSocket } from '@tandem/room';
import type { Logger } from '../observability/logger.js';
import type { Attachment } from '../placement/attachment.js';
import { Link } from '../placement/link.js';
import { Refusal, ROOM_MOVED, RoomElsewhere } from '../placement/refusal.js';
import {
  type CreatedSession,
  parentOf,
  type RoomPlacement,
  type RoomRegistry,
  type SessionRequest,
  sessionOf,
} from '../rooms/registry.js';
import type { SignalingHub } from '../signaling/hub.js';
import { ClusterBus } from './bus.js';
import type { Envelope } from './envelope.js';
import { type Lease, Ownership } from './ownership.js';
import { RedisTicketStore } from './redis-tickets.js';
import { RemoteSocket } from './remote-socket.js';

/** How a node joins its cluster. */
export interface ClusterOptions {
  redisUrl: string;
  /** Where the node's subscriber connection goes, when not at `redisUrl`. Default `redisUrl`. */
  subscriberUrl?: string | undefined;
  /** Key and channel prefix shared by the cluster's nodes. Default `tandem`. */
  prefix?: string;
  /**
   * How long a session's ownership lasts without renewal: the longest a session of a node that
   * died stays unreachable. Renewed every third of it. Default 10 000 ms.
   */
  leaseMs?: number;
  logger: Logger;
  /**
   * Joins one user may make per minute across the cluster (each server also counts its own). Default
   * unlimited.
   */
  joinsPerMinute?: number;
}

/** Lease and forwarding keys of peer-to-peer sessions: `p2p:<session id>` (room ids never hold a colon). */
const P2P_PREFIX = 'p2p:';

/** Logged (debug) for each message to another server that was lost: not sent, or nobody received it. */
export const LOST_MESSAGE = 'a message to another server was lost';

/** What a forwarded call may take before the caller gives up. */
const CALL_TIMEOUT_MS = 10_000;
/** Frames a forwarded connection may send before its room is attached on the owner. */
const MAX_QUEUED_FRAMES = 256;

/** On the entry node: a client connection carried to the node that owns its room. */
interface Forwarded {
  owner: string;
  session: string;
  socket: RoomSocket;
}

/** On the owning node: a connection held by another node. */
interface Remote {
  socket: RemoteSocket;
  session: string;
  link: Link;
  /** When its entry node last said it still holds it (or opened it). */
  vouched: number;
}

/**
 * One node of a cluster. Each session (a room and its companions) lives on exactly one node at a
 * time, the holder of its lease in Redis; the node a client reaches (behind any load balancer)
 * hosts the session if nobody does, and otherwise forwards the connection's frames to the owner
 * over Redis pub/sub, and the owner's frames back. Documents live in the shared PostgreSQL store,
 * so when an owner dies its lease runs out, the connections it served are told to reconnect, and
 * the next node to be asked loads the session from what was acknowledged.
 */
export class Cluster implements RoomPlacement {
  readonly nodeId = `n${randomBytes(6).toString('hex')}`;
  private readonly forwarded = new Map<string, Forwarded>();
  private readonly remote = new Map<string, Remote>();
  private readonly calls = new Map<
    string,
    { resolve: (v: CreatedSession) => void; reject: (e: Error) => void }
  >();
  /**
   * Sessions this node has claimed: the generation of its claim, when it last had them loaded (or
   * claimed them), and whether the lease was lost. A lost session keeps its generation until its
   * rooms here have closed, so their last writes are still fenced (and refused if another server
   * has taken the session).
   */
  private readonly held = new Map<
    string,
    { generation: number; seen: number; lost: boolean; host?: string | undefined }
  >();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  /** When a round of {@link tick} last completed: this node could reach Redis then. */
  private lastRound = Date.now();
  private ticking = false;
  private closed = false;
  private ownership!: Ownership;
  private bus!: ClusterBus;
  private registry!: RoomRegistry;
  private signaling: SignalingHub | undefined;
  readonly leaseMs: number;

  private constructor(private readonly options: ClusterOptions) {
    this.leaseMs = options.leaseMs ?? 10_000;
  }

  /** Connects to Redis; the node then serves once {@link attach} has given it its rooms. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    const prefix = options.prefix ?? 'tandem';
    cluster.bus = await ClusterBus.open({
      redisUrl: options.redisUrl,
      subscriberUrl: options.subscriberUrl,
      prefix,
      nodeId: cluster.nodeId,
      onMessage: (envelope) => cluster.received(envelope),
      onError: (error) => options.logger.warn({ err: error }, 'cluster bus error'),
      onUndelivered: (node, envelope) => cluster.undelivered(node, envelope),
      onResubscribed: () => cluster.restartLinks('this server lost its link to the others for a moment'),
    });
    cluster.ownership = new Ownership(cluster.bus.redis, prefix, cluster.nodeId, cluster.leaseMs);
    return cluster;
  }

  /**
   * Gives the node its registry (built with this cluster as its placement) and its peer-to-peer
   * signaling, and starts the lease timer. A live peer-to-peer session holds a lease too
   * (`p2p:<id>`), so guests reaching other servers are forwarded to the server its host is on.
   */
  attach(registry: RoomRegistry, signaling: SignalingHub): void {
    this.registry = registry;
    this.signaling = signaling;
    signaling.onLive = (sessionId, live) => void this.recordSignaling(sessionId, live);
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.leaseMs / 3)));
  }

  /** Connection tickets in the cluster's Redis, so one server's ticket opens a socket on another. */
  ticketStore(ttlMs: number, perUser: number): RedisTicketStore {
    return new RedisTicketStore(this.bus.redis, this.options.prefix ?? 'tandem', ttlMs, perUser);
  }

  /** A peer-to-peer session was created here: its lease is taken before anyone is told its id. */
  signalingCreated(sessionId: string): Promise<void> {
    return this.recordSignaling(sessionId, true);
  }

  private async recordSignaling(sessionId: string, live: boolean): Promise<void> {
    const key = `${P2P_PREFIX}${sessionId}`;
    try {
      if (!live) {
        this.held.delete(key);
        await this.ownership.release(key);
      } else if ((await this.claim(key)) !== undefined) {
        // Ids are random and unique per server: another owner means the id was reused; give up.
        this.signaling?.endSession(sessionId);
      }
    } catch (error) {
      this.options.logger.warn({ err: error, sessionId }, 'could not record a peer-to-peer session');
    }
  }

  /**
   * Opens a connection to a peer-to-peer session's signaling: here when the session is here, else
   * at the server its host is on.
   */
  async openSignaling(sessionId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    const hub = this.signaling!;
    if (!hub.has(sessionId)) {
      const owner = await this.ownership.owner(`${P2P_PREFIX}${sessionId}`);
      if (owner !== null && owner !== this.nodeId)
        return this.forward(owner, `${P2P_PREFIX}${sessionId}`, socket, identity);
    }
    return hub.attach(sessionId, identity, socket);
  }

  /**
   * Whether a peer-to-peer session exists, here or on another server (connected to its host, or
   * waiting for it: a guest arriving meanwhile is told to try again).
   */
  async signalingExists(sessionId: string): Promise<boolean> {
    if (this.signaling?.has(sessionId)) return true;
    const owner = await this.ownership.owner(`${P2P_PREFIX}${sessionId}`);
    return owner !== null && owner !== this.nodeId;
  }

  /** Sessions this server holds the lease of (rooms' and peer-to-peer). */
  get ownedSessions(): number {
    return [...this.held.values()].filter((h) => !h.lost).length;
  }

  /** Clients connected here whose room runs on another server. */
  get forwardedConnections(): number {
    return this.forwarded.size;
  }

  /** Connections to rooms here whose clients are connected to other servers. */
  get remoteConnections(): number {
    return this.remote.size;
  }

  // ── Placement (asked by the registry before it loads or creates a session) ────────────────

  async claim(sessionId: string): Promise<string | undefined> {
    return this.took(sessionId, await this.ownership.claim(sessionId));
  }

  async claimAbove(sessionId: string, stored: number): Promise<string | undefined> {
    const held = this.held.get(sessionId);
    const lease = await this.ownership.claimAbove(sessionId, held?.generation, stored);
    return this.took(sessionId, lease, held?.host);
  }

  /** Records `lease` when it is this node's; else resolves to its owner. */
  private took(sessionId: string, lease: Lease, host?: string): string | undefined {
    if (lease.owner !== this.nodeId) return lease.owner;
    this.held.set(sessionId, { generation: lease.generation, seen: Date.now(), lost: false, host });
    return undefined;
  }

  generation(sessionId: string): number | undefined {
    return this.held.get(sessionId)?.generation;
  }

  async reserveHosting(userId: string, limit: number): Promise<{ release(): Promise<void> } | undefined> {
    const member = await this.ownership.reserveHosting(userId, limit);
    if (member === undefined) return undefined;
    return { release: () => this.ownership.notHosting(userId, member) };
  }

  async hosted(sessionId: string, userId: string): Promise<void> {
    const held = this.held.get(sessionId);
    if (held) held.host = userId;
    await this.ownership.hosting([{ userId, sessionId }]);
  }

  async ownedElsewhere(sessionId: string): Promise<boolean> {
    const owner = await this.ownership.owner(sessionId);
    return owner !== null && owner !== this.nodeId;
  }

  // ── Entry side ──────────────────────────────────────────────────────────────────────────────

  /** Opens a connection's room: here when this node owns (or now claims) it, else at its owner. */
  async open(roomId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    // A companion's joins are not counted: the join to its session was.
    const limit = this.options.joinsPerMinute;
    if (limit !== undefined && parentOf(roomId) === undefined) {
      if (!(await this.ownership.takeJoin(identity.userId, limit, 60_000)))
        throw new Refusal(ErrorCode.JoinRateLimited, ERRORS[ErrorCode.JoinRateLimited].message);
    }
    try {
      return await this.registry.open(roomId, socket, identity);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      return this.forward(error.owner, roomId, socket, identity);
    }
  }

  private forward(owner: string, roomId: string, socket: RoomSocket, identity: Identity): Attachment {
    const conn = `${this.nodeId}:${this.nextId++}`;
    this.forwarded.set(conn, { owner, session: sessionOf(roomId), socket });
    this.bus.send(owner, {
      t: 'open',
      conn,
      from: this.nodeId,
      room: roomId,
      identity: plainIdentity(identity),
    });
    return {
      receive: (frame) => this.bus.send(owner, { t: 'in', conn, frame }),
      detach: () => {
        if (this.forwarded.delete(conn)) this.bus.send(owner, { t: 'leave', conn });
      },
      leaveCleanly: () => {
        if (this.forwarded.delete(conn)) this.bus.send(owner, { t: 'leave', conn, clean: true });
      },
    };
  }

  /** Creates a session here, or a companion at the node that owns its session. */
  async createSession(host: Identity, request: SessionRequest): Promise<CreatedSession> {
    try {
      return await this.registry.createSession(host, request);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      const id = `${this.nodeId}:${this.nextId++}`;
      return new Promise<CreatedSession>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.calls.delete(id);
          reject(new Refusal(ErrorCode.Internal, 'the server hosting the session did not answer'));
        }, CALL_TIMEOUT_MS);
        this.calls.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        this.bus.send(error.owner, { t: 'call', id, from: this.nodeId, host, request });
      });
    }
  }

  // ── Messages from other nodes ───────────────────────────────────────────────────────────────

  private received(envelope: Envelope): void {
    switch (envelope.t) {
      case 'open':
        this.opened(envelope);
        return;
      case 'in':
        this.remote.get(envelope.conn)?.link.receive(envelope.frame);
        return;
      case 'leave':
        this.dropRemote(envelope.conn, undefined, envelope.clean === true);
        return;
      case 'out':
        this.forwarded.get(envelope.conn)?.socket.send(envelope.frame);
        return;
      case 'close': {
        const forwarded = this.forwarded.get(envelope.conn);
        if (!forwarded) return;
        this.forwarded.delete(envelope.conn);
        forwarded.socket.close(envelope.code, envelope.reason);
        return;
      }
      case 'keep':
        this.vouched(envelope.from, envelope.conns);
        return;
      case 'gone':
        this.options.logger.warn(
          { connections: envelope.conns.length },
          "the room's server let go of forwarded connections; their clients reconnect",
        );
        for (const conn of envelope.conns) this.restartForwarded(conn);
        return;
      case 'call':
        this.registry.createSession(envelope.host, envelope.request).then(
          (value) => this.bus.send(envelope.from, { t: 'reply', id: envelope.id, value }),
          (error: unknown) => {
            const refusal =
              error instanceof Refusal
                ? error
                : new Refusal(ErrorCode.Internal, 'the session could not be created');
            this.bus.send(envelope.from, {
              t: 'reply',
              id: envelope.id,
              code: refusal.code,
              message: refusal.message,
            });
          },
        );
        return;
      case 'reply': {
        const call = this.calls.get(envelope.id);
        if (!call) return;
        this.calls.delete(envelope.id);
        if (envelope.code === undefined) call.resolve(envelope.value as CreatedSession);
        else call.reject(new Refusal(envelope.code as ErrorCode, envelope.message ?? ''));
        return;
      }
    }
  }

  /** A client of another node connected to a room of ours: attach it like one of our own. */
  private opened(envelope: Extract<Envelope, { t: 'open' }>): void {
    const { conn, room, identity } = envelope;
    const socket = new RemoteSocket(this.bus, envelope.from, conn, () => this.dropRemote(conn, remote));
    const remote: Remote = {
      socket,
      session: sessionOf(room),
      link: new Link({
        maxQueuedFrames: MAX_QUEUED_FRAMES,
        // The entry node bounded the bytes already; what it let through arrives here in frames.
        maxQueuedBytes: Number.POSITIVE_INFINITY,
        refuse: (code, message) => {
          this.dropRemote(conn, remote);
          refuseSocket(socket, code, message);
        },
        logger: this.options.logger,
        log: { conn },
      }),
      vouched: Date.now(),
    };
    this.remote.set(conn, remote);
    remote.link.attach(
      room.startsWith(P2P_PREFIX)
        ? new Promise<Attachment>((resolve) =>
            resolve(this.signaling!.attach(room.slice(P2P_PREFIX.length), identity, socket)),
          )
        : this.registry.open(room, socket, identity),
    );
  }

  /** A message was lost: the connection it belonged to restarts (its client reconnects). */
  private undelivered(node: string, envelope: Envelope): void {
    this.options.logger.debug({ to: node, type: envelope.t }, LOST_MESSAGE);
    // The caller gives up on its own, after its timeout; keeps and their answers go again next round.
    if (envelope.t === 'reply' || envelope.t === 'keep' || envelope.t === 'gone') return;
    if (envelope.t === 'call') {
      const call = this.calls.get(envelope.id);
      this.calls.delete(envelope.id);
      call?.reject(new Refusal(ErrorCode.ServerShutdown, ROOM_MOVED));
      return;
    }
    if (this.forwarded.has(envelope.conn)) this.restartForwarded(envelope.conn);
    const remote = this.remote.get(envelope.conn);
    if (remote) this.dropRemote(envelope.conn);
  }

  /**
   * Messages to this server may have been lost: every connection carried between servers restarts.
   * Clients here are told to reconnect; connections here from other servers' clients are closed,
   * which tells those clients the same.
   */
  restartLinks(why: string): void {
    if (this.forwarded.size + this.remote.size === 0) return;
    this.options.logger.warn({ forwarded: this.forwarded.size, remote: this.remote.size }, why);
    for (const conn of [...this.forwarded.keys()]) this.restartForwarded(conn);
    for (const [conn, remote] of [...this.remote]) {
      this.dropRemote(conn);
      refuseSocket(remote.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
    }
  }

  /** Tells a forwarded client to reconnect, and its room's server that it has gone. */
  private restartForwarded(conn: string): void {
    const forwarded = this.forwarded.get(conn);
    if (!forwarded) return;
    this.forwarded.delete(conn);
    this.bus.send(forwarded.owner, { t: 'leave', conn });
    refuseSocket(forwarded.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
  }

  private dropRemote(conn: string, only?: Remote, clean = false): void {
    const remote = this.remote.get(conn);
    if (!remote || (only && remote !== only)) return;
    this.remote.delete(conn);
    remote.link.leave(clean);
  }

  // ── Vouching for forwarded connections ──────────────────────────────────────────────────────

  /**
   * Tells each owner which of its connections this node still holds. An owner that let one go
   * without this node hearing of it (the message it could not send was the news) answers `gone`,
   * and the client is told to reconnect instead of waiting on a room that no longer has it.
   */
  private vouch(): void {
    const byOwner = new Map<string, string[]>();
    for (const [conn, { owner }] of this.forwarded) {
      const conns = byOwner.get(owner);
      if (conns) conns.push(conn);
      else byOwner.set(owner, [conn]);
    }
    for (const [owner, conns] of byOwner) this.bus.send(owner, { t: 'keep', from: this.nodeId, conns });
  }

  /**
   * `node` still holds `conns`. Its messages arrive in the order it sent them, so each one's `open`
   * came before this: one missing here was let go of.
   */
  private vouched(node: string, conns: readonly string[]): void {
    const now = Date.now();
    const gone: string[] = [];
    for (const conn of conns) {
      const remote = this.remote.get(conn);
      if (remote) remote.vouched = now;
      else gone.push(conn);
    }
    if (gone.length > 0) this.bus.send(node, { t: 'gone', conns: gone });
  }

  /**
   * Connections their entry node has not vouched for in a whole lease leave their rooms: that node
   * died, or their leaving was lost while it was cut off from Redis. Either way nobody holds their
   * client any more, and they must not keep its place in the room.
   */
  private expireUnvouched(): void {
    const before = Date.now() - this.leaseMs;
    for (const [conn, remote] of this.remote) if (remote.vouched < before) this.dropRemote(conn, remote);
  }

  // ── Leases and liveness ─────────────────────────────────────────────────────────────────────

  /** One round: renew what this node hosts, give up what it no longer does, and check on others. */
  private async tick(): Promise<void> {
    // Local and sent without waiting: done every round, even while a slow one still waits on Redis.
    this.vouch();
    this.expireUnvouched();
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.renewLeases();
      await this.checkOwners();
      this.lastRound = Date.now();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cluster lease round failed');
      if (Date.now() - this.lastRound > this.leaseMs) {
        // Leases not renewed for a whole lease may already be someone else's: stop serving them.
        for (const held of this.held.values()) held.lost = true;
        for (const session of this.liveSessions()) this.evict(session);
        // The owners of forwarded clients' rooms have heard nothing from here for as long, and let
        // those connections go: the clients reconnect rather than wait on rooms that have dropped them.
        this.restartLinks('cut off from Redis for a whole lease');
      }
    } finally {
      this.ticking = false;
    }
  }

  private async renewLeases(): Promise<void> {
    const now = Date.now();
    const live = this.liveSessions();
    const keep: string[] = [];
    for (const [session, held] of this.held) {
      if (held.lost) {
        // Forgotten once its rooms here have closed (their last writes carried its fence).
        if (!live.has(session)) this.held.delete(session);
        continue;
      }
      if (live.has(session)) {
        held.seen = now;
        held.host ??= this.registry.hostOf(session);
      }
      // A session claimed moments ago may not be loaded yet: keep it for one lease.
      if (now - held.seen < this.leaseMs) keep.push(session);
      else {
        this.held.delete(session);
        await this.ownership.release(session);
        if (held.host) await this.ownership.notHosting(held.host, session);
      }
    }
    const lost = await this.ownership.renew(keep);
    // Hosted sessions count against their host's limit on every server while their lease lasts.
    const hosting = keep.flatMap((session) => {
      const userId = this.held.get(session)?.host;
      return userId && !lost.includes(session) ? [{ userId, sessionId: session }] : [];
    });
    await this.ownership.hosting(hosting);
    for (const session of lost) {
      const held = this.held.get(session);
      if (held) held.lost = true;
      this.options.logger.warn({ session }, 'lost the lease of a session; closing it here');
      this.evict(session);
    }
  }

  /** Every session live here: rooms' sessions, and peer-to-peer sessions with their host here. */
  private liveSessions(): Set<string> {
    const live = this.registry.liveSessions();
    for (const id of this.signaling?.liveSessions() ?? []) live.add(`${P2P_PREFIX}${id}`);
    return live;
  }

  private evict(session: string): void {
    if (session.startsWith(P2P_PREFIX)) this.signaling?.endSession(session.slice(P2P_PREFIX.length));
    else void this.registry.evict(session);
  }

  /** Forwarded connections whose owner no longer holds their session are told to reconnect. */
  private async checkOwners(): Promise<void> {
    const bySession = new Map<string, string>();
    for (const f of this.forwarded.values()) bySession.set(f.session, f.owner);
    for (const [session, owner] of bySession) {
      if ((await this.ownership.owner(session)) === owner) continue;
      for (const [conn, f] of this.forwarded) {
        if (f.session !== session) continue;
        this.forwarded.delete(conn);
        refuseSocket(f.socket, ErrorCode.ServerShutdown, ROOM_MOVED);
      }
    }
  }

  /**
   * Leaves the cluster: tells the owners of forwarded clients' rooms they have gone and gives up
   * every lease (the registry has closed its rooms by now). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const [conn, f] of this.forwarded) {
      this.forwarded.delete(conn);
      this.bus.send(f.owner, { t: 'leave', conn });
    }
    try {
      for (const session of this.held.keys()) await this.ownership.release(session);
      this.held.clear();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not release leases; they expire on their own');
    }
    await this.bus.close();
  }
}
