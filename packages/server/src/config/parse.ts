import { readFileSync } from 'node:fs';
import { TrustedProxies } from '../http/client-address.js';
import { serviceKeyProblem } from '../http/service-key.js';
import { SCHEMA_NAME } from '../store/postgres-schema.js';
import { boundsText, defaultText, flagText } from './describe.js';
import { parseIceServers } from './ice-servers.js';
import { defaultOptions, OPTION_SPECS, type OptionSpec, type ServerOptions } from './options.js';

/** A configuration value that cannot be used; the message names the source and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  isTty?: boolean;
  /** Told of each former spelling used (a renamed flag, variable or file key), to pass on. */
  warn?: (message: string) => void;
}

/**
 * Resolves options with precedence flags > environment > config file > defaults, validating every
 * value. `--config <file>` (or TANDEM_CONFIG) names a JSON file whose keys are the option names
 * (camelCase, as in {@link ServerOptions}).
 */
export function resolveOptions({
  argv,
  env,
  isTty = false,
  warn = () => undefined,
}: ConfigSources): ServerOptions {
  const options = defaultOptions(isTty);
  const flags = parseFlags(argv, warn);
  const configPath = flags.get('config') ?? env.TANDEM_CONFIG;
  if (configPath) applyFile(options, configPath, warn);
  for (const spec of OPTION_SPECS) {
    const former = spec.formerly?.env;
    for (const name of former ? [...spec.env, former] : spec.env) {
      const raw = env[name];
      if (raw !== undefined && raw !== '') {
        if (name === former) warn(renamed(name, spec.env[0] ?? ''));
        set(options, spec, raw, `environment variable ${name}`);
        break;
      }
    }
  }
  for (const spec of OPTION_SPECS) {
    const raw = flags.get(spec.flag);
    if (raw !== undefined) set(options, spec, raw, `--${spec.flag}`);
  }
  return checkCombination(options);
}

/** The warning for a former spelling still in use. */
function renamed(was: string, now: string): string {
  return `${was} is deprecated: it is now ${now}`;
}

