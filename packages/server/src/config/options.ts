// One piece on purpose: every option of `tandem serve` is declared here three times over, its type
// and doc in `ServerOptions`, its flag, environment variables, bounds and help in `OPTION_SPECS`, and
// its default in `defaultOptions`. Kept side by side, adding or changing an option is one edit a
// reviewer sees whole; split by kind, the three would drift apart.

/** Everything `tandem serve` can be told, with its default. Flags, env vars and a config file all map here. */
export interface ServerOptions {
  /** TCP port for HTTP and WebSocket. Default 4321. */
  port: number;
  /** Interface to bind. Default 127.0.0.1; use 0.0.0.0 to accept remote connections. */
  host: string;
  /** Directory for the SQLite database and the guest-token secret; `:memory:` keeps nothing. Default ./.tandem */
  data: string;
  /** Base URL used in invite links; derived from the request's Host header when empty. */
  publicUrl: string;
  /** HS256 shared secret for app-issued JWTs (e.g. a Supabase JWT secret). */
  jwtSecret: string;
  /** JWKS URL for RS256/ES256 JWTs. */
  jwksUrl: string;
  /**
   * The app backend's credential for the service API (room documents, room deletion), sent as
   * `Authorization: Bearer <key>`; at least 32 characters. Empty: the service API is off.
   */
  serviceKey: string;
  /** Required `iss` of app JWTs, when set. */
  jwtIssuer: string;
  /** Required `aud` of app JWTs, when set. */
  jwtAudience: string;
  /** Seconds an issuer's clock may run ahead of this server's (`nbf`); never extends `exp`. Default 5. */
  jwtClockTolerance: number;
  /** Milliseconds without JWKS fetches after a failed one; doubles with each further failure. Default 1000. */
  jwksBackoffMs: number;
  /** Longest wait between JWKS fetches while they keep failing, milliseconds. Default 60000. */
  jwksBackoffMaxMs: number;
  /** Seconds a connection ticket (`POST /tickets`, single use) is accepted. Default 30. */
  ticketTtl: number;
  /** Connection tickets one user may be issued within one ticket lifetime. Default 20. */
  ticketsPerUser: number;
  /** Issue and accept the server's own guest tokens (`POST /auth/guest`). Default true; turn off in production. */
  guests: boolean;
  /** Participants per room. Default 10. */
  maxParticipants: number;
  /** Joins per user per minute, across all rooms. Default 5. */
  joinsPerMinute: number;
  /** Unknown join codes one client address may try per minute before its lookups are refused. Default 20. */
  codeMissesPerMinute: number;
  /** Guest tokens one client address may be issued per minute (refreshes not counted). Default 60. */
  guestsPerMinute: number;
  /** Sessions (peer-to-peer and companion rooms included) one client address may create per minute. Default 30. */
  sessionsPerMinute: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` is believed: comma-separated addresses and CIDR ranges.
   * Limits counted per address then count the client the proxy names, not the proxy. Default none.
   */
  trustedProxies: string;
  /** Sessions one user may host at once (their companion rooms are not counted). Default 6. */
  maxHostedRooms: number;
  /** Lock lease, seconds. Default 60. */
  lockTtl: number;
  /** Access-request timeout, seconds. Default 10. */
  accessTimeout: number;
  /** Document size cap, bytes. Default 524288 (512 KiB). */
  maxDocBytes: number;
  /** Document edits per second per connection. Default 8. */
  docRate: number;
  /** Cursor moves per second per connection. Default 15. */
  cursorRate: number;
  /** Milliseconds cursor moves wait so each recipient gets them in one frame; 0 sends each at once. Default 16. */
  cursorTickMs: number;
  /** Chat messages per second per connection. Default 2. */
  chatRate: number;
  /** WebSocket ping interval, seconds; a peer silent for two intervals is dropped. Default 30. */
  heartbeat: number;
  /** Buffered bytes past which a socket's cursor and presence updates coalesce to the latest per sender. Default 1 MiB. */
  slowSoftBytes: number;
  /** Buffered bytes past which a socket is closed as a slow consumer. Default 16 MiB. */
  slowHardBytes: number;
  /** SQLite `synchronous` level: `full` survives power loss, `normal` only a process crash. Default full. */
  sqliteSync: 'full' | 'normal';
  /**
   * PostgreSQL URL (`postgres://…`): rooms are stored there instead of in SQLite, as a cluster's
   * servers share them. Empty: SQLite in `data`.
   */
  databaseUrl: string;
  /** PostgreSQL schema holding Tandem's tables, created if missing. Default tandem. */
  databaseSchema: string;
  /**
   * Redis URL (`redis://…`): this server joins a cluster of servers sharing the Redis and the
   * PostgreSQL database (`databaseUrl`, required). Empty: a single server.
   */
  redisUrl: string;
  /** Prefix of the cluster's Redis keys and channels. Default tandem. */
  redisPrefix: string;
  /** Milliseconds a session's ownership lasts unrenewed: the longest a dead server's sessions wait. Default 10000. */
  clusterLeaseMs: number;
  /**
   * STUN/TURN servers for peer-to-peer sessions, handed to browsers: comma-separated `stun:`/`turn:`
   * URLs or a JSON array of `{ urls, username, credential }`. Default none (peers on one network).
   */
  iceServers: string;
  /**
   * Seconds a created session nobody has connected to stays loaded; then it is unloaded and deleted
   * from the store, join code and all. Default 60.
   */
  sessionGrace: number;
  /** Seconds a room stays loaded after its last connection leaves. Default 5. */
  roomIdle: number;
  /** Days a stored room is kept after anyone last wrote to it; 0 keeps rooms forever. Default 30. */
  roomRetentionDays: number;
  /** pino level. Default info. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json` for machines, `pretty` for terminals. Default: pretty on a TTY, else json. */
  logFormat: 'json' | 'pretty';
  /** Directory of static files served at `/` (the demo editor). Empty: none. */
  staticDir: string;
}

