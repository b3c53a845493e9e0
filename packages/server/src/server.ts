import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Clock, type Identity, type RoomSocket, systemClock } from '@tandem/room';
import { WebSocketServer } from 'ws';
import {
  ConnectionTickets,
  GuestIssuer,
  loadOrCreateGuestSecret,
  MemoryTicketStore,
  TokenVerifier,
} from './auth/index.js';
import { Cluster } from './cluster/cluster.js';
import { parseIceServers } from './config/ice-servers.js';
import { defaultOptions, type ServerOptions } from './config/options.js';
import { handleApi } from './http/api.js';
import { TrustedProxies } from './http/client-address.js';
import { sendJson } from './http/json.js';
import { serveStatic } from './http/static.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { RoomRegistry, secureRandom } from './rooms/registry.js';
import type { ServerStore } from './rooms/server-store.js';
import { WindowLimiter } from './rooms/window-limiter.js';
import { SignalingHub } from './signaling/hub.js';
import { openSqliteStore } from './store/open-sqlite-store.js';
import { PostgresRoomStore } from './store/postgres-store.js';
import { startHeartbeat } from './transport/heartbeat.js';
import { handleUpgrade } from './transport/upgrade.js';
import type { WsRoomSocket } from './transport/ws-socket.js';

/** Options for {@link TandemServer.start}: any {@link ServerOptions} plus injected parts. */
export interface TandemServerConfig extends Partial<ServerOptions> {
  /** Default: pino at `logLevel` in `logFormat`. */
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: SQLite in `data` (or in memory when `data` is `:memory:`). */
  store?: ServerStore;
  /**
   * In a cluster, another URL for the same Redis that only this server's subscriber connection
   * uses (its commands and publishing use `redisUrl`), so the two can take different routes, a
   * proxy for one of them for instance. Default: `redisUrl`.
   */
  redisSubscriberUrl?: string;
}

const GUEST_ISSUER = 'tandem-guest';
const GUEST_AUDIENCE = 'tandem';
/**
 * How long shutdown waits for clients to answer its close. Until a client's close arrives, frames it
 * sent before it heard (edits in flight) still reach its room and are stored.
 */
const SHUTDOWN_DRAIN_MS = 5_000;

/**
 * A running Tandem server: HTTP API and WebSocket rooms on one port.
 *
 * @example
 * const server = await TandemServer.start({ port: 0, data: ':memory:' });
 * console.log(server.url); // http://127.0.0.1:54321
 * await server.close();
 */
