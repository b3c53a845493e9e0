import { webcrypto } from 'node:crypto';
import type { Identity } from '@tandem/room';
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import {
  apiKeyError,
  claimsOf,
  expiresAtOf,
  isApiKey,
  nameOf,
  rejectApiKey,
  subjectOf,
  translate,
  unverifiedIssuer,
  type VerifiedClaims,
} from './claims.js';
import { AuthError } from './errors.js';
import { hasExpired } from './expiry.js';
import { assertGuestSecret, GUEST_ID_PREFIX, type GuestVerificationOptions } from './guest.js';
import {
  DEFAULT_JWKS_BACKOFF_MAX_MS,
  DEFAULT_JWKS_BACKOFF_MS,
  describeFetchError,
  KeySetBackoff,
  type RemoteKeySet,
  remoteKeySet,
} from './jwks.js';
import { clampName } from './name.js';

/** Asymmetric JWS algorithms that may be accepted from a JWKS. Symmetric (HS*) ones never are. */
export type JwksAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

const JWKS_ALGORITHMS: ReadonlySet<string> = new Set<JwksAlgorithm>([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** Default JWKS algorithms: what Supabase and most identity providers sign with. */
export const DEFAULT_JWKS_ALGORITHMS: readonly JwksAlgorithm[] = ['RS256', 'ES256'];
/** Default allowance for an issuer's clock running ahead of this server's (`nbf`), in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;
/** Default time limit for one JWKS HTTP fetch, in milliseconds. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

/**
 * Longest token accepted, in characters. Real access tokens are 1–4 KB; the cap keeps a hostile
 * client from making the server base64-decode and JSON-parse megabytes before it is refused.
 */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Compact JWS: base64url header and payload, base64url signature (empty for `alg: none`). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Options of {@link TokenVerifier}. At least one of `jwtSecret`, `jwksUrl`, `guest` is required. */
export interface TokenVerifierOptions {
  /**
   * HS256 shared secret, used as its UTF-8 bytes (as Supabase's legacy "JWT secret" is). Use at
   * least 32 random characters: an HMAC key can be brute-forced offline from any one token.
   */
  jwtSecret?: string;
  /** URL of a JSON Web Key Set (e.g. `https://<ref>.supabase.co/auth/v1/.well-known/jwks.json`). */
  jwksUrl?: string;
  /** Accepted `iss` value(s) for external (secret or JWKS) tokens; unchecked when absent. */
  issuer?: string | string[];
  /** Accepted `aud` value(s) for external tokens (Supabase: `authenticated`); unchecked when absent. */
  audience?: string | string[];
  /**
   * Allowed clock skew for `nbf`, in seconds (an issuer whose clock runs ahead); default
   * {@link DEFAULT_CLOCK_TOLERANCE_SEC}. Never applied to `exp`: see {@link hasExpired}.
   */
  clockToleranceSec?: number;
  /** Algorithms accepted with JWKS keys; default {@link DEFAULT_JWKS_ALGORITHMS}. Asymmetric only. */
  jwksAlgorithms?: JwksAlgorithm[];
  /** Time limit for one JWKS fetch in ms; default {@link DEFAULT_JWKS_TIMEOUT_MS}. */
  jwksTimeoutMs?: number;
  /**
   * Minimum ms between JWKS refetches triggered by an unknown `kid` (jose's cooldown; default 30 s).
   * Keeps tokens with random `kid`s from turning the server into a JWKS request amplifier.
   */
  jwksCooldownMs?: number;
  /**
   * Wait after a failed JWKS fetch before the endpoint is asked again, in ms; it doubles with each
   * further failure, up to `jwksBackoffMaxMs`. Default {@link DEFAULT_JWKS_BACKOFF_MS}.
   */
  jwksBackoffMs?: number;
  /** Longest wait between JWKS fetches while they fail, in ms. Default {@link DEFAULT_JWKS_BACKOFF_MAX_MS}. */
  jwksBackoffMaxMs?: number;
  /** The current time in ms since the epoch; default `Date.now`. Tests drive it by hand. */
  now?: () => number;
  /** Accept this server's own guest tokens (see `GuestIssuer`); refused when absent. */
  guest?: GuestVerificationOptions;
}

export type { VerifiedClaims };

/** An identity taken from a token whose signature and claims were verified. */
export type VerifiedIdentity = Identity & {
  /** When the token stops being valid, ms since the epoch (`exp` × 1000); close or re-auth then. */
  readonly expiresAt: number | undefined;
  /** True only for tokens verified with the guest secret (never because of a claim). */
  readonly guest: boolean;
  /** Minimal extra claims. */
  readonly claims: VerifiedClaims;
};

/**
 * An HS256 secret as a WebCrypto key, imported on first use and kept. Given raw bytes, jose imports
 * them again for every token, one more asynchronous WebCrypto job on each connection's way in (a
 * sequential verify took about 170–265 µs with bytes against 100 µs with the key, on this project's
 * machines).
 */
class HmacKey {
  private key: Promise<webcrypto.CryptoKey> | undefined;
  constructor(private readonly secret: Uint8Array) {}
  get(): Promise<webcrypto.CryptoKey> {
    this.key ??= webcrypto.subtle.importKey('raw', this.secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    return this.key;
  }
}

type KeySource = { kind: 'secret'; key: HmacKey } | { kind: 'jwks'; key: JWTVerifyGetKey };

/**
 * Verifies bearer JWTs presented at the WebSocket upgrade and turns them into an {@link Identity}.
 *
 * Key sources: an HS256 shared secret, a remote JWKS (asymmetric algorithms), and this server's
 * own guest tokens (HS256 with a separate secret). The token's `alg` header picks the source, and
 * every source has a fixed, explicit algorithm list; see {@link TokenVerifier.verify}.
 *
 * Every token must carry `exp`: a token that never expires cannot be revoked by waiting, and a
 * leaked one (logs, browser history, a screenshot of the invite URL) would be valid forever.
 */
export class TokenVerifier {
  private readonly secret: HmacKey | undefined;
  private readonly guestKey: HmacKey | undefined;
  private readonly jwks: RemoteKeySet | undefined;
  private readonly jwksAlgorithms: readonly JwksAlgorithm[];
  private readonly issuer: string | string[] | undefined;
  private readonly audience: string | string[] | undefined;
  private readonly clockToleranceSec: number;
  private readonly guest: GuestVerificationOptions | undefined;
  private readonly now: () => number;

  /** @throws TypeError/RangeError for an unusable configuration (fail at startup, not per request). */
  constructor(options: TokenVerifierOptions) {
    const { jwtSecret, jwksUrl, guest } = options;
    this.now = options.now ?? Date.now;
    if (jwtSecret === undefined && jwksUrl === undefined && guest === undefined) {
      throw new TypeError('TokenVerifier needs at least one of jwtSecret, jwksUrl or guest');
    }
    if (jwtSecret !== undefined) {
      if (typeof jwtSecret !== 'string' || jwtSecret.length === 0) {
        throw new TypeError('TokenVerifier: jwtSecret must be a non-empty string');
      }
      this.secret = new HmacKey(new TextEncoder().encode(jwtSecret));
    }

    const algorithms = options.jwksAlgorithms ?? [...DEFAULT_JWKS_ALGORITHMS];
    if (algorithms.length === 0) throw new TypeError('TokenVerifier: jwksAlgorithms must not be empty');
    for (const alg of algorithms) {
      // A JWKS is public. Allowing HS* here would let anyone who fetched it sign tokens with the
      // "public" key as an HMAC secret, and `none` would need no key at all.
      if (!JWKS_ALGORITHMS.has(alg)) {
        throw new TypeError(`TokenVerifier: ${String(alg)} is not an asymmetric JWS algorithm`);
      }
    }
    this.jwksAlgorithms = Object.freeze([...algorithms]);

    if (jwksUrl !== undefined) {
      let url: URL;
      try {
        url = new URL(jwksUrl);
      } catch {
        throw new TypeError('TokenVerifier: jwksUrl is not a valid URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new TypeError('TokenVerifier: jwksUrl must be an http(s) URL');
      }
      const backoffMs = options.jwksBackoffMs ?? DEFAULT_JWKS_BACKOFF_MS;
      const backoffMaxMs = options.jwksBackoffMaxMs ?? DEFAULT_JWKS_BACKOFF_MAX_MS;
      if (!Number.isFinite(backoffMs) || backoffMs <= 0 || !(backoffMaxMs >= backoffMs)) {
        throw new RangeError('jwksBackoffMs must be positive and jwksBackoffMaxMs at least as large');
      }
      // jose caches the key set (10 min), refetches at most once per cooldown on an unknown `kid`,
      // and de-duplicates concurrent fetches; the backoff spaces out fetches after a failure.
      this.jwks = remoteKeySet(url, {
        timeoutMs: options.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
        cooldownMs: options.jwksCooldownMs,
        backoffMs,
        backoffMaxMs,
        now: this.now,
      });
    }

    const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    if (!Number.isFinite(tolerance) || tolerance < 0) {
      throw new RangeError('TokenVerifier: clockToleranceSec must be a non-negative number');
    }
    this.clockToleranceSec = tolerance;
    this.issuer = options.issuer;
    this.audience = options.audience;

    if (guest !== undefined) {
      assertGuestSecret(guest.secret);
      if (!guest.issuer || !guest.audience) {
        throw new TypeError('TokenVerifier: guest.issuer and guest.audience must be non-empty');
      }
      // Guest tokens are told apart from shared-secret tokens by `iss`; an external issuer with the
      // same name would make that routing ambiguous.
      const external = this.issuer === undefined ? [] : [this.issuer].flat();
      if (external.includes(guest.issuer)) {
        throw new TypeError('TokenVerifier: guest.issuer must differ from the external issuer(s)');
      }
      this.guest = { secret: guest.secret, issuer: guest.issuer, audience: guest.audience };
      this.guestKey = new HmacKey(guest.secret);
    }
  }

  /**
   * Verifies a compact JWT and returns the identity it asserts.
   *
   * Algorithm policy (the heart of JWT security): the unverified header's `alg` only *selects* a key
   * source, and that source is then used with its own fixed algorithm list, so a token can never
   * choose how it is checked.
   * - `HS256` → the guest secret when `iss` is the guest issuer (or no shared secret is set), else the
   *   shared secret; refused when neither is configured.
   * - the configured JWKS algorithms → the JWKS; keys are matched by `kid` and key type.
   * - `none`, any other algorithm, or an algorithm whose source is not configured → refused.
   * This defeats the classic confusion attack (an HS256 token "signed" with the RSA/EC public key as
   * the HMAC secret): HS256 never reaches the JWKS, and the shared secret is not the public key.
   *
   * Identity comes from verified claims only: `sub` → userId, `email` (dropped if `email_verified`
   * is `false`, since the trusted list admits by email), name from `user_metadata.name`,
   * `user_metadata.full_name`, `name`, the email's local part, or empty.
   *
   * @param token - The bearer token, without a `Bearer ` prefix.
   * @throws AuthError with a stable `reason`; other errors indicate a bug, not a bad token.
   */
  async verify(token: string): Promise<VerifiedIdentity> {
    if (typeof token !== 'string' || token.trim().length === 0) {
      throw new AuthError('missing', 'No access token was provided');
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new AuthError('malformed', 'Access token is too long');
    }
    if (!COMPACT_JWS.test(token)) {
      throw new AuthError('malformed', 'Access token is not a compact JWT (three base64url parts)');
    }
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthError('malformed', 'Access token header is not valid base64url JSON');
    }
    if (typeof alg !== 'string' || alg.length === 0) {
      throw new AuthError('malformed', 'Access token header has no "alg"');
    }
    // Unsigned tokens are refused outright, whatever the capitalisation (some libraries compared it
    // case-sensitively and accepted "None").
    if (alg.toLowerCase() === 'none') {
      throw new AuthError('algorithm-not-allowed', 'Unsigned tokens (alg "none") are never accepted');
    }

    const source = this.selectKeySource(token, alg);
    if (source === 'guest') return this.verifyGuest(token);
    if (source === undefined) {
      // The alg is echoed only if it looks like an algorithm name, so a hostile header cannot inject
      // arbitrary text into logs or the response.
      const shown = /^[A-Za-z0-9]{1,16}$/.test(alg) ? ` "${alg}"` : '';
      throw new AuthError(
        'algorithm-not-allowed',
        `Signing algorithm${shown} is not accepted by this server`,
      );
    }
    return this.verifyExternal(token, source);
  }

  private selectKeySource(token: string, alg: string): KeySource | 'guest' | undefined {
    if (alg === 'HS256') {
      if (
        this.guest !== undefined &&
        (this.secret === undefined || unverifiedIssuer(token) === this.guest.issuer)
      ) {
        // Routing on the unverified `iss` is safe: the guest path re-checks `iss` after the
        // signature, and a forged `iss` only sends the token to a key it was not signed with.
        return 'guest';
      }
      return this.secret === undefined ? undefined : { kind: 'secret', key: this.secret };
    }
    if (this.jwks !== undefined && (this.jwksAlgorithms as readonly string[]).includes(alg)) {
      return { kind: 'jwks', key: this.jwksKey };
    }
    return undefined;
  }

  /**
   * Resolves the JWKS key, separating "the server could not fetch keys" (transient, our problem)
   * from "no key matches this token" (the token's problem).
   */
  private readonly jwksKey: JWTVerifyGetKey = async (header, token) => {
    const jwks = this.jwks!;
    try {
      return await jwks.getKey(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw error;
      }
      const retryAfterMs = error instanceof KeySetBackoff ? error.retryInMs : jwks.retryInMs();
      const retry = retryAfterMs > 0 ? `; tried again in ${Math.ceil(retryAfterMs / 1000)} s` : '';
      throw new AuthError(
        'jwks-unavailable',
        `Signing keys could not be loaded (${describeFetchError(error)})${retry}`,
        { cause: error, ...(retryAfterMs > 0 ? { retryAfterMs } : {}) },
      );
    }
  };

  /** jose's time checks (`nbf`, and `exp` leniently) on this verifier's clock. */
  private timeOptions(): { clockTolerance: number; currentDate: Date } {
    return { clockTolerance: this.clockToleranceSec, currentDate: new Date(this.now()) };
  }

  /** jose allowed `exp` the clock tolerance; the server's one rule does not. */
  private rejectExpired(payload: JWTPayload): void {
    // Checked after the signature and claims, so an API key past its exp still gets its own hint.
    if (hasExpired(expiresAtOf(payload), this.now())) {
      if (isApiKey(payload)) throw apiKeyError(payload);
      throw new AuthError('expired', 'Access token has expired');
    }
  }

  private async verifyExternal(token: string, source: KeySource): Promise<VerifiedIdentity> {
    let payload: JWTPayload;
    try {
      const key = source.kind === 'secret' ? await source.key.get() : source.key;
      ({ payload } = await jwtVerify(token, key, {
        // Explicit per source, so jose rejects any other alg even if the key would accept it.
        algorithms: source.kind === 'secret' ? ['HS256'] : [...this.jwksAlgorithms],
        ...(this.issuer === undefined ? {} : { issuer: this.issuer }),
        ...(this.audience === undefined ? {} : { audience: this.audience }),
        ...this.timeOptions(),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw translate(error);
    }
    this.rejectExpired(payload);

    // Checked before `sub`: an anon key has no `sub`, and "you sent the API key" is the useful hint.
    rejectApiKey(payload);
    const userId = subjectOf(payload);
    const rawEmail = typeof payload.email === 'string' ? payload.email.trim() : '';
    // An unverified address must not count as the user's email: trusted lists admit by email, so
    // signing up as victim@corp.example without confirming it would otherwise get you in.
    const email = rawEmail.length > 0 && payload.email_verified !== false ? rawEmail : undefined;
    return {
      userId,
      name: nameOf(payload, rawEmail),
      ...(email === undefined ? {} : { email }),
      expiresAt: expiresAtOf(payload),
      guest: false,
      claims: claimsOf(payload),
    };
  }

  private async verifyGuest(token: string): Promise<VerifiedIdentity> {
    const guest = this.guest!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.guestKey!.get(), {
        algorithms: ['HS256'],
        issuer: guest.issuer,
        audience: guest.audience,
        ...this.timeOptions(),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw translate(error);
    }
    this.rejectExpired(payload);
    const userId = subjectOf(payload);
    // Defence in depth: only GuestIssuer mints with this key, and it always sets both.
    if (payload.guest !== true || !userId.startsWith(GUEST_ID_PREFIX)) {
      throw new AuthError('malformed', 'Guest token lacks the guest markers');
    }
    return {
      userId,
      // Guests never have an email: nothing vouched for one.
      name: typeof payload.name === 'string' ? clampName(payload.name) : '',
      expiresAt: expiresAtOf(payload),
      guest: true,
      claims: claimsOf(payload),
    };
  }
}