type Kind = 'int' | 'string' | 'bool' | { enum: readonly string[] };

/** One configurable option: how it is spelled on the command line, in the environment and in a file. */
export interface OptionSpec {
  readonly key: keyof ServerOptions;
  readonly flag: string;
  readonly env: readonly string[];
  readonly kind: Kind;
  readonly min?: number;
  readonly max?: number;
  readonly help: string;
}

export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'port',
    flag: 'port',
    env: ['PORT', 'TANDEM_PORT'],
    kind: 'int',
    min: 0,
    max: 65535,
    help: 'TCP port for HTTP and WebSocket',
  },
  {
    key: 'host',
    flag: 'host',
    env: ['TANDEM_HOST'],
    kind: 'string',
    help: 'interface to bind (0.0.0.0 for all)',
  },
  {
    key: 'data',
    flag: 'data',
    env: ['TANDEM_DATA'],
    kind: 'string',
    help: 'data directory (SQLite, guest secret); :memory: keeps nothing',
  },
  {
    key: 'publicUrl',
    flag: 'public-url',
    env: ['TANDEM_PUBLIC_URL'],
    kind: 'string',
    help: 'base URL for invite links (default: from the Host header)',
  },
  {
    key: 'jwtSecret',
    flag: 'jwt-secret',
    env: ['TANDEM_JWT_SECRET'],
    kind: 'string',
    help: 'HS256 secret of app JWTs (e.g. the Supabase JWT secret)',
  },
  {
    key: 'jwksUrl',
    flag: 'jwks-url',
    env: ['TANDEM_JWKS_URL'],
    kind: 'string',
    help: 'JWKS URL of app JWTs (RS256/ES256)',
  },
  {
    key: 'serviceKey',
    flag: 'service-key',
    env: ['TANDEM_SERVICE_KEY'],
    kind: 'string',
    help: "the app backend's key for the service API (room documents), 32+ characters; empty: off",
  },
  {
    key: 'jwtIssuer',
    flag: 'jwt-issuer',
    env: ['TANDEM_JWT_ISSUER'],
    kind: 'string',
    help: 'required iss claim',
  },
  {
    key: 'jwtAudience',
    flag: 'jwt-audience',
    env: ['TANDEM_JWT_AUDIENCE'],
    kind: 'string',
    help: 'required aud claim',
  },
  {
    key: 'jwtClockTolerance',
    flag: 'jwt-clock-tolerance',
    env: ['TANDEM_JWT_CLOCK_TOLERANCE'],
    kind: 'int',
    min: 0,
    max: 300,
    help: 'seconds of clock skew allowed on nbf (never past exp)',
  },
  {
    key: 'jwksBackoffMs',
    flag: 'jwks-backoff-ms',
    env: ['TANDEM_JWKS_BACKOFF_MS'],
    kind: 'int',
    min: 1,
    max: 3_600_000,
    help: 'ms without JWKS fetches after a failed one (doubles per failure)',
  },
  {
    key: 'jwksBackoffMaxMs',
    flag: 'jwks-backoff-max-ms',
    env: ['TANDEM_JWKS_BACKOFF_MAX_MS'],
    kind: 'int',
    min: 1,
    max: 3_600_000,
    help: 'longest wait between failing JWKS fetches, ms',
  },
  {
    key: 'ticketTtl',
    flag: 'ticket-ttl',
    env: ['TANDEM_TICKET_TTL'],
    kind: 'int',
    min: 1,
    max: 600,
    help: 'seconds a single-use connection ticket is accepted',
  },
  {
    key: 'ticketsPerUser',
    flag: 'tickets-per-user',
    env: ['TANDEM_TICKETS_PER_USER'],
    kind: 'int',
    min: 1,
    max: 10000,
    help: 'connection tickets one user may be issued within one ticket lifetime',
  },
  {
    key: 'guests',
    flag: 'guests',
    env: ['TANDEM_GUESTS'],
    kind: 'bool',
    help: 'issue and accept guest tokens (--no-guests in production)',
  },
  {
    key: 'maxParticipants',
    flag: 'max-participants',
    env: ['TANDEM_MAX_PARTICIPANTS'],
    kind: 'int',
    min: 1,
    max: 1000,
    help: 'participants per room',
  },
  {
    key: 'joinsPerMinute',
    flag: 'joins-per-minute',
    env: ['TANDEM_JOINS_PER_MINUTE'],
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'joins per user per minute',
  },
  {
    key: 'codeMissesPerMinute',
    flag: 'code-misses-per-minute',
    env: ['TANDEM_CODE_MISSES_PER_MINUTE'],
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'unknown join codes one client address may try per minute',
  },
  {
    key: 'guestsPerMinute',
    flag: 'guests-per-minute',
    env: ['TANDEM_GUESTS_PER_MINUTE'],
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'guest tokens one client address may be issued per minute',
  },
  {
    key: 'sessionsPerMinute',
    flag: 'sessions-per-minute',
    env: ['TANDEM_SESSIONS_PER_MINUTE'],
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'sessions one client address may create per minute',
  },
  {
    key: 'trustedProxies',
    flag: 'trusted-proxies',
    env: ['TANDEM_TRUSTED_PROXIES'],
    kind: 'string',
    help: 'reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client',
  },
  {
    key: 'maxHostedRooms',
    flag: 'max-hosted-rooms',
    env: ['TANDEM_MAX_HOSTED_ROOMS'],
    kind: 'int',
    min: 1,
    max: 100000,
    help: 'sessions one user may host at once (companion rooms not counted)',
  },
  {
    key: 'lockTtl',
    flag: 'lock-ttl',
    env: ['TANDEM_LOCK_TTL'],
    kind: 'int',
    min: 1,
    max: 86400,
    help: 'lock lease in seconds',
  },
  {
    key: 'accessTimeout',
    flag: 'access-timeout',
    env: ['TANDEM_ACCESS_TIMEOUT'],
    kind: 'int',
    min: 1,
    max: 3600,
    help: 'access request timeout in seconds',
  },
  {
    key: 'maxDocBytes',
    flag: 'max-doc-bytes',
    env: ['TANDEM_MAX_DOC_BYTES'],
    kind: 'int',
    min: 1024,
    max: 64 * 1024 * 1024,
    help: 'document size cap in bytes',
  },
  {
    key: 'docRate',
    flag: 'doc-rate',
    env: ['TANDEM_DOC_RATE'],
    kind: 'int',
    min: 1,
    max: 1_000_000,
    help: 'document edits per second per connection',
  },
  {
    key: 'cursorRate',
    flag: 'cursor-rate',
    env: ['TANDEM_CURSOR_RATE'],
    kind: 'int',
    min: 1,
    max: 1_000_000,
    help: 'cursor moves per second per connection',
  },
  {
    key: 'cursorTickMs',
    flag: 'cursor-tick-ms',
    env: ['TANDEM_CURSOR_TICK_MS'],
    kind: 'int',
    min: 0,
    max: 1000,
    help: 'milliseconds cursor moves wait to go out together (0: at once)',
  },
  {
    key: 'chatRate',
    flag: 'chat-rate',
    env: ['TANDEM_CHAT_RATE'],
    kind: 'int',
    min: 1,
    max: 1_000_000,
    help: 'chat messages per second per connection',
  },
  {
    key: 'heartbeat',
    flag: 'heartbeat',
    env: ['TANDEM_HEARTBEAT'],
    kind: 'int',
    min: 1,
    max: 3600,
    help: 'WebSocket ping interval in seconds',
  },
  {
    key: 'slowSoftBytes',
    flag: 'slow-soft-bytes',
    env: ['TANDEM_SLOW_SOFT_BYTES'],
    kind: 'int',
    min: 1024,
    help: 'buffered bytes before cursors coalesce',
  },
  {
    key: 'slowHardBytes',
    flag: 'slow-hard-bytes',
    env: ['TANDEM_SLOW_HARD_BYTES'],
    kind: 'int',
    min: 1024,
    help: 'buffered bytes before a slow socket is closed',
  },
  {
    key: 'sqliteSync',
    flag: 'sqlite-sync',
    env: ['TANDEM_SQLITE_SYNC'],
    kind: { enum: ['full', 'normal'] },
    help: 'SQLite synchronous level',
  },
  {
    key: 'databaseUrl',
    flag: 'database-url',
    env: ['TANDEM_DATABASE_URL'],
    kind: 'string',
    help: 'PostgreSQL URL: store rooms there instead of SQLite',
  },
  {
    key: 'databaseSchema',
    flag: 'database-schema',
    env: ['TANDEM_DATABASE_SCHEMA'],
    kind: 'string',
    help: 'PostgreSQL schema for Tandem tables',
  },
  {
    key: 'redisUrl',
    flag: 'redis-url',
    env: ['TANDEM_REDIS_URL'],
    kind: 'string',
    help: 'Redis URL: join a cluster (needs --database-url)',
  },
  {
    key: 'redisPrefix',
    flag: 'redis-prefix',
    env: ['TANDEM_REDIS_PREFIX'],
    kind: 'string',
    help: "prefix of the cluster's Redis keys",
  },
  {
    key: 'clusterLeaseMs',
    flag: 'cluster-lease-ms',
    env: ['TANDEM_CLUSTER_LEASE_MS'],
    kind: 'int',
    min: 300,
    max: 600_000,
    help: "session ownership lease, ms (a dead server's sessions move within it)",
  },
  {
    key: 'iceServers',
    flag: 'ice-servers',
    env: ['TANDEM_ICE_SERVERS'],
    kind: 'string',
    help: 'STUN/TURN servers for peer-to-peer sessions (URLs, or JSON with credentials)',
  },
  {
    key: 'roomIdle',
    flag: 'room-idle',
    env: ['TANDEM_ROOM_IDLE'],
    kind: 'int',
    min: 0,
    max: 3600,
    help: 'seconds an empty room stays loaded',
  },
  {
    key: 'sessionGrace',
    flag: 'session-grace',
    env: ['TANDEM_SESSION_GRACE'],
    kind: 'int',
    min: 1,
    max: 86400,
    help: 'seconds a session nobody joined is kept (then deleted)',
  },
  {
    key: 'roomRetentionDays',
    flag: 'room-retention-days',
    env: ['TANDEM_ROOM_RETENTION_DAYS'],
    kind: 'int',
    min: 0,
    max: 36500,
    help: 'days an unused room is kept in the store (0: forever)',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: ['TANDEM_LOG_LEVEL', 'LOG_LEVEL'],
    kind: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    help: 'log level',
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    env: ['TANDEM_LOG_FORMAT'],
    kind: { enum: ['json', 'pretty'] },
    help: 'log format',
  },
  {
    key: 'staticDir',
    flag: 'static-dir',
    env: ['TANDEM_STATIC_DIR'],
    kind: 'string',
    help: 'directory of static files served at /',
  },
];

