/**
 * Why a token was refused. Stable: the HTTP layer, logs and metrics key on these strings, so
 * values are only ever added, never renamed.
 *
 * - `missing`: no token, or an empty one.
 * - `malformed`: not a compact JWS, unparsable parts, a claim of the wrong type, or no `exp`.
 * - `bad-signature`: the signature does not verify with the key the header selects (includes a
 *   `kid` that the JWKS does not contain).
 * - `expired` / `not-yet-valid`: `exp` / `nbf` outside the clock tolerance.
 * - `wrong-issuer` / `wrong-audience`: `iss` / `aud` not among the configured values.
 * - `algorithm-not-allowed`: `alg` is `none`, unknown, or has no key source configured.
 * - `not-a-user`: a Supabase project API key (`role` `anon` or `service_role`), not a user token.
 * - `no-subject`: the verified token names no user (`sub` missing or empty).
 * - `jwks-unavailable`: the JWKS endpoint could not be fetched or parsed, so nothing was verified.
 * - `invalid-ticket`: a connection ticket that is malformed, unknown, already used or expired.
 * - `tickets-unavailable`: connection tickets could not be stored or looked up (Redis unreachable).
 * - `refused-by-app`: the embedding app's `onAuthenticate` hook refused the token (returned no
 *   identity, or threw).
 * - `auth-hook-timeout`: the embedding app's `onAuthenticate` hook did not answer in time.
 */
export type AuthErrorReason =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'algorithm-not-allowed'
  | 'not-a-user'
  | 'no-subject'
  | 'jwks-unavailable'
  | 'invalid-ticket'
  | 'tickets-unavailable'
  | 'refused-by-app'
  | 'auth-hook-timeout';

/**
 * A refused token. `reason` is for code; `message` is for humans (logs, a 401 body) and never
 * contains key material or the token itself.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** Machine-readable cause of the refusal. */
  readonly reason: AuthErrorReason;
  /** For a transient refusal: ms until trying again can succeed (an HTTP `Retry-After`). */
  readonly retryAfterMs: number | undefined;

  /**
   * @param reason - Stable refusal reason.
   * @param message - Human-readable explanation, safe to log and return to the client.
   * @param options - Optional `cause` and `retryAfterMs`; only used for infrastructure failures
   *   (JWKS fetch).
   */
  constructor(
    reason: AuthErrorReason,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /**
   * Whether the failure is the server's rather than the token's (the JWKS or the ticket store
   * could not be reached, or the app's authentication hook did not answer):
   * the HTTP layer may answer 503 instead of 401 so clients retry instead of signing out.
   */
  get isTransient(): boolean {
    return (
      this.reason === 'jwks-unavailable' ||
      this.reason === 'tickets-unavailable' ||
      this.reason === 'auth-hook-timeout'
    );
  }
}

/** How a refused credential is answered over HTTP, at the upgrade and by the API alike. */
export interface AuthRefusal {
  /** 503 when the failure is the server's (retry), else 401. */
  readonly status: 401 | 503;
  /** Safe to return to the client: never the token, never key material. */
  readonly message: string;
  /** Whole seconds for a `Retry-After` header, when known. */
  readonly retryAfterSec: number | undefined;
}

/** The HTTP answer to a failed verification; anything but an {@link AuthError} is a plain 401. */
export function authRefusal(error: unknown): AuthRefusal {
  if (!(error instanceof AuthError))
    return { status: 401, message: 'unauthorized', retryAfterSec: undefined };
  const retryAfterSec =
    error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  return { status: error.isTransient ? 503 : 401, message: error.message, retryAfterSec };
}
