import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ErrorCode, secureRandom } from '@tandem/protocol';
import { type Clock, type Identity, systemClock } from '@tandem/room';
import { WebSocketServer } from 'ws';
import { ConnectionTickets, GuestIssuer, loadOrCreateGuestSecret, TokenVerifier } from './auth/index.js';
import { Cluster } from './cluster/cluster.js';
import { parseIceServers } from './config/ice-servers.js';
import { defaultOptions, type ServerOptions } from './config/options.js';
import { handleApi } from './http/api.js';
import { TrustedProxies } from './http/client-address.js';
import { sendJson } from './http/json.js';
import { serveStatic } from './http/static.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { LocalPlacement } from './placement/local.js';
import type { Placement } from './placement/placement.js';
import { Refusal } from './refusal.js';
import type { AppAccessOptions } from './rooms/app-access.js';
import { type AuthorizeHook, appRoomNameProblem } from './rooms/app-rooms.js';
import { RoomRegistry } from './rooms/registry.js';
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
  /**
   * Who may use app-named rooms (`/docs/<name>`), asked when the user's token has no
   * `tandem.rooms` pattern matching the room: `'write'`, `'read'`, or undefined for no access.
   * This server's own guest tokens get into app rooms only through it.
   */
  authorize?: AuthorizeHook;
  /** How long `authorize` may take before the connection is refused (`Internal`). Default 5000. */
  authorizeTimeoutMs?: number;
}

/** Default time the `authorize` hook has to answer. */
const AUTHORIZE_TIMEOUT_MS = 5_000;

/** What a started server is made of, kept for its getters and its shutdown. */
interface ServerParts {
  /** The options it runs with, defaults filled in. */
  options: ServerOptions;
  /** The HTTP server the API, static files and upgrades share. */
  http: Server;
  /** Does the WebSocket handshakes, pings and closes; its clients are every open socket. */
  wss: WebSocketServer;
  /** The rooms loaded here. */
  registry: RoomRegistry;
  metrics: Metrics;
  logger: Logger;
  /** Where rooms are stored; closed last, after the rooms have stored what they hold. */
  store: ServerStore;
  stopHeartbeat: () => void;
  /** Every open connection's socket, told of a shutdown first. */
  sockets: ReadonlySet<WsRoomSocket>;
  /** This server's node of a cluster, when it is one (also its placement). */
  cluster: Cluster | undefined;
  /** Where rooms and peer-to-peer sessions run. */
  placement: Placement;
  /** Peer-to-peer sessions' signaling. */
  signaling: SignalingHub;
}

/** Who asks for what the embedding app calls on the server itself (deleting a room). */
const SERVER_IDENTITY: Identity = { userId: 'tandem-server', name: '' };

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

  readonly options: ServerOptions;
  readonly registry: RoomRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** This server's node of a cluster, when it is one. */
  readonly cluster: Cluster | undefined;
  /** Peer-to-peer sessions' signaling. */
  readonly signaling: SignalingHub;
  private readonly parts: ServerParts;

  private constructor(parts: ServerParts) {
    this.parts = parts;
    this.options = parts.options;
    this.registry = parts.registry;
    this.metrics = parts.metrics;
    this.logger = parts.logger;
    this.cluster = parts.cluster;
    this.signaling = parts.signaling;
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(config: TandemServerConfig = {}): Promise<TandemServer> {
    const {
      logger: givenLogger,
      clock = systemClock,
      store: givenStore,
      redisSubscriberUrl,
      authorize,
      authorizeTimeoutMs = AUTHORIZE_TIMEOUT_MS,
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
    const registry = new RoomRegistry({
      claims: cluster?.claims,
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
    // Past this choice nothing asks whether this server is part of a cluster: the API and the
    // upgrade gate ask the placement.
    const placement: Placement =
      cluster?.attach(registry, signaling) ?? new LocalPlacement(registry, signaling, clock);
    metrics.watch('tandem_p2p_sessions', 'Peer-to-peer sessions open on this server', () => signaling.size);
    placement.watch(metrics);
    const ticketTtlMs = options.ticketTtl * 1000;
    const tickets = new ConnectionTickets(
      placement.ticketStore(ticketTtlMs, options.ticketsPerUser),
      ticketTtlMs,
      () => clock.now(),
    );

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
    const appAccess: AppAccessOptions = {
      authorize,
      timeoutMs: authorizeTimeoutMs,
      onHookFailure: (error, room) => logger.warn({ err: error, room }, 'authorize hook failed'),
    };
    const api = {
      appAccess,
      maxDocBytes: options.maxDocBytes,
      registry,
      placement,
      iceServers,
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
      placement,
      metrics,
      logger,
      backpressure: { softBytes: options.slowSoftBytes, hardBytes: options.slowHardBytes },
      clientAddress,
      maxQueuedFrames: 256,
      maxQueuedBytes: 2 * (options.maxDocBytes + 64 * 1024),
      isClosing,
      appAccess,
      sockets: new Set<WsRoomSocket>(),
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
      await placement.close();
      if (!givenStore) await store.close();
      throw error;
    }
    server = new TandemServer({
      options,
      http,
      wss,
      registry,
      metrics,
      logger,
      store,
      stopHeartbeat,
      sockets: upgrade.sockets,
      cluster,
      placement,
      signaling,
    });
    logger.info(
      {
        url: server.url,
        data: options.data,
        store: givenStore ? 'given' : options.databaseUrl ? 'postgresql' : 'sqlite',
        node: placement.nodeId,
        guests: options.guests,
      },
      'tandem listening',
    );
    return server;
  }

  /** The bound port (useful with `port: 0`). */
  get port(): number {
    return (this.parts.http.address() as AddressInfo).port;
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
   * Deletes the app-named room `name` (`lesson-42`) for good: its connected clients are closed with
   * `RoomClosed` and its stored state is removed, wherever in a cluster it runs. Resolves to whether
   * there was such a room.
   *
   * @throws Refusal `BadMessage` for a name that cannot be an app room's.
   */
  async deleteRoom(name: string): Promise<boolean> {
    const problem = appRoomNameProblem(name);
    if (problem !== undefined) throw new Refusal(ErrorCode.BadMessage, problem);
    const { appRoom } = await this.parts.placement.createSession(SERVER_IDENTITY, {
      appRoom: { op: 'delete', name },
    });
    return appRoom?.done === true;
  }

  /**
   * Graceful shutdown: stop accepting, tell every client to reconnect (close code for
   * ServerShutdown), store every document, close the database. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const { http, wss, placement, store } = this.parts;
      this.logger.info('shutting down');
      this.parts.stopHeartbeat();
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      this.registry.stopAccepting();
      await this.drain();
      this.signaling.close();
      await this.registry.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await stopped;
      // After the rooms have closed (and stored what they held): their sessions are free to move.
      await placement.close();
      await store.close();
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
    const open = [...this.parts.wss.clients].filter((ws) => ws.readyState !== ws.CLOSED);
    for (const socket of this.parts.sockets) socket.shutdown();
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
