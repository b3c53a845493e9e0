import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { ErrorCode, secureRandom } from '@tandem/protocol';
import { type Clock, systemClock } from '@tandem/room';
import { WebSocketServer } from 'ws';
import {
  type Authenticator,
  ConnectionTickets,
  GuestIssuer,
  loadOrCreateGuestSecret,
  TokenVerifier,
} from './auth/index.js';
import { Cluster } from './cluster/cluster.js';
import { parseIceServers } from './config/ice-servers.js';
import { checkOptionKeys, defaultOptions, type ServerOptions } from './config/options.js';
import { appAuthenticator } from './embed/app-authenticator.js';
import type { TandemHooks } from './embed/hooks.js';
import { mount, normalisePrefix, tandemPaths } from './embed/mount.js';
import { DEFAULT_HOOK_TIMEOUT_MS, observedStore, RoomHooks } from './embed/room-hooks.js';
import { handleApi, isApiPath } from './http/api.js';
import { TrustedProxies } from './http/client-address.js';
import { sendJson } from './http/json.js';
import { serviceKeyProblem } from './http/service-key.js';
import { staticFiles } from './http/static.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { LocalPlacement } from './placement/local.js';
import type { Placement } from './placement/placement.js';
import { Refusal } from './refusal.js';
import type { AppAccessOptions } from './rooms/app-access.js';
import { appRoomId, appRoomNameProblem } from './rooms/app-rooms.js';
import { RoomRegistry } from './rooms/registry.js';
import type { ServerStore } from './rooms/server-store.js';
import { WindowLimiter } from './rooms/window-limiter.js';
import { SignalingHub } from './signaling/hub.js';
import { openSqliteStore } from './store/open-sqlite-store.js';
import { PostgresRoomStore } from './store/postgres-store.js';
import { isConnectionPath } from './transport/connection-url.js';
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
  /** What the embedding app is told of, and decides: authentication, joins, leaves, changes. */
  hooks?: TandemHooks;
}

/** Options for {@link TandemServer.attach}: a {@link TandemServerConfig} (its `port` and `host` unused). */
export interface TandemAttachConfig extends TandemServerConfig {
  /**
   * Where Tandem is mounted on the app's server, e.g. `/tandem`: every request and upgrade below
   * it is Tandem's, and clients are given `http://app.example/tandem` as their server URL. Empty
   * (the default): Tandem answers its own paths at the root (`/tickets`, `/sessions…`,
   * `/auth/guest…`, `/p2p…`, `/healthz`, `/metrics`, and WebSockets on `/rooms/…`, `/join/…`,
   * `/p2p/…`), the app everything else.
   */
  path?: string;
}

/** Where a server's HTTP comes from: its own `http.Server`, or an app's it is attached to. */
type Host = { kind: 'own' } | { kind: 'attached'; server: Server; prefix: string };

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
  /** The app's room hooks, when it set any: flushed at shutdown before the store closes. */
  roomHooks: RoomHooks | undefined;
  /** Attached to an app's server: the mount prefix, and what gives the app its listeners back. */
  attached: { prefix: string; unmount: () => void } | undefined;
}