/** The defaults. `logFormat` depends on whether stdout is a terminal, so it is computed. */
export function defaultOptions(isTty = false): ServerOptions {
  return {
    port: 4321,
    host: '127.0.0.1',
    data: './.tandem',
    publicUrl: '',
    jwtSecret: '',
    jwksUrl: '',
    serviceKey: '',
    jwtIssuer: '',
    jwtAudience: '',
    jwtClockTolerance: 5,
    jwksBackoffMs: 1000,
    jwksBackoffMaxMs: 60_000,
    ticketTtl: 30,
    ticketsPerUser: 20,
    guests: true,
    maxParticipants: 10,
    joinsPerMinute: 5,
    codeMissesPerMinute: 20,
    guestsPerMinute: 60,
    sessionsPerMinute: 30,
    trustedProxies: '',
    maxHostedRooms: 6,
    lockTtl: 60,
    accessTimeout: 10,
    maxDocBytes: 512 * 1024,
    docRate: 8,
    cursorRate: 15,
    cursorTickMs: 16,
    chatRate: 2,
    heartbeat: 30,
    slowSoftBytes: 1024 * 1024,
    slowHardBytes: 16 * 1024 * 1024,
    sqliteSync: 'full',
    databaseUrl: '',
    databaseSchema: 'tandem',
    redisUrl: '',
    redisPrefix: 'tandem',
    clusterLeaseMs: 10_000,
    iceServers: '',
    sessionGrace: 60,
    roomIdle: 5,
    roomRetentionDays: 30,
    logLevel: 'info',
    logFormat: isTty ? 'pretty' : 'json',
    staticDir: '',
  };
}
