import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanDisplayName } from '@tandem/room';
import { SignJWT } from 'jose';
import { codePointLength, MAX_NAME_LENGTH } from './name.js';

/** Default `iss` of guest tokens; the verifier routes HS256 tokens with this issuer to the guest secret. */
export const DEFAULT_GUEST_ISSUER = 'tandem-guest';
/** Default `aud` of guest tokens. */
export const DEFAULT_GUEST_AUDIENCE = 'tandem';
/** Default guest token lifetime: 24 hours. */
export const DEFAULT_GUEST_TTL_SEC = 24 * 60 * 60;
/** Prefix of every guest user id, so guests are recognisable in logs and can never be a real `sub`. */
export const GUEST_ID_PREFIX = 'guest_';
/**
 * Shortest accepted guest secret. HS256 with a short key is brute-forceable offline from a single
 * token, and anyone who finds the key can mint any guest identity.
 */
export const MIN_GUEST_SECRET_BYTES = 32;
/** File name of the persisted guest secret inside the data directory. */
export const GUEST_SECRET_FILE = 'guest-secret';

/** 16 random bytes = 128 bits = exactly 22 base64url characters. */
const RANDOM_ID_PART = /^[A-Za-z0-9_-]{22}$/;

/** Options of {@link GuestIssuer}. */
export interface GuestIssuerOptions {
  /** HMAC key, at least {@link MIN_GUEST_SECRET_BYTES} bytes; see {@link loadOrCreateGuestSecret}. */
  secret: Uint8Array;
  /** `iss` claim; default {@link DEFAULT_GUEST_ISSUER}. Must match the verifier's guest config. */
  issuer?: string;
  /** `aud` claim; default {@link DEFAULT_GUEST_AUDIENCE}. Must match the verifier's guest config. */
  audience?: string;
  /** Token lifetime in seconds; default {@link DEFAULT_GUEST_TTL_SEC}. */
  ttlSec?: number;
  /**
   * Source of the 22 url-safe characters after `guest_` (tests pass a fixed one). Default: 16 bytes
   * of `crypto.randomBytes` as base64url.
   */
  random?: () => string;
}

/**
 * What a `TokenVerifier` needs to accept guest tokens. Take it from
 * {@link GuestIssuer.verifierConfig} so issuer and verifier cannot drift apart.
 */
export interface GuestVerificationOptions {
  /** The guest HMAC key (the issuer's `secret`). */
  secret: Uint8Array;
  /** Expected `iss` of guest tokens. */
  issuer: string;
  /** Expected `aud` of guest tokens. */
  audience: string;
}

/** A freshly issued guest token and what it asserts. */
export interface IssuedGuestToken {
  /** Compact HS256 JWT to present as the bearer token. */
  readonly token: string;
  /** `guest_` followed by 22 random url-safe characters. */
  readonly userId: string;
  /** The display name as stored in the token (cleaned and trimmed). */
  readonly name: string;
  /** Expiry, ms since the epoch (the `exp` claim × 1000). */
  readonly expiresAt: number;
}

/** Why a guest display name was refused. */
export type GuestNameProblem = 'empty' | 'too-long';

/** Thrown by {@link GuestIssuer.issue} for an unusable display name; the HTTP layer answers 400. */
export class InvalidGuestNameError extends Error {
  override readonly name = 'InvalidGuestNameError';
  /** What is wrong with the name. */
  readonly problem: GuestNameProblem;

  /** @param problem - What is wrong with the name. */
  constructor(problem: GuestNameProblem) {
    super(
      problem === 'empty'
        ? 'Guest name must not be empty'
        : `Guest name must be at most ${MAX_NAME_LENGTH} characters`,
    );
    this.problem = problem;
  }
}

/**
 * Mints self-signed guest tokens for the embedded default, so the demo needs no identity provider.
 * A guest picks only a display name; the user id is random and unguessable, so a guest cannot claim
 * somebody else's locks, host role or trusted-list email (guest tokens carry no email at all).
 */
export class GuestIssuer {
  private readonly secret: Uint8Array;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttlSec: number;
  private readonly random: () => string;

