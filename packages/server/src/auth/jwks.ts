import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';

/** Default wait after the first failed JWKS fetch, in milliseconds; it doubles with each failure. */
export const DEFAULT_JWKS_BACKOFF_MS = 1000;
/** Default longest wait between JWKS fetches while the endpoint keeps failing, in milliseconds. */
export const DEFAULT_JWKS_BACKOFF_MAX_MS = 60_000;

/** How a remote key set is fetched. */
export interface RemoteKeySetOptions {
  /** Time limit for one fetch, ms. */
  timeoutMs: number;
  /** Minimum ms between refetches triggered by an unknown `kid` (jose's default when absent). */
  cooldownMs?: number | undefined;
  /** Wait after the first failure, ms; doubles with each further failure. */
  backoffMs: number;
  /** Longest wait, ms. */
  backoffMaxMs: number;
  /** The current time, ms since the epoch. */
  now: () => number;
}

/**
 * A fetch that was not made: the last one failed and the backoff has not passed yet. Thrown
 * through jose unchanged, so the verifier can tell it from a fetch that failed just now.
 */
export class KeySetBackoff extends Error {
  override readonly name = 'KeySetBackoff';
  /**
   * @param retryInMs - How long until the next fetch may be made.
   * @param lastFailure - Why the last fetch failed, in a few words free of key material.
   */
  constructor(
    readonly retryInMs: number,
    readonly lastFailure: string,
  ) {
    super('the JSON Web Key Set endpoint failed and is not asked again yet');
  }
}

/** The key resolver for `jwtVerify`, and how long until its endpoint is asked again after a failure. */
export interface RemoteKeySet {
  readonly getKey: JWTVerifyGetKey;
  /** Ms until the next fetch may be made; 0 when the last fetch succeeded (or none failed). */
  retryInMs(): number;
}

/**
 * jose's remote key set (cache, `kid` cooldown, one fetch shared by concurrent callers) with a
 * backoff after failures, which jose lacks: its cooldown only starts from a successful fetch, so
 * while the endpoint fails every verification that finds no fetch in flight starts another, and a
 * burst of connections becomes a burst of requests to an identity provider that is already down.
 * After a failure, no fetch is made until the wait (doubling per failure, capped) has passed;
 * verifications meanwhile fail at once, without touching the network.
 */
export function remoteKeySet(url: URL, options: RemoteKeySetOptions): RemoteKeySet {
  const { backoffMs, backoffMaxMs, now } = options;
  let failures = 0;
  let retryAt = 0;
  let lastFailure = '';
  const failed = (why: string): void => {
    failures++;
    lastFailure = why;
    retryAt = now() + Math.min(backoffMs * 2 ** (failures - 1), backoffMaxMs);
  };
  const fetchKeys: FetchImplementation = async (input, init) => {
    const wait = retryAt - now();
    if (wait > 0) throw new KeySetBackoff(wait, lastFailure);
    let response: Response;
    let body: string;
    try {
      response = await fetch(input, init);
      body = await response.text();
    } catch (error) {
      failed(describeFetchError(error));
      throw error;
    }
    // Only a usable key set counts as a success; jose reports what is wrong with anything else.
    if (response.status !== 200) failed(`HTTP ${response.status}`);
    else if (!isKeySet(body)) failed('invalid key set');
    else {
      failures = 0;
      retryAt = 0;
    }
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const getKey = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    ...(options.cooldownMs === undefined ? {} : { cooldownDuration: options.cooldownMs }),
    [customFetch]: fetchKeys,
  });
  return { getKey, retryInMs: () => Math.max(0, retryAt - now()) };
}

function isKeySet(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return (
      typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { keys?: unknown }).keys)
    );
  } catch {
    return false;
  }
}

/** A short, key-free description of why a JWKS fetch failed (timeout, connection refused, HTTP). */
export function describeFetchError(error: unknown): string {
  if (error instanceof KeySetBackoff) return error.lastFailure;
  if (error instanceof errors.JWKSTimeout) return 'timed out';
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  if (error instanceof errors.JWKSInvalid) return 'invalid key set';
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string'
      ? (cause as { code: string }).code
      : undefined;
  if (code !== undefined && /^[A-Z_]{1,32}$/.test(code)) return code;
  if (error instanceof errors.JOSEError) return error.message;
  return 'unreachable';
}
