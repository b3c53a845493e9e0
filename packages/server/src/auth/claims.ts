import { decodeJwt, errors, type JWTPayload } from 'jose';
import { AuthError } from './errors.js';
import { clampName } from './name.js';
import { type RoomGrants, roomGrantsOf } from './room-claims.js';

// What a verified token's payload says, read the one way every verification path reads it: who
// (subject, name, email), until when, and which refusals its problems map to.

/**
 * Claims kept beside the identity for logging and policy. Deliberately minimal: the raw payload is
 * not exposed, so nothing downstream is tempted to read identity from unverified places.
 */
export interface VerifiedClaims {
  /** `iss` of the token. */
  readonly issuer: string | undefined;
  /** Supabase-style `role` claim (`authenticated` for signed-in users), if any. */
  readonly role: string | undefined;
  /** The app rooms the token grants (its `tandem.rooms` claim), or why that claim is refused. */
  readonly rooms: RoomGrants;
}

/** Longest accepted `sub`; the user id keys locks, host role and rate limits. */
const MAX_SUBJECT_LENGTH = 255;
/**
 * `role` values of Supabase project API keys. They are validly signed with the project secret, but
 * they identify the project, not a person: `anon` is public (shipped in every web bundle) and
 * `service_role` is an admin credential that must never reach a browser.
 */
const API_KEY_ROLES: ReadonlySet<string> = new Set(['anon', 'service_role']);

/** Maps a jose (or our own) error to an {@link AuthError}; unknown errors are rethrown as bugs. */
export function translate(error: unknown): unknown {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
    // jwtVerify checks the signature before any claim, so this payload is authentic.
    if (isApiKey(error.payload)) return apiKeyError(error.payload);
    if (error instanceof errors.JWTExpired) return new AuthError('expired', 'Access token has expired');
    switch (error.claim) {
      case 'nbf':
        return new AuthError('not-yet-valid', 'Access token is not valid yet (nbf is in the future)');
      case 'iss':
        return new AuthError(
          'wrong-issuer',
          'Access token was issued by an issuer this server does not trust',
        );
      case 'aud':
        return new AuthError('wrong-audience', 'Access token is meant for a different audience');
      case 'sub':
        return new AuthError('no-subject', 'Access token does not identify a user (no "sub" claim)');
      case 'exp':
        if (error.reason === 'missing') {
          return new AuthError('malformed', 'Access token has no "exp" claim; tokens must expire');
        }
        break;
    }
    return new AuthError('malformed', `Access token has an invalid "${error.claim}" claim`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('bad-signature', 'Access token signature is invalid');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('bad-signature', 'Access token was not signed by any key in the key set');
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthError('bad-signature', 'Access token has no "kid" and several keys could match');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('algorithm-not-allowed', 'Signing algorithm is not accepted by this server');
  }
  if (error instanceof errors.JOSEError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported (e.g. an unknown `crit` header) and friends.
    return new AuthError('malformed', 'Access token is not a valid JWT');
  }
  return error;
}

export function isApiKey(payload: JWTPayload): boolean {
  return typeof payload.role === 'string' && API_KEY_ROLES.has(payload.role);
}

export function apiKeyError(payload: JWTPayload): AuthError {
  return new AuthError(
    'not-a-user',
    `This is a Supabase project API key (role "${String(payload.role)}"), not a user's access token; ` +
      "send the signed-in user's session access_token instead",
  );
}

export function rejectApiKey(payload: JWTPayload): void {
  if (isApiKey(payload)) throw apiKeyError(payload);
}

export function subjectOf(payload: JWTPayload): string {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.trim().length === 0) {
    throw new AuthError('no-subject', 'Access token does not identify a user (no "sub" claim)');
  }
  if (sub.length > MAX_SUBJECT_LENGTH) {
    throw new AuthError('malformed', 'Access token "sub" claim is too long');
  }
  return sub;
}

/** First non-empty of user_metadata.name, user_metadata.full_name, name, the email's local part. */
export function nameOf(payload: JWTPayload, email: string): string {
  const metadata = isRecord(payload.user_metadata) ? payload.user_metadata : {};
  const at = email.indexOf('@');
  const candidates: unknown[] = [
    metadata.name,
    metadata.full_name,
    payload.name,
    at > 0 ? email.slice(0, at) : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    // user_metadata is editable by the user in Supabase: treat it as untrusted display text.
    const name = clampName(candidate);
    if (name.length > 0) return name;
  }
  return '';
}

export function expiresAtOf(payload: JWTPayload): number | undefined {
  return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
}

export function claimsOf(payload: JWTPayload): VerifiedClaims {
  return {
    issuer: typeof payload.iss === 'string' ? payload.iss : undefined,
    role: typeof payload.role === 'string' ? payload.role : undefined,
    rooms: roomGrantsOf(payload.tandem),
  };
}

export function unverifiedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    throw new AuthError('malformed', 'Access token payload is not valid base64url JSON');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