export class TandemServer {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: ServerOptions,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly registry: RoomRegistry,
    readonly metrics: Metrics,
    readonly logger: Logger,
    private readonly store: ServerStore,
    private readonly stopHeartbeat: () => void,
    private readonly sockets: ReadonlySet<WsRoomSocket>,
    /** This server's node of a cluster, when it is one. */
    readonly cluster: Cluster | undefined,
    /** Peer-to-peer sessions' signaling. */
    readonly signaling: SignalingHub,
  ) {}

  /** Starts listening; resolves once the port is bound. */
  static async start(config: TandemServerConfig = {}): Promise<TandemServer> {
    const {
      logger: givenLogger,
      clock = systemClock,
      store: givenStore,
      redisSubscriberUrl,
      ...overrides
    } = config;
    const options: ServerOptions = { ...defaultOptions(false), ...overrides };
    const logger = givenLogger ?? createLogger(options.logLevel, options.logFormat);
    const inMemory = options.data === ':memory:';
    if (!inMemory) mkdirSync(options.data, { recursive: true });
    const store =
      givenStore ??
      (options.databaseUrl
        ? await PostgresRoomStore.open({
            connectionString: options.databaseUrl,
            schema: options.databaseSchema,
            now: () => clock.now(),
            onConnectionError: (error) => logger.warn({ err: error }, 'PostgreSQL connection lost'),
          })
        : await openSqliteStore({
            path: inMemory ? ':memory:' : join(options.data, 'tandem.db'),
            synchronous: options.sqliteSync,
            now: () => clock.now(),
          }));
    const guestSecret = options.guests
      ? inMemory
        ? new Uint8Array(randomBytes(32))
        : loadOrCreateGuestSecret(options.data)
      : undefined;
    const guests = guestSecret
      ? new GuestIssuer({ secret: guestSecret, issuer: GUEST_ISSUER, audience: GUEST_AUDIENCE })
      : undefined;
    if (!guests && !options.jwtSecret && !options.jwksUrl) {
      throw new Error(
        'guest tokens are off and no JWT verification is configured: set jwtSecret or jwksUrl, or allow guests',
      );
    }
    const verifier = new TokenVerifier({
      ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
      ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
      ...(options.jwtIssuer ? { issuer: options.jwtIssuer } : {}),
      ...(options.jwtAudience ? { audience: options.jwtAudience } : {}),
      clockToleranceSec: options.jwtClockTolerance,
      jwksBackoffMs: options.jwksBackoffMs,
      jwksBackoffMaxMs: options.jwksBackoffMaxMs,
      now: () => clock.now(),
      ...(guests ? { guest: guests.verifierConfig() } : {}),
    });
    const metrics = new Metrics();
    let cluster: Cluster | undefined;
    try {
      cluster = options.redisUrl
        ? await Cluster.start({
            redisUrl: options.redisUrl,
            subscriberUrl: redisSubscriberUrl,
            prefix: options.redisPrefix,
            leaseMs: options.clusterLeaseMs,
            joinsPerMinute: options.joinsPerMinute,
            logger,
          })
        : undefined;
    } catch (error) {
      if (!givenStore) await store.close();
      throw error;
    }
    const ticketTtlMs = options.ticketTtl * 1000;
    const tickets = new ConnectionTickets(
      cluster
        ? cluster.ticketStore(ticketTtlMs, options.ticketsPerUser)
        : new MemoryTicketStore(clock, ticketTtlMs, options.ticketsPerUser),
      ticketTtlMs,
      () => clock.now(),
    );
    const registry = new RoomRegistry({
      ...(cluster ? { placement: cluster } : {}),
      store,
      clock,
      logger,
      metrics,
      limits: {
        maxParticipants: options.maxParticipants,
        lockTtlMs: options.lockTtl * 1000,
        accessTimeoutMs: options.accessTimeout * 1000,
        cursorTickMs: options.cursorTickMs,
        maxDocBytes: options.maxDocBytes,
        budgets: { doc: options.docRate, cursor: options.cursorRate, chat: options.chatRate },
      },
      joinsPerMinute: options.joinsPerMinute,
      codeMissesPerMinute: options.codeMissesPerMinute,
      maxHostedRooms: options.maxHostedRooms,
      sessionGraceMs: options.sessionGrace * 1000,
      roomIdleMs: options.roomIdle * 1000,
      roomRetentionMs: options.roomRetentionDays * 24 * 60 * 60 * 1000,
    });
    const signaling = new SignalingHub(clock, secureRandom, {
      maxGuests: Math.max(1, options.maxParticipants - 1),
    });
    cluster?.attach(registry, signaling);
    metrics.watch('tandem_p2p_sessions', 'Peer-to-peer sessions open on this server', () => signaling.size);
    if (cluster) {
      metrics.watch(
        'tandem_cluster_sessions_owned',
        'Sessions whose lease this server holds',
        () => cluster.ownedSessions,
      );
      metrics.watch(
        'tandem_cluster_forwarded_connections',
        'Clients here whose room runs on another server',
        () => cluster.forwardedConnections,
      );
      metrics.watch(
        'tandem_cluster_remote_connections',
        "Connections to this server's rooms from clients of other servers",
        () => cluster.remoteConnections,
      );
    }

    // A frame may hold a whole document plus its envelope; anything larger cannot be valid.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxDocBytes + 64 * 1024,
      perMessageDeflate: false,
    });
    const startedAt = Date.now();
    let server: TandemServer | undefined;
    const isClosing = () => server?.closing !== undefined;
    const iceServers = parseIceServers(options.iceServers);
    const proxies = TrustedProxies.parse(options.trustedProxies);
    const clientAddress = (req: IncomingMessage) => proxies.of(req);
    const api = {
      registry,
      signaling,
      iceServers,
      p2pCreated: cluster ? (id: string) => cluster.signalingCreated(id) : async () => {},
      p2pExists: cluster
        ? (id: string) => cluster.signalingExists(id)
        : async (id: string) => signaling.has(id),
      createSession: cluster ? cluster.createSession.bind(cluster) : registry.createSession.bind(registry),
      verifier,
      tickets,
      guests,
      metrics,
      logger,
      publicUrl: options.publicUrl,
      clientAddress,
      perAddress: {
        guests: new WindowLimiter(options.guestsPerMinute, clock),
        sessions: new WindowLimiter(options.sessionsPerMinute, clock),
      },
      startedAt,
      isClosing,
    };
    const http = createServer((req, res) => {
      void (async () => {
        if (await handleApi(api, req, res)) return;
        if (options.staticDir && (await serveStatic(options.staticDir, req, res))) return;
        sendJson(res, 404, {
          error: 'NotFound',
          message: `no route for ${req.method} ${req.url?.split('?')[0]}`,
        });
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal', message: 'internal error' });
      });
    });
    const upgrade = {
      wss,
      verifier,
      tickets,
      registry,
      open: cluster ? cluster.open.bind(cluster) : registry.open.bind(registry),
      metrics,
      logger,
      backpressure: { softBytes: options.slowSoftBytes, hardBytes: options.slowHardBytes },
      clientAddress,
      maxQueuedFrames: 256,
      maxQueuedBytes: 2 * (options.maxDocBytes + 64 * 1024),
      isClosing,
      sockets: new Set<WsRoomSocket>(),
      signaling,
      openSignaling: cluster
        ? cluster.openSignaling.bind(cluster)
        : async (id: string, socket: RoomSocket, identity: Identity) =>
            signaling.attach(id, identity, socket),
    };
    http.on('upgrade', (req, socket, head) => {
      handleUpgrade(upgrade, req, socket, head).catch((error: unknown) => {
        logger.error({ err: error }, 'upgrade failed');
        socket.destroy();
      });
    });
    const stopHeartbeat = startHeartbeat(wss, options.heartbeat * 1000);
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(options.port, options.host, () => {
          http.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      // Nothing else will ever close these: a server that failed to bind must not keep them.
      stopHeartbeat();
      wss.close();
      await cluster?.close();
      if (!givenStore) await store.close();
      throw error;
    }
    server = new TandemServer(
      options,
      http,
      wss,
      registry,
      metrics,
      logger,
      store,
      stopHeartbeat,
      upgrade.sockets,
      cluster,
      signaling,
    );
    logger.info(
      {
        url: server.url,
        data: options.data,
        store: givenStore ? 'given' : options.databaseUrl ? 'postgresql' : 'sqlite',
        ...(cluster ? { node: cluster.nodeId } : {}),
        guests: options.guests,
      },
      'tandem listening',
    );
    return server;
  }

  /** The bound port (useful with `port: 0`). */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `http://host:port` of the API and demo. */
  get url(): string {
    const host =
      this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** `ws://host:port`, the base of room URLs. */
  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  /**
   * Graceful shutdown: stop accepting, tell every client to reconnect (close code for
   * ServerShutdown), store every document, close the database. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.logger.info('shutting down');
      this.stopHeartbeat();
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.registry.stopAccepting();
      await this.drain();
      this.signaling.close();
      await this.registry.close();
      for (const ws of this.wss.clients) ws.terminate();
      this.wss.close();
      this.http.closeAllConnections();
      await stopped;
      // After the rooms have closed (and stored what they held): their sessions are free to move.
      await this.cluster?.close();
      await this.store.close();
      this.logger.info('stopped');
    })();
    return this.closing;
  }

  /**
   * Tells every client to reconnect, then waits (at most {@link SHUTDOWN_DRAIN_MS}) for each to
   * close. Rooms keep their connections meanwhile, so an edit a client sent before the shutdown
   * reached it is applied and stored rather than dropped unread.
   */
  private async drain(): Promise<void> {
    const open = [...this.wss.clients].filter((ws) => ws.readyState !== ws.CLOSED);
    for (const socket of this.sockets) socket.shutdown();
    if (open.length === 0) return;
    await new Promise<void>((resolve) => {
      let left = open.length;
      const timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS);
      for (const ws of open) {
        ws.once('close', () => {
          if (--left > 0) return;
          clearTimeout(timer);
          resolve();
        });
      }
    });
  }
}