function parseFlags(argv: readonly string[], warn: (message: string) => void): Map<string, string> {
  const known = new Map(OPTION_SPECS.map((s) => [s.flag, s]));
  const former = new Map(OPTION_SPECS.flatMap((s) => (s.formerly ? [[s.formerly.flag, s] as const] : [])));
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"; see tandem serve --help`);
    const [name, inline] = splitOnce(arg.slice(2), '=');
    if (name === 'config') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new ConfigError('--config needs a file path');
      out.set('config', value);
      continue;
    }
    if (name.startsWith('no-') && known.get(name.slice(3))?.kind === 'bool') {
      out.set(name.slice(3), 'false');
      continue;
    }
    const old = former.get(name);
    if (old) warn(renamed(`--${name}`, `--${old.flag}`));
    const spec = known.get(name) ?? old;
    if (!spec) throw new ConfigError(`unknown option --${name}; see tandem serve --help`);
    if (spec.kind === 'bool' && inline === undefined) {
      out.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`--${name} needs a value`);
    out.set(spec.flag, value);
  }
  return out;
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function applyFile(options: ServerOptions, path: string, warn: (message: string) => void): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: expected a JSON object of options`);
  }
  const byKey = new Map(OPTION_SPECS.map((s) => [s.key as string, s]));
  const former = new Map(OPTION_SPECS.flatMap((s) => (s.formerly ? [[s.formerly.key, s] as const] : [])));
  for (const [key, value] of Object.entries(parsed)) {
    const old = former.get(key);
    if (old) warn(renamed(`config file ${path} key "${key}"`, `"${old.key}"`));
    const spec = byKey.get(key) ?? old;
    if (!spec) throw new ConfigError(`config file ${path}: unknown option "${key}"`);
    set(
      options,
      spec,
      typeof value === 'string' ? value : JSON.stringify(value),
      `config file ${path} key "${key}"`,
    );
  }
}

function set(options: ServerOptions, spec: OptionSpec, raw: string, source: string): void {
  const target = options as unknown as Record<string, unknown>;
  const kind = spec.kind;
  if (kind === 'int') {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new ConfigError(`${source}: "${raw}" is not a whole number`);
    }
    if (spec.min !== undefined && value < spec.min)
      throw new ConfigError(`${source}: ${value} is below the minimum ${spec.min}`);
    if (spec.max !== undefined && value > spec.max)
      throw new ConfigError(`${source}: ${value} is above the maximum ${spec.max}`);
    target[spec.key] = value;
  } else if (kind === 'bool') {
    const lower = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) target[spec.key] = true;
    else if (['false', '0', 'no', 'off'].includes(lower)) target[spec.key] = false;
    else throw new ConfigError(`${source}: "${raw}" is not true or false`);
  } else if (kind === 'string') {
    target[spec.key] = raw;
  } else {
    if (!kind.enum.includes(raw))
      throw new ConfigError(`${source}: "${raw}" is not one of ${kind.enum.join(', ')}`);
    target[spec.key] = raw;
  }
}

function checkCombination(options: ServerOptions): ServerOptions {
  if (!options.guests && !options.jwtSecret && !options.jwksUrl) {
    throw new ConfigError(
      'guest tokens are off and no JWT verification is configured, so nobody could connect: set --jwt-secret or --jwks-url (or TANDEM_JWT_SECRET / TANDEM_JWKS_URL), or allow guests',
    );
  }
  if (options.slowSoftBytes >= options.slowHardBytes) {
    throw new ConfigError(
      `slow-soft-bytes (${options.slowSoftBytes}) must be below slow-hard-bytes (${options.slowHardBytes})`,
    );
  }
  const keyProblem = serviceKeyProblem(options.serviceKey);
  if (keyProblem) throw new ConfigError(`--service-key: ${keyProblem}`);
  if (options.databaseUrl && !/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    throw new ConfigError('--database-url: expected a postgres:// URL');
  }
  if (options.redisUrl && !/^rediss?:\/\//.test(options.redisUrl)) {
    throw new ConfigError('--redis-url: expected a redis:// URL');
  }
  if (options.redisUrl && !options.databaseUrl) {
    throw new ConfigError(
      'a cluster (--redis-url) shares its rooms through PostgreSQL: set --database-url too',
    );
  }
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(options.redisPrefix)) {
    throw new ConfigError(`--redis-prefix: "${options.redisPrefix}" is not letters, digits, _ . : or -`);
  }
  try {
    TrustedProxies.parse(options.trustedProxies);
  } catch (error) {
    throw new ConfigError(`--trusted-proxies: ${(error as Error).message}`);
  }
  try {
    parseIceServers(options.iceServers);
  } catch (error) {
    throw new ConfigError(`--ice-servers: ${(error as Error).message}`);
  }
  if (!SCHEMA_NAME.test(options.databaseSchema)) {
    throw new ConfigError(
      `--database-schema: "${options.databaseSchema}" is not a plain schema name (lower-case letters, digits and _)`,
    );
  }
  if (options.jwksUrl) {
    try {
      const url = new URL(options.jwksUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw new ConfigError(`--jwks-url: "${options.jwksUrl}" is not an http(s) URL`);
    }
  }
  if (options.publicUrl) {
    try {
      new URL(options.publicUrl);
    } catch {
      throw new ConfigError(`--public-url: "${options.publicUrl}" is not a URL`);
    }
  }
  return options;
}

/** The text of `tandem serve --help`, generated from the option declarations so it never drifts. */
export function helpText(): string {
  const lines = [
    'Usage: tandem serve [options]',
    '',
    'Runs a Tandem collaboration server: HTTP and WebSocket on one port.',
    'Precedence: flags > environment > --config file (JSON, option names as keys) > defaults.',
    '',
    'Options:',
    `  ${'--config <file>'.padEnd(32)}JSON file of options  [env: TANDEM_CONFIG]`,
  ];
  for (const spec of OPTION_SPECS) {
    const bounds = boundsText(spec);
    const facts = [
      `default: ${defaultText(spec)}`,
      ...(bounds ? [`range: ${bounds}`] : []),
      `env: ${spec.env.join(', ')}`,
    ];
    lines.push(`  ${`${flagText(spec)}  `.padEnd(32)}${spec.doc}  [${facts.join('; ')}]`);
  }
  lines.push(`  ${'--help'.padEnd(32)}show this help`);
  const former = OPTION_SPECS.filter((spec) => spec.formerly);
  if (former.length > 0) {
    lines.push('', 'Former names, still accepted (deprecated):');
    for (const spec of former) {
      lines.push(`  --${spec.formerly?.flag} / ${spec.formerly?.env}: now --${spec.flag}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
