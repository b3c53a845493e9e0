import { randomBytes } from 'node:crypto';
import { type DocMode, ERRORS, ErrorCode } from '@tandem/protocol';
import type { DocumentContent, Identity, RoomSocket } from '@tandem/room';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Attachment } from '../placement/attachment.js';
import type { Placement } from '../placement/placement.js';
import { Refusal, RoomElsewhere } from '../refusal.js';
import {
  type ContentJson,
  contentFromJson,
  contentToJson,
  parseBase64,
  toBase64,
} from '../rooms/content-json.js';
import type { CreatedSession, RoomRegistry, SessionRequest } from '../rooms/registry.js';
import { parentOf, sessionOf } from '../rooms/room-ids.js';
import type { SessionClaims } from '../rooms/session-claims.js';
import type { SignalingHub } from '../signaling/hub.js';
import { ClusterBus } from './bus.js';
import { SessionCalls } from './calls.js';
import type { Envelope, RoomCall } from './envelope.js';
import { ForwardedConnections } from './forwarded.js';
import { Leases, type LiveSessions } from './leases.js';
import { Ownership } from './ownership.js';
import { withinMs } from './redis-deadline.js';
import { RedisTicketStore } from './redis-tickets.js';
import { RemoteConnections } from './remote.js';

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

/**
 * One node of a cluster. Each session (a room and its companions) lives on exactly one node at a
 * time, the holder of its lease in Redis ({@link Leases}); the node a client reaches (behind any
 * load balancer) hosts the session if nobody does, and otherwise forwards the connection's frames
 * to the owner over Redis pub/sub ({@link ForwardedConnections}), where it is attached like a local
 * connection ({@link RemoteConnections}), and the owner's frames back. Documents live in the shared
 * PostgreSQL store, so when an owner dies its lease runs out, the connections it served are told
 * to reconnect, and the next node to be asked loads the session from what was acknowledged.
 */
export class Cluster implements Placement {
  readonly nodeId = `n${randomBytes(6).toString('hex')}`;
  readonly leaseMs: number;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  /** When a round of {@link tick} last completed: this node could reach Redis then. */
  private lastRound = Date.now();
  private ticking = false;
  private closed = false;
  private ownership!: Ownership;
  private bus!: ClusterBus;
  private leases!: Leases;
  private forwarded!: ForwardedConnections;
  private remote!: RemoteConnections;
  private calls!: SessionCalls;
  private registry!: RoomRegistry;
  private signaling!: SignalingHub;
  private readonly sessions: LiveSessions = {
    live: () => this.liveSessions(),
    hostOf: (session) => this.registry.hostOf(session),
    evict: (session) => this.evict(session),
  };

  private constructor(private readonly options: ClusterOptions) {
    this.leaseMs = options.leaseMs ?? 10_000;
  }

  /** Connects to Redis; the node then serves once {@link attach} has given it its rooms. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    const prefix = options.prefix ?? 'tandem';
    const bus = await ClusterBus.open({
      redisUrl: options.redisUrl,
      subscriberUrl: options.subscriberUrl,
      prefix,
      nodeId: cluster.nodeId,
      onMessage: (envelope) => cluster.received(envelope),
      onError: (error) => options.logger.warn({ err: error }, 'cluster bus error'),
      onUndelivered: (node, envelope) => cluster.undelivered(node, envelope),
      onResubscribed: () => cluster.restartLinks('this server lost its link to the others for a moment'),
    });
    cluster.bus = bus;
    cluster.ownership = new Ownership(bus.redis, prefix, cluster.nodeId, cluster.leaseMs);
    cluster.leases = new Leases(cluster.ownership, cluster.nodeId, cluster.leaseMs, options.logger);
    cluster.forwarded = new ForwardedConnections(bus, cluster.nodeId);
    cluster.remote = new RemoteConnections(bus, options.logger, cluster.leaseMs, (room, socket, identity) =>
      cluster.openHere(room, socket, identity),
    );
    cluster.calls = new SessionCalls(bus, cluster.nodeId);
    return cluster;
  }

  /** The registry's claims on sessions: a session is loaded only on the node holding its lease. */
  get claims(): SessionClaims {
    return this.leases;
  }