  /** @throws TypeError/RangeError for a short secret or a non-positive TTL. */
  constructor(options: GuestIssuerOptions) {
    assertGuestSecret(options.secret);
    const ttlSec = options.ttlSec ?? DEFAULT_GUEST_TTL_SEC;
    if (!Number.isInteger(ttlSec) || ttlSec <= 0) {
      throw new RangeError('GuestIssuer: ttlSec must be a positive integer');
    }
    this.secret = options.secret;
    this.issuer = nonEmpty(options.issuer ?? DEFAULT_GUEST_ISSUER, 'issuer');
    this.audience = nonEmpty(options.audience ?? DEFAULT_GUEST_AUDIENCE, 'audience');
    this.ttlSec = ttlSec;
    this.random = options.random ?? (() => randomBytes(16).toString('base64url'));
  }

  /** The `guest` option for a `TokenVerifier` that must accept this issuer's tokens. */
  verifierConfig(): GuestVerificationOptions {
    return { secret: this.secret, issuer: this.issuer, audience: this.audience };
  }

  /**
   * Issues a guest token for a display name.
   *
   * The name is NFC-normalised, stripped of control and bidi-override characters, trimmed, and must
   * then be 1 to 64 characters (code points); it is refused rather than truncated so the person sees
   * the name others will see.
   *
   * @throws InvalidGuestNameError when the cleaned name is empty or longer than {@link MAX_NAME_LENGTH} characters.
   */
  async issue(name: string): Promise<IssuedGuestToken> {
    const cleaned = cleanDisplayName(typeof name === 'string' ? name : '');
    if (cleaned.length === 0) throw new InvalidGuestNameError('empty');
    if (codePointLength(cleaned) > MAX_NAME_LENGTH) throw new InvalidGuestNameError('too-long');

    const idPart = this.random();
    if (!RANDOM_ID_PART.test(idPart)) {
      throw new Error('GuestIssuer: random() must return 22 url-safe base64 characters');
    }
    return this.sign(`${GUEST_ID_PREFIX}${idPart}`, cleaned);
  }

  /**
   * A fresh token for a guest who still holds a valid one: same user id and name, new expiry. A
   * guest who stays signed in keeps its locks, host role and admissions, which a new guest would not.
   * The caller must have verified `guest` as a guest token of this issuer.
   */
  renew(guest: { readonly userId: string; readonly name: string }): Promise<IssuedGuestToken> {
    return this.sign(guest.userId, guest.name);
  }

  private async sign(userId: string, cleaned: string): Promise<IssuedGuestToken> {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.ttlSec;
    const token = await new SignJWT({ name: cleaned, guest: true })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.secret);
    return { token, userId, name: cleaned, expiresAt: exp * 1000 };
  }
}

/**
 * Reads the guest token secret from `<dataDir>/guest-secret`, creating the directory and a fresh
 * random 32-byte secret (file mode 0600) when absent, so guest tokens survive restarts.
 *
 * The file holds the secret as base64url text. A file that is group- or world-accessible is
 * tightened to 0600. Creation uses an exclusive open, so two processes starting at once cannot
 * overwrite each other's secret; the loser reads the winner's.
 *
 * @throws Error when the file exists but does not hold at least 32 bytes (it is never silently
 *   replaced: that would sign every guest out, and usually means a misconfiguration worth seeing).
 */
export function loadOrCreateGuestSecret(dataDir: string): Uint8Array {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, GUEST_SECRET_FILE);
  const fresh = randomBytes(MIN_GUEST_SECRET_BYTES);
  try {
    writeFileSync(file, `${fresh.toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    return new Uint8Array(fresh);
  } catch (error) {
    if (!isErrnoException(error) || error.code !== 'EEXIST') throw error;
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (secret.length < MIN_GUEST_SECRET_BYTES) {
    throw new Error(
      `${file} does not hold a valid guest secret (expected at least ${MIN_GUEST_SECRET_BYTES} bytes as base64url); delete it to generate a new one`,
    );
  }
  return new Uint8Array(secret);
}

/** @internal Shared with the verifier: rejects a missing or short guest secret. */
export function assertGuestSecret(secret: unknown): asserts secret is Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_GUEST_SECRET_BYTES) {
    throw new RangeError(`guest secret must be a Uint8Array of at least ${MIN_GUEST_SECRET_BYTES} bytes`);
  }
}

function nonEmpty(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`GuestIssuer: ${what} must be a non-empty string`);
  }
  return value;
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