/** Who asks for what the embedding app calls on the server itself (deleting a room). */

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

  /** Starts listening on its own port; resolves once the port is bound. */
  static start(config: TandemServerConfig = {}): Promise<TandemServer> {
    return TandemServer.open(config, { kind: 'own' });
  }

  /**
   * Runs Tandem on an app's existing `http.Server`, which keeps every request and upgrade that is
   * not Tandem's (see {@link TandemAttachConfig.path}). Call it once the app's own `request` and
   * `upgrade` listeners are on the server (e.g. after `http.createServer(app)`): those are the
   * ones other paths are handed to. {@link close} takes Tandem off again and leaves the app's
   * server running; the app listens and closes it as before.
   *
   * @example
   * const app = express();
   * const http = createServer(app);
   * const tandem = await TandemServer.attach(http, { path: '/tandem', jwtSecret });
   * http.listen(3000); // clients use http://localhost:3000/tandem
   */
  static async attach(server: Server, config: TandemAttachConfig = {}): Promise<TandemServer> {
    const { path, ...rest } = config;
    return TandemServer.open(rest, { kind: 'attached', server, prefix: normalisePrefix(path) });
  }

  private static async open(config: TandemServerConfig, host: Host): Promise<TandemServer> {
    const {
      logger: givenLogger,
      clock = systemClock,
      store: givenStore,
      redisSubscriberUrl,
      hooks = {},
      ...overrides
    } = config;
    checkOptionKeys(overrides);
    const options: ServerOptions = { ...defaultOptions(false), ...overrides };
    const keyProblem = serviceKeyProblem(options.serviceKey);
    if (keyProblem) throw new Error(keyProblem);
    // Before anything is opened: a missing directory stops the start with nothing to clean up.
    const statics = options.staticDir ? staticFiles(options.staticDir) : undefined;
    const logger = givenLogger ?? createLogger(options.logLevel, options.logFormat);
    const inMemory = options.data === ':memory:';
    if (!inMemory) mkdirSync(options.data, { recursive: true });
    const baseStore =
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
    const roomHooks = new RoomHooks(hooks, baseStore, clock, logger);
    const store = roomHooks.active ? observedStore(baseStore, roomHooks) : baseStore;
    // The app's own tokens replace JWTs and guests alike: it said who may connect.
    const appAuth = hooks.onAuthenticate;
    const guestSecret =
      options.guests && !appAuth
        ? inMemory
          ? new Uint8Array(randomBytes(32))
          : loadOrCreateGuestSecret(options.data)
        : undefined;
    const guests = guestSecret
      ? new GuestIssuer({ secret: guestSecret, issuer: GUEST_ISSUER, audience: GUEST_AUDIENCE })
      : undefined;
    if (!appAuth && !guests && !options.jwtSecret && !options.jwksUrl) {
      throw new Error(
        'guest tokens are off and no JWT verification is configured: set jwtSecret or jwksUrl, allow guests, or give hooks.onAuthenticate',
      );
    }
    const verifier: Authenticator = appAuth
      ? appAuthenticator(appAuth, hooks.hookTimeoutMs, clock, logger)
      : TandemServer.tokenVerifier(options, guests, clock);
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
        lockTtlMs: options.lockTtlSeconds * 1000,
        accessTimeoutMs: options.accessTimeoutSeconds * 1000,
        cursorTickMs: options.cursorTickMs,
        maxDocBytes: options.maxDocBytes,
        budgets: { doc: options.docRate, cursor: options.cursorRate, chat: options.chatRate },
      },
      joinsPerMinute: options.joinsPerMinute,
      codeMissesPerMinute: options.codeMissesPerMinute,
      maxHostedRooms: options.maxHostedRooms,
      sessionGraceMs: options.sessionGraceSeconds * 1000,
      roomIdleMs: options.roomIdleSeconds * 1000,
      roomRetentionMs: options.roomRetentionDays * 24 * 60 * 60 * 1000,
      onActivity: roomHooks.active ? (roomId, event) => roomHooks.activity(roomId, event) : undefined,
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
    const ticketTtlMs = options.ticketTtlSeconds * 1000;
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
      authorize: hooks.authorize,
      timeoutMs: hooks.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
      onHookFailure: (error, room) => logger.warn({ err: error, room }, 'authorize hook failed'),
    };
    const api = {
      appAccess,
      registry,
      placement,
      iceServers,
      verifier,
      tickets,
      guests,
      metrics,
      logger,
      publicUrl: options.publicUrl,
      serviceKey: options.serviceKey,
      maxDocBytes: options.maxDocBytes,
      mountPath: host.kind === 'attached' ? host.prefix : '',
      clientAddress,
      perAddress: {
        guests: new WindowLimiter(options.guestsPerMinute, clock),
        sessions: new WindowLimiter(options.sessionsPerMinute, clock),
      },
      startedAt,
      isClosing,
    };
    const answer = (req: IncomingMessage, res: ServerResponse): void => {
      void (async () => {
        if (await handleApi(api, req, res)) return;
        if (statics && (await statics(req, res))) return;
        sendJson(res, 404, {
          error: 'NotFound',
          message: `no route for ${req.method} ${req.url?.split('?')[0]}`,
        });
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal', message: 'internal error' });
        // A file that failed while being sent: the client must see the response end, not wait.
        else res.destroy();
      });
    };
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
    const connect = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      handleUpgrade(upgrade, req, socket, head).catch((error: unknown) => {
        logger.error({ err: error }, 'upgrade failed');
        socket.destroy();
      });
    };
    const stopHeartbeat = startHeartbeat(wss, options.heartbeatSeconds * 1000);
    let http: Server;
    let attached: ServerParts['attached'];
    try {
      if (host.kind === 'own') {
        http = createServer(answer);
        http.on('upgrade', connect);
        await listen(http, options.port, options.host);
      } else {
        http = host.server;
        const paths = tandemPaths(host.prefix, (path) => isApiPath(path) || isConnectionPath(path));
        const unmount = mount(http, {
          owns: paths.owns,
          request: (req, res) => {
            paths.strip(req);
            answer(req, res);
          },
          upgrade: (req, socket, head) => {
            paths.strip(req);
            connect(req, socket, head);
          },
        });
        attached = { prefix: host.prefix, unmount };
      }
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
      roomHooks: roomHooks.active ? roomHooks : undefined,
      attached,
    });
    logger.info(
      {
        url: attached ? `${attached.prefix || '/'} on the app's server` : server.url,
        data: options.data,
        store: givenStore ? 'given' : options.databaseUrl ? 'postgresql' : 'sqlite',
        node: placement.nodeId,
        guests: options.guests,
      },
      attached ? 'tandem attached' : 'tandem listening',
    );
    return server;
  }

  /** The bound port (useful with `port: 0`); attached, the app's server's, once it listens. */
  get port(): number {
    return this.address().port;
  }

  /**
   * `http://host:port` of the API and demo, what clients are given as their server URL; attached,
   * the app's server's address and Tandem's mount path (valid once the app's server listens).
   */
  get url(): string {
    const bound = this.parts.attached ? this.address().address : this.options.host;
    const host = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}${this.parts.attached?.prefix ?? ''}`;
  }

  private address(): AddressInfo {
    const address = this.parts.http.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the HTTP server Tandem is attached to is not listening on a TCP port');
    }
    return address;
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
    return this.parts.placement.deleteRoom(appRoomId(name));
  }

  /**
   * Graceful shutdown: stop accepting, tell every client to reconnect (close code for
   * ServerShutdown), store every document, report changes `onChange` still owes, close the store.
   * Attached to an app's server, Tandem's listeners come off it and the server itself is left
   * running, with the app's own connections. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const { http, wss, placement, store, attached } = this.parts;
      this.logger.info('shutting down');
      this.parts.stopHeartbeat();
      const stopped = attached
        ? Promise.resolve()
        : new Promise<void>((resolve) => http.close(() => resolve()));
      this.registry.stopAccepting();
      await this.drain();
      this.signaling.close();
      await this.registry.close();
      // The rooms' last writes are stored now: the app hears of them before the store closes.
      await this.parts.roomHooks?.flush();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      if (attached) attached.unmount();
      else http.closeAllConnections();
      await stopped;
      // After the rooms have closed (and stored what they held): their sessions are free to move.
      await placement.close();
      await store.close();
      this.logger.info('stopped');
    })();
    return this.closing;
  }

  /** The built-in JWT and guest-token verifier, set up from `options`. */
  private static tokenVerifier(
    options: ServerOptions,
    guests: GuestIssuer | undefined,
    clock: Clock,
  ): TokenVerifier {
    return new TokenVerifier({
      ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
      ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
      ...(options.jwtIssuer ? { issuer: options.jwtIssuer } : {}),
      ...(options.jwtAudience ? { audience: options.jwtAudience } : {}),
      clockToleranceSec: options.jwtClockToleranceSeconds,
      jwksBackoffMs: options.jwksBackoffMs,
      jwksBackoffMaxMs: options.jwksBackoffMaxMs,
      now: () => clock.now(),
      ...(guests ? { guest: guests.verifierConfig() } : {}),
    });
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

/** Binds `http` to `port` on `host`; rejects with what to do about a port in use or not allowed. */
function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(bindError(error, port, host));
    http.once('error', failed);
    http.listen(port, host, () => {
      http.off('error', failed);
      resolve();
    });
  });
}

function bindError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `port ${port} on ${host}`;
  const choose = 'choose another with --port or the PORT environment variable';
  if (error.code === 'EADDRINUSE')
    return new Error(`${where} is already in use: stop what uses it, or ${choose}`);
  if (error.code === 'EACCES') return new Error(`${where} needs privileges this process lacks: ${choose}`);
  if (error.code === 'EADDRNOTAVAIL') return new Error(`${host} is not an address of this machine (--host)`);
  return error;
}
