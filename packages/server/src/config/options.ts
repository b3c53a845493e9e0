// The one declaration of every option of `tandem serve` and `TandemServer`: name, type, default,
// unit, flag, environment variables, bounds and doc line. The `ServerOptions` type, the defaults,
// `--help`, the config file's keys and the options table of docs/server.md (`npm run
// docs:options`) all come from it, so adding or changing an option is one edit here.

/**
 * Google's public STUN server: lets peers on different networks find their public addresses out of
 * the box. `none` turns it off; networks that block direct paths need a TURN server as well.
 */
export const DEFAULT_ICE_SERVERS = 'stun:stun.l.google.com:19302';

/** How an option's value is spelled: a whole number, text, a switch, or one of a list. */
export type Kind = 'int' | 'string' | 'bool' | { readonly enum: readonly string[] };

/** The unit of a number option; its name ends in it (`…Seconds`, `…Ms`, `…Days`, `…Bytes`). */
export type Unit = 'seconds' | 'ms' | 'days' | 'bytes';

/** One option as declared. */
export interface OptionDeclaration {
  readonly kind: Kind;
  readonly default: number | string | boolean;
  /** The default as the docs and `--help` say it, when the value alone does not (e.g. computed). */
  readonly defaultText?: string;
  readonly unit?: Unit;
  /** The flag, without `--`. */
  readonly flag: string;
  /** Environment variables, first match wins. */
  readonly env: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** One line: what it does; shown by `--help` and in the docs table. */
  readonly doc: string;
  /** Earlier spellings still accepted (with a warning): the option's old key, flag and variable. */
  readonly formerly?: { readonly key: string; readonly flag: string; readonly env: string };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every option, in the order `--help` and the docs list them. */
export const OPTIONS = {
  port: {
    kind: 'int',
    default: 4321,
    flag: 'port',
    env: ['PORT', 'TANDEM_PORT'],
    min: 0,
    max: 65535,
    doc: 'TCP port for HTTP and WebSocket (unused by `TandemServer.attach`).',
  },
  host: {
    kind: 'string',
    default: '127.0.0.1',
    flag: 'host',
    env: ['TANDEM_HOST'],
    doc: 'Interface to bind; 0.0.0.0 accepts remote connections.',
  },
  data: {
    kind: 'string',
    default: './.tandem',
    flag: 'data',
    env: ['TANDEM_DATA'],
    doc: 'Directory of the SQLite database and the guest-token secret; `:memory:` keeps nothing.',
  },
  publicUrl: {
    kind: 'string',
    default: '',
    defaultText: "from the request's Host header",
    flag: 'public-url',
    env: ['TANDEM_PUBLIC_URL'],
    doc: 'Base URL of invite links.',
  },
  jwtSecret: {
    kind: 'string',
    default: '',
    defaultText: 'none',
    flag: 'jwt-secret',
    env: ['TANDEM_JWT_SECRET'],
    doc: 'HS256 shared secret of app-issued JWTs (e.g. a Supabase JWT secret).',
  },
  jwksUrl: {
    kind: 'string',
    default: '',
    defaultText: 'none',
    flag: 'jwks-url',
    env: ['TANDEM_JWKS_URL'],
    doc: 'JWKS URL of app-issued RS256/ES256 JWTs.',
  },
  serviceKey: {
    kind: 'string',
    default: '',
    defaultText: 'off',
    flag: 'service-key',
    env: ['TANDEM_SERVICE_KEY'],
    doc: "The app backend's credential for the service API (room documents, room deletion), sent as `Authorization: Bearer <key>`; at least 32 characters. Empty: the service API is off.",
  },
  jwtIssuer: {
    kind: 'string',
    default: '',
    defaultText: 'not checked',
    flag: 'jwt-issuer',
    env: ['TANDEM_JWT_ISSUER'],
    doc: 'Required `iss` of app JWTs.',
  },
  jwtAudience: {
    kind: 'string',
    default: '',
    defaultText: 'not checked',
    flag: 'jwt-audience',
    env: ['TANDEM_JWT_AUDIENCE'],
    doc: 'Required `aud` of app JWTs.',
  },
  jwtClockToleranceSeconds: {
    kind: 'int',
    default: 5,
    unit: 'seconds',
    flag: 'jwt-clock-tolerance-seconds',
    env: ['TANDEM_JWT_CLOCK_TOLERANCE_SECONDS'],
    min: 0,
    max: 300,
    doc: "How far an issuer's clock may run ahead of this server's, on `nbf` (never extends `exp`).",
    formerly: { key: 'jwtClockTolerance', flag: 'jwt-clock-tolerance', env: 'TANDEM_JWT_CLOCK_TOLERANCE' },
  },
  jwksBackoffMs: {
    kind: 'int',
    default: 1000,
    unit: 'ms',
    flag: 'jwks-backoff-ms',
    env: ['TANDEM_JWKS_BACKOFF_MS'],
    min: 1,
    max: 3_600_000,
    doc: 'Time without JWKS fetches after a failed one; doubles with each further failure.',
  },
  jwksBackoffMaxMs: {
    kind: 'int',
    default: 60_000,
    unit: 'ms',
    flag: 'jwks-backoff-max-ms',
    env: ['TANDEM_JWKS_BACKOFF_MAX_MS'],
    min: 1,
    max: 3_600_000,
    doc: 'Longest wait between JWKS fetches while they keep failing.',
  },
  ticketTtlSeconds: {
    kind: 'int',
    default: 30,
    unit: 'seconds',
    flag: 'ticket-ttl-seconds',
    env: ['TANDEM_TICKET_TTL_SECONDS'],
    min: 1,
    max: 600,
    doc: 'How long a connection ticket (`POST /tickets`, single use) is accepted.',
    formerly: { key: 'ticketTtl', flag: 'ticket-ttl', env: 'TANDEM_TICKET_TTL' },
  },
  ticketsPerUser: {
    kind: 'int',
    default: 20,
    flag: 'tickets-per-user',
    env: ['TANDEM_TICKETS_PER_USER'],
    min: 1,
    max: 10000,
    doc: 'Connection tickets one user may be issued within one ticket lifetime (then `429`).',
  },
  guests: {
    kind: 'bool',
    default: true,
    flag: 'guests',
    env: ['TANDEM_GUESTS'],
    doc: 'Issue and accept guest tokens (`POST /auth/guest`); turn off in production.',
  },
  maxParticipants: {
    kind: 'int',
    default: 10,
    flag: 'max-participants',
    env: ['TANDEM_MAX_PARTICIPANTS'],
    min: 1,
    max: 1000,
    doc: 'Participants per room.',
  },
  joinsPerMinute: {
    kind: 'int',
    default: 5,
    flag: 'joins-per-minute',
    env: ['TANDEM_JOINS_PER_MINUTE'],
    min: 1,
    max: 100000,
    doc: 'Joins per user per minute, across all rooms.',
  },
  codeMissesPerMinute: {
    kind: 'int',
    default: 20,
    flag: 'code-misses-per-minute',
    env: ['TANDEM_CODE_MISSES_PER_MINUTE'],
    min: 1,
    max: 100000,
    doc: 'Unknown join codes one client address may try per minute; then its lookups get `JoinRateLimited` (429).',
  },
  guestsPerMinute: {
    kind: 'int',
    default: 60,
    flag: 'guests-per-minute',
    env: ['TANDEM_GUESTS_PER_MINUTE'],
    min: 1,
    max: 100000,
    doc: 'Guest tokens one client address may be issued per minute (refreshes not counted); then `429 GuestRateLimited`.',
  },
  sessionsPerMinute: {
    kind: 'int',
    default: 30,
    flag: 'sessions-per-minute',
    env: ['TANDEM_SESSIONS_PER_MINUTE'],
    min: 1,
    max: 100000,
    doc: 'Sessions (peer-to-peer and companion rooms too) one client address may create per minute; then `429 SessionRateLimited`.',
  },
  trustedProxies: {
    kind: 'string',
    default: '',
    defaultText: 'none',
    flag: 'trusted-proxies',
    env: ['TANDEM_TRUSTED_PROXIES'],
    doc: 'Reverse proxies (comma-separated addresses and CIDR ranges) whose `X-Forwarded-For` names the client (see Behind a reverse proxy in docs/server.md).',
  },
  maxHostedRooms: {
    kind: 'int',
    default: 6,
    flag: 'max-hosted-rooms',
    env: ['TANDEM_MAX_HOSTED_ROOMS'],
    min: 1,
    max: 100000,
    doc: 'Sessions one user may host at once (companion rooms not counted).',
  },
  lockTtlSeconds: {
    kind: 'int',
    default: 60,
    unit: 'seconds',
    flag: 'lock-ttl-seconds',
    env: ['TANDEM_LOCK_TTL_SECONDS'],
    min: 1,
    max: 86400,
    doc: 'Lock lease.',
    formerly: { key: 'lockTtl', flag: 'lock-ttl', env: 'TANDEM_LOCK_TTL' },
  },
  accessTimeoutSeconds: {
    kind: 'int',
    default: 10,
    unit: 'seconds',
    flag: 'access-timeout-seconds',
    env: ['TANDEM_ACCESS_TIMEOUT_SECONDS'],
    min: 1,
    max: 3600,
    doc: 'How long an access request waits for the holder to answer.',
    formerly: { key: 'accessTimeout', flag: 'access-timeout', env: 'TANDEM_ACCESS_TIMEOUT' },
  },
  knockCooldownSeconds: {
    kind: 'int',
    default: 60,
    unit: 'seconds',
    flag: 'knock-cooldown-seconds',
    env: ['TANDEM_KNOCK_COOLDOWN_SECONDS'],
    min: 0,
    max: 86400,
    doc: 'A guest the host declined or removed is refused this long when they ask to join again (0: at once).',
  },
  maxDocBytes: {
    kind: 'int',
    default: 512 * 1024,
    unit: 'bytes',
    flag: 'max-doc-bytes',
    env: ['TANDEM_MAX_DOC_BYTES'],
    min: 1024,
    max: 64 * 1024 * 1024,
    doc: 'Document size cap.',
  },
  docRate: {
    kind: 'int',
    default: 8,
    flag: 'doc-rate',
    env: ['TANDEM_DOC_RATE'],
    min: 1,
    max: 1_000_000,
    doc: 'Document edits per second per connection.',
  },
  cursorRate: {
    kind: 'int',
    default: 15,
    flag: 'cursor-rate',
    env: ['TANDEM_CURSOR_RATE'],
    min: 1,
    max: 1_000_000,
    doc: 'Cursor moves per second per connection.',
  },
  cursorTickMs: {
    kind: 'int',
    default: 16,
    unit: 'ms',
    flag: 'cursor-tick-ms',
    env: ['TANDEM_CURSOR_TICK_MS'],
    min: 0,
    max: 1000,
    doc: 'Cursor moves wait this long so each recipient gets them in one frame; 0 sends each at once.',
  },
  chatRate: {
    kind: 'int',
    default: 2,
    flag: 'chat-rate',
    env: ['TANDEM_CHAT_RATE'],
    min: 1,
    max: 1_000_000,
    doc: 'Chat messages per second per connection.',
  },
  heartbeatSeconds: {
    kind: 'int',
    default: 30,
    unit: 'seconds',
    flag: 'heartbeat-seconds',
    env: ['TANDEM_HEARTBEAT_SECONDS'],
    min: 1,
    max: 3600,
    doc: 'WebSocket ping interval; a peer silent for two intervals is dropped.',
    formerly: { key: 'heartbeat', flag: 'heartbeat', env: 'TANDEM_HEARTBEAT' },
  },
  slowSoftBytes: {
    kind: 'int',
    default: 1024 * 1024,
    unit: 'bytes',
    flag: 'slow-soft-bytes',
    env: ['TANDEM_SLOW_SOFT_BYTES'],
    min: 1024,
    doc: "Buffered bytes past which a socket's cursor and presence updates coalesce to the latest per sender.",
  },
  slowHardBytes: {
    kind: 'int',
    default: 16 * 1024 * 1024,
    unit: 'bytes',
    flag: 'slow-hard-bytes',
    env: ['TANDEM_SLOW_HARD_BYTES'],
    min: 1024,
    doc: 'Buffered bytes past which a socket is closed as a slow consumer.',
  },
  sqliteSync: {
    kind: { enum: ['full', 'normal'] },
    default: 'full',
    flag: 'sqlite-sync',
    env: ['TANDEM_SQLITE_SYNC'],
    doc: 'SQLite `synchronous` level: `full` survives power loss, `normal` only a process crash.',
  },
  databaseUrl: {
    kind: 'string',
    default: '',
    defaultText: 'none: SQLite in `data`',
    flag: 'database-url',
    env: ['TANDEM_DATABASE_URL'],
    doc: "PostgreSQL URL (`postgres://...`): rooms are stored there instead, as a cluster's servers share them.",
  },
  databaseSchema: {
    kind: 'string',
    default: 'tandem',
    flag: 'database-schema',
    env: ['TANDEM_DATABASE_SCHEMA'],
    doc: "PostgreSQL schema holding Tandem's tables, created if missing.",
  },
  redisUrl: {
    kind: 'string',
    default: '',
    defaultText: 'none: a single server',
    flag: 'redis-url',
    env: ['TANDEM_REDIS_URL'],
    doc: 'Redis URL (`redis://...`): this server joins a cluster (needs `databaseUrl`; see [Cluster](#cluster)).',
  },
  redisPrefix: {
    kind: 'string',
    default: 'tandem',
    flag: 'redis-prefix',
    env: ['TANDEM_REDIS_PREFIX'],
    doc: "Prefix of the cluster's Redis keys and channels.",
  },
  clusterLeaseMs: {
    kind: 'int',
    default: 10_000,
    unit: 'ms',
    flag: 'cluster-lease-ms',
    env: ['TANDEM_CLUSTER_LEASE_MS'],
    min: 300,
    max: 600_000,
    doc: "How long a session's ownership lasts unrenewed: the longest a dead server's sessions wait.",
  },
  iceServers: {
    kind: 'string',
    default: DEFAULT_ICE_SERVERS,
    flag: 'ice-servers',
    env: ['TANDEM_ICE_SERVERS'],
    doc: 'STUN/TURN servers for peer-to-peer sessions: comma-separated `stun:`/`turn:` URLs, a JSON array of `{ urls, username, credential }`, or `none` (peers on one network only).',
  },
  roomIdleSeconds: {
    kind: 'int',
    default: 5,
    unit: 'seconds',
    flag: 'room-idle-seconds',
    env: ['TANDEM_ROOM_IDLE_SECONDS'],
    min: 0,
    max: 3600,
    doc: 'How long a room stays loaded after its last connection leaves.',
    formerly: { key: 'roomIdle', flag: 'room-idle', env: 'TANDEM_ROOM_IDLE' },
  },
  sessionGraceSeconds: {
    kind: 'int',
    default: 60,
    unit: 'seconds',
    flag: 'session-grace-seconds',
    env: ['TANDEM_SESSION_GRACE_SECONDS'],
    min: 1,
    max: 86400,
    doc: 'How long a created session nobody has connected to stays; then it is unloaded and deleted, join code and all.',
    formerly: { key: 'sessionGrace', flag: 'session-grace', env: 'TANDEM_SESSION_GRACE' },
  },
  roomRetentionDays: {
    kind: 'int',
    default: 30,
    unit: 'days',
    flag: 'room-retention-days',
    env: ['TANDEM_ROOM_RETENTION_DAYS'],
    min: 0,
    max: 36500,
    doc: 'An hourly sweep deletes stored session rooms nobody has written to (edit, join, setting, load) for this long; app-named rooms are kept until the app deletes them; 0 keeps sessions forever.',
  },
  logLevel: {
    kind: { enum: LOG_LEVELS },
    default: 'info',
    flag: 'log-level',
    env: ['TANDEM_LOG_LEVEL', 'LOG_LEVEL'],
    doc: 'pino log level.',
  },
  logFormat: {
    kind: { enum: ['json', 'pretty'] },
    default: 'json',
    defaultText: 'pretty on a terminal, else json',
    flag: 'log-format',
    env: ['TANDEM_LOG_FORMAT'],
    doc: '`json` for machines, `pretty` for terminals.',
  },
  staticDir: {
    kind: 'string',
    default: '',
    defaultText: 'none',
    flag: 'static-dir',
    env: ['TANDEM_STATIC_DIR'],
    doc: 'Directory of static files served at `/` (the demo editor), with content types, ETags and compression; the server refuses to start when it is missing or has no index.html.',
  },
} as const satisfies Record<string, OptionDeclaration>;

type Declared = typeof OPTIONS;

/** The value type an option's kind declares. */
type ValueOf<D> = D extends { kind: 'int' }
  ? number
  : D extends { kind: 'string' }
    ? string
    : D extends { kind: 'bool' }
      ? boolean
      : D extends { kind: { enum: readonly (infer E)[] } }
        ? E
        : never;

/**
 * Everything `tandem serve` and `TandemServer` can be told, derived from {@link OPTIONS} (see it,
 * or docs/server.md#configuration, for each option's meaning, unit and default).
 */
export type ServerOptions = { -readonly [K in keyof Declared]: ValueOf<Declared[K]> };

/** One option's declaration with its key, as the parser and generators walk them. */
export interface OptionSpec extends OptionDeclaration {
  readonly key: keyof ServerOptions;
}

/** {@link OPTIONS} as a list, in declaration order. */
export const OPTION_SPECS: readonly OptionSpec[] = Object.entries(OPTIONS).map(([key, declaration]) => ({
  key: key as keyof ServerOptions,
  ...(declaration as OptionDeclaration),
}));

/** The defaults. `logFormat` depends on whether stdout is a terminal, so it is computed. */
export function defaultOptions(isTty = false): ServerOptions {
  const defaults = Object.fromEntries(OPTION_SPECS.map((spec) => [spec.key, spec.default])) as ServerOptions;
  return { ...defaults, logFormat: isTty ? 'pretty' : 'json' };
}

/**
 * Refuses option keys that are not options, so a JavaScript caller's misspelling or former name
 * (`lockTtl`) is an error naming the fix rather than a setting silently ignored.
 */
export function checkOptionKeys(given: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(given)) {
    if (key in OPTIONS) continue;
    const renamed = OPTION_SPECS.find((spec) => spec.formerly?.key === key);
    throw new TypeError(
      renamed
        ? `option ${key} is now ${renamed.key}`
        : `unknown option ${key}; see docs/server.md#configuration`,
    );
  }
}