  /**
   * Gives the node its registry (built with {@link claims}) and its peer-to-peer signaling, and
   * starts the lease timer. A live peer-to-peer session holds a lease too (`p2p:<id>`), so guests
   * reaching other servers are forwarded to the server its host is on.
   */
  attach(registry: RoomRegistry, signaling: SignalingHub): this {
    this.registry = registry;
    this.signaling = signaling;
    signaling.onLive = (sessionId, live) => void this.recordSignaling(sessionId, live);
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.leaseMs / 3)));
    return this;
  }

  // ── Placement ───────────────────────────────────────────────────────────────────────────────

  /** Connection tickets in the cluster's Redis, so one server's ticket opens a socket on another. */
  ticketStore(ttlMs: number, perUser: number): RedisTicketStore {
    return new RedisTicketStore(this.bus.redis, this.options.prefix ?? 'tandem', ttlMs, perUser);
  }

  watch(metrics: Metrics): void {
    metrics.watch(
      'tandem_cluster_sessions_owned',
      'Sessions whose lease this server holds',
      () => this.ownedSessions,
    );
    metrics.watch(
      'tandem_cluster_forwarded_connections',
      'Clients here whose room runs on another server',
      () => this.forwardedConnections,
    );
    metrics.watch(
      'tandem_cluster_remote_connections',
      "Connections to this server's rooms from clients of other servers",
      () => this.remoteConnections,
    );
  }

  /** Opens a connection's room: here when this node owns (or now claims) it, else at its owner. */
  async openRoom(roomId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
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
      return this.forwarded.open(this.newId(), error.owner, roomId, sessionOf(roomId), socket, identity);
    }
  }

  /**
   * Opens a connection to a peer-to-peer session's signaling: here when the session is here, else
   * at the server its host is on.
   */
  async openSignaling(sessionId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    const key = `${P2P_PREFIX}${sessionId}`;
    if (!this.signaling.has(sessionId)) {
      const owner = await this.leases.owner(key);
      if (owner !== null && owner !== this.nodeId)
        return this.forwarded.open(this.newId(), owner, key, key, socket, identity);
    }
    return this.signaling.attach(sessionId, identity, socket);
  }

  /** Creates a session here, or a companion at the node that owns its session. */
  async createSession(host: Identity, request: SessionRequest): Promise<CreatedSession> {
    try {
      return await this.registry.createSession(host, request);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      return this.calls.call(this.newId(), error.owner, host, request);
    }
  }

  findSession(code: string, source: string): Promise<string | undefined> {
    return this.registry.roomIdForCode(code, source);
  }

  /** A room's document: here when its session is here or nowhere, else from its owner. */
  async readDocument(roomId: string): Promise<DocumentContent | undefined> {
    try {
      return await this.registry.readDocument(roomId);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      const json = await this.calls.roomCall(this.newId(), error.owner, { op: 'read', room: roomId });
      return json === null ? undefined : contentFromJson(json as ContentJson);
    }
  }

  /** Replaces a room's document where its session runs (here, claimed now if nobody runs it). */
  async replaceDocument(roomId: string, mode: DocMode, doc: Uint8Array): Promise<number> {
    try {
      return await this.registry.replaceDocument(roomId, mode, doc);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      const call: RoomCall = { op: 'replace', room: roomId, mode, document: toBase64(doc) };
      return (await this.calls.roomCall(this.newId(), error.owner, call)) as number;
    }
  }

  /** Deletes a room where its session runs. */
  async deleteRoom(roomId: string): Promise<boolean> {
    try {
      return await this.registry.deleteRoom(roomId);
    } catch (error) {
      if (!(error instanceof RoomElsewhere)) throw error;
      return (await this.calls.roomCall(this.newId(), error.owner, { op: 'delete', room: roomId })) === true;
    }
  }

  /**
   * Another node's service call to a room of a session here. Not passed on again: a session that
   * moved meanwhile is refused (`RoomElsewhere`), and the caller tries again.
   */
  private async roomCallHere(call: RoomCall): Promise<unknown> {
    switch (call.op) {
      case 'read': {
        const content = await this.registry.readDocument(call.room);
        return content ? contentToJson(content) : null;
      }
      case 'replace': {
        const doc = parseBase64(call.document);
        if (!doc) throw new Refusal(ErrorCode.BadMessage, 'the document is not base64');
        return this.registry.replaceDocument(call.room, call.mode, doc);
      }
      case 'delete':
        return this.registry.deleteRoom(call.room);
      default:
        return call satisfies never;
    }
  }

  /** A peer-to-peer session is created here: its lease is taken before anyone is told its id. */
  async createSignaling(host: Identity): Promise<string> {
    const sessionId = this.signaling.create(host);
    await this.recordSignaling(sessionId, true);
    return sessionId;
  }

  /**
   * Whether a peer-to-peer session exists, here or on another server (connected to its host, or
   * waiting for it: a guest arriving meanwhile is told to try again).
   */
  async signalingExists(sessionId: string): Promise<boolean> {
    if (this.signaling.has(sessionId)) return true;
    return this.leases.ownedElsewhere(`${P2P_PREFIX}${sessionId}`);
  }

  /** Sessions this server holds the lease of (rooms' and peer-to-peer). */
  get ownedSessions(): number {
    return this.leases.owned;
  }

  /** Clients connected here whose room runs on another server. */
  get forwardedConnections(): number {
    return this.forwarded.size;
  }

  /** Connections to rooms here whose clients are connected to other servers. */
  get remoteConnections(): number {
    return this.remote.size;
  }

  private newId(): string {
    return `${this.nodeId}:${this.nextId++}`;
  }

  private async recordSignaling(sessionId: string, live: boolean): Promise<void> {
    const key = `${P2P_PREFIX}${sessionId}`;
    try {
      if (!live) await this.leases.release(key);
      else if ((await this.leases.claim(key)) !== undefined) {
        // Ids are random and unique per server: another owner means the id was reused; give up.
        this.signaling.endSession(sessionId);
      }
    } catch (error) {
      this.options.logger.warn({ err: error, sessionId }, 'could not record a peer-to-peer session');
    }
  }

  /** Where a connection forwarded from another node goes here: its room, or a session's signaling. */
  private openHere(room: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    if (!room.startsWith(P2P_PREFIX)) return this.registry.open(room, socket, identity);
    return new Promise((resolve) =>
      resolve(this.signaling.attach(room.slice(P2P_PREFIX.length), identity, socket)),
    );
  }

  // ── Messages from other nodes ───────────────────────────────────────────────────────────────

  private received(envelope: Envelope): void {
    switch (envelope.t) {
      case 'open':
        return this.remote.open(envelope.from, envelope.conn, envelope.room, envelope.identity);
      case 'in':
        return this.remote.receive(envelope.conn, envelope.frame);
      case 'leave':
        return this.remote.drop(envelope.conn, undefined, envelope.clean === true);
      case 'out':
        return this.forwarded.out(envelope.conn, envelope.frame);
      case 'close':
        return this.forwarded.closed(envelope.conn, envelope.code, envelope.reason);
      case 'keep':
        return this.remote.vouched(envelope.from, envelope.conns);
      case 'gone':
        this.options.logger.warn(
          { connections: envelope.conns.length },
          "the room's server let go of forwarded connections; their clients reconnect",
        );
        for (const conn of envelope.conns) this.forwarded.restart(conn);
        return;
      case 'call':
        return this.calls.answer(envelope, () =>
          this.registry.createSession(envelope.host, SessionCalls.requestOf(envelope)),
        );
      case 'room-call':
        return this.calls.answer(envelope, () => this.roomCallHere(envelope.call));
      case 'reply':
        return this.calls.replied(envelope);
    }
  }

  /** A message was lost: the connection it belonged to restarts (its client reconnects). */
  private undelivered(node: string, envelope: Envelope): void {
    this.options.logger.debug({ to: node, type: envelope.t }, LOST_MESSAGE);
    // The caller gives up on its own, after its timeout; keeps and their answers go again next round.
    if (envelope.t === 'reply' || envelope.t === 'keep' || envelope.t === 'gone') return;
    if (envelope.t === 'call' || envelope.t === 'room-call') return this.calls.lost(envelope.id);
    this.forwarded.restart(envelope.conn);
    this.remote.drop(envelope.conn);
  }

  /**
   * Messages to this server may have been lost: every connection carried between servers restarts.
   * Clients here are told to reconnect; connections here from other servers' clients are closed,
   * which tells those clients the same.
   */
  restartLinks(why: string): void {
    if (this.forwarded.size + this.remote.size === 0) return;
    this.options.logger.warn({ forwarded: this.forwarded.size, remote: this.remote.size }, why);
    this.forwarded.restartAll();
    this.remote.restartAll();
  }

  // ── Leases and liveness ─────────────────────────────────────────────────────────────────────

  /** One round: renew what this node hosts, give up what it no longer does, and check on others. */
  private async tick(): Promise<void> {
    // Local and sent without waiting: done every round, even while a slow one still waits on Redis.
    this.forwarded.vouch();
    this.remote.expireUnvouched();
    // A round still waiting on Redis (a connection that neither answers nor closes, as when the
    // network drops packets) must not keep this server serving sessions it can no longer renew.
    if (this.ticking) return this.loseIfCutOff();
    this.ticking = true;
    try {
      await this.leases.renew(this.sessions);
      await this.forwarded.checkOwners((session) => this.leases.owner(session));
      this.lastRound = Date.now();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cluster lease round failed');
      this.loseIfCutOff();
    } finally {
      this.ticking = false;
    }
  }

  /** No round has completed for a whole lease: every lease here may be someone else's by now. */
  private loseIfCutOff(): void {
    if (Date.now() - this.lastRound <= this.leaseMs) return;
    this.leases.loseAll(this.sessions);
    // The owners of forwarded clients' rooms have heard nothing from here for as long, and let
    // those connections go: the clients reconnect rather than wait on rooms that have dropped them.
    this.restartLinks('cut off from Redis for a whole lease');
  }

  /** Every session live here: rooms' sessions, and peer-to-peer sessions with their host here. */
  private liveSessions(): Set<string> {
    const live = this.registry.liveSessions();
    for (const id of this.signaling.liveSessions()) live.add(`${P2P_PREFIX}${id}`);
    return live;
  }

  private evict(session: string): void {
    if (session.startsWith(P2P_PREFIX)) this.signaling.endSession(session.slice(P2P_PREFIX.length));
    else void this.registry.evict(session);
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
    this.forwarded.leaveAll();
    try {
      // Bounded: a Redis that neither answers nor closes must not hold the shutdown; leases not
      // released expire by themselves within one.
      await withinMs(this.leaseMs, this.leases.releaseAll());
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not release leases; they expire on their own');
    }
    await this.bus.close(this.leaseMs);
  }
}
