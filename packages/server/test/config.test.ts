import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderOptionsDoc } from '../src/config/describe.js';
import { parseIceServers } from '../src/config/ice-servers.js';
import { OPTION_SPECS } from '../src/config/options.js';
import { ConfigError, helpText, resolveOptions } from '../src/config/parse.js';

const resolve = (argv: string[], env: Record<string, string> = {}) => resolveOptions({ argv, env });

describe('configuration', () => {
  it('uses the documented defaults with no input', () => {
    expect(resolve([])).toMatchObject({
      port: 4321,
      host: '127.0.0.1',
      data: './.tandem',
      guests: true,
      maxParticipants: 10,
      joinsPerMinute: 5,
      maxHostedRooms: 6,
      lockTtlSeconds: 60,
      maxDocBytes: 524288,
      docRate: 8,
      cursorRate: 15,
      chatRate: 2,
      logFormat: 'json',
      databaseUrl: '',
      databaseSchema: 'tandem',
      redisUrl: '',
      redisPrefix: 'tandem',
      clusterLeaseMs: 10_000,
      iceServers: 'stun:stun.l.google.com:19302',
      codeMissesPerMinute: 20,
      guestsPerMinute: 60,
      sessionsPerMinute: 30,
      trustedProxies: '',
      sessionGraceSeconds: 60,
    });
  });

  it('reads flags, environment and a config file with flags > env > file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
    const file = join(dir, 'tandem.json');
    writeFileSync(file, JSON.stringify({ port: 1000, maxParticipants: 20, logLevel: 'debug' }));
    const options = resolve(['--config', file, '--port=3000', '--no-guests', '--jwt-secret', 's'], {
      PORT: '2000',
      TANDEM_MAX_PARTICIPANTS: '30',
    });
    expect(options).toMatchObject({
      port: 3000,
      maxParticipants: 30,
      logLevel: 'debug',
      guests: false,
      jwtSecret: 's',
    });
  });

  it.each([
    [['--port', 'abc'], /--port: "abc" is not a whole number/],
    [['--port', '70000'], /--port: 70000 is above the maximum 65535/],
    [['--max-participants', '0'], /below the minimum 1/],
    [['--log-level', 'loud'], /--log-level: "loud" is not one of fatal, error/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['stray'], /unexpected argument "stray"/],
    [['--port'], /--port needs a value/],
    [['--no-guests'], /--jwt-secret or --jwks-url/],
    [['--jwks-url', 'ftp://x'], /not an http\(s\) URL/],
    [['--slow-soft-bytes', '9999999', '--slow-hard-bytes', '2048'], /must be below/],
    [['--database-url', 'mysql://db/x'], /--database-url: expected a postgres:\/\/ URL/],
    [['--redis-url', 'redis://127.0.0.1:6379'], /set --database-url too/],
    [
      ['--redis-url', 'http://x', '--database-url', 'postgres://db/x'],
      /--redis-url: expected a redis:\/\/ URL/,
    ],
    [['--redis-prefix', 'a b'], /--redis-prefix: "a b" is not letters/],
    [['--cluster-lease-ms', '10'], /below the minimum 300/],
    [
      ['--ice-servers', 'http://stun.example.org'],
      /--ice-servers: server 1: urls must be stun:, turn: or turns: URLs/,
    ],
    [
      ['--ice-servers', '[{"urls":"turn:t.example.org","credential":5}]'],
      /server 1: credential must be a string/,
    ],
    [['--ice-servers', '[oops'], /--ice-servers: not valid JSON/],
    [['--database-schema', 'Tandem; DROP'], /--database-schema: "Tandem; DROP" is not a plain schema name/],
    [['--guests-per-minute', '0'], /--guests-per-minute: 0 is below the minimum 1/],
    [['--sessions-per-minute', 'lots'], /--sessions-per-minute: "lots" is not a whole number/],
    [
      ['--trusted-proxies', '10.0.0.1, ::1/129'],
      /--trusted-proxies: "::1\/129": the prefix must be 0 to 128/,
    ],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => resolve(argv)).toThrow(ConfigError);
    expect(() => resolve(argv)).toThrow(message);
  });

  it('reads STUN/TURN servers as URLs or as JSON with credentials', () => {
    expect(parseIceServers('')).toEqual([]);
    // Turning the default STUN server off, also from the environment (where empty means unset).
    expect(parseIceServers('none')).toEqual([]);
    expect(resolve([], { TANDEM_ICE_SERVERS: 'none' }).iceServers).toBe('none');
    expect(parseIceServers(resolve([]).iceServers)).toEqual([{ urls: 'stun:stun.l.google.com:19302' }]);
    expect(parseIceServers('stun:a.example.org:3478, stun:b.example.org')).toEqual([
      { urls: 'stun:a.example.org:3478' },
      { urls: 'stun:b.example.org' },
    ]);
    const turn = [
      { urls: ['turn:t.example.org:3478', 'turns:t.example.org:5349'], username: 'u', credential: 'p' },
    ];
    expect(parseIceServers(JSON.stringify(turn))).toEqual(turn);
  });

  it('names the environment variable in errors from the environment', () => {
    expect(() => resolve([], { TANDEM_GUESTS: 'maybe' })).toThrow(
      /environment variable TANDEM_GUESTS: "maybe" is not true or false/,
    );
  });

  it('refuses unknown keys and bad JSON in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
    writeFileSync(join(dir, 'a.json'), '{"prot": 1}');
    writeFileSync(join(dir, 'b.json'), '{nope');
    expect(() => resolve(['--config', join(dir, 'a.json')])).toThrow(/unknown option "prot"/);
    expect(() => resolve(['--config', join(dir, 'b.json')])).toThrow(/config file .*b\.json/);
  });

  it('documents every option with its default and environment variable in --help', () => {
    const help = helpText();
    for (const spec of OPTION_SPECS) {
      expect(help).toContain(`--${spec.kind === 'bool' ? '[no-]' : ''}${spec.flag}`);
      for (const env of spec.env) expect(help).toContain(env);
    }
    expect(help).toMatch(/--port <n> +TCP port for HTTP and WebSocket .*\[default: 4321; range: 0-65535/);
  });

  it('takes former names of renamed options, with a warning naming the new one', () => {
    const warnings: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ roomIdle: 7 }));
    const options = resolveOptions({
      argv: ['--lock-ttl', '90', '--heartbeat=20', '--config', join(dir, 'old.json')],
      env: { TANDEM_TICKET_TTL: '45', TANDEM_SESSION_GRACE_SECONDS: '', TANDEM_SESSION_GRACE: '120' },
      warn: (message) => warnings.push(message),
    });
    expect(options).toMatchObject({
      lockTtlSeconds: 90,
      heartbeatSeconds: 20,
      ticketTtlSeconds: 45,
      sessionGraceSeconds: 120,
      roomIdleSeconds: 7,
    });
    expect(warnings).toEqual(
      expect.arrayContaining([
        '--lock-ttl is deprecated: it is now --lock-ttl-seconds',
        '--heartbeat is deprecated: it is now --heartbeat-seconds',
        'TANDEM_TICKET_TTL is deprecated: it is now TANDEM_TICKET_TTL_SECONDS',
      ]),
    );
    // The new name wins over the former one.
    expect(resolve([], { TANDEM_LOCK_TTL: '5', TANDEM_LOCK_TTL_SECONDS: '6' }).lockTtlSeconds).toBe(6);
    // A former name is held to the same bounds.
    expect(() => resolve(['--lock-ttl', '0'])).toThrow(/--lock-ttl-seconds: 0 is below the minimum 1/);
  });

  it('names every option with a unit for its unit', () => {
    const suffix = { seconds: 'Seconds', ms: 'Ms', days: 'Days', bytes: 'Bytes' } as const;
    for (const spec of OPTION_SPECS) {
      if (spec.unit) expect(spec.key.endsWith(suffix[spec.unit]), spec.key).toBe(true);
    }
  });

  it('docs/server.md has the options table generated from the declarations', () => {
    const file = fileURLToPath(new URL('../../../docs/server.md', import.meta.url));
    const doc = readFileSync(file, 'utf8');
    expect(renderOptionsDoc(doc) === doc, 'docs/server.md is out of date: run `npm run docs:options`').toBe(
      true,
    );
  });
});
