/**
 * Token verification and guest tokens for the WebSocket upgrade: the server verifies a JWT before
 * the upgrade completes and takes the connection's identity from it alone.
 */
export type { Authenticator } from './authenticator.js';
export { AuthError, type AuthErrorReason, type AuthRefusal, authRefusal } from './errors.js';
export { hasExpired } from './expiry.js';
export {
  DEFAULT_GUEST_AUDIENCE,
  DEFAULT_GUEST_ISSUER,
  DEFAULT_GUEST_TTL_SEC,
  GUEST_ID_PREFIX,
  GuestIssuer,
  type GuestIssuerOptions,
  type GuestNameProblem,
  type GuestVerificationOptions,
  InvalidGuestNameError,
  type IssuedGuestToken,
  loadOrCreateGuestSecret,
} from './guest.js';
export { DEFAULT_JWKS_BACKOFF_MAX_MS, DEFAULT_JWKS_BACKOFF_MS } from './jwks.js';
export {
  accessFromGrants,
  MAX_ROOM_PATTERNS,
  type RoomGrants,
  roomGrantsOf,
} from './room-claims.js';
export {
  ConnectionTickets,
  DEFAULT_TICKET_TTL_SEC,
  DEFAULT_TICKETS_PER_USER,
  type IssuedTicket,
  MemoryTicketStore,
  TicketLimitError,
  type TicketStore,
} from './tickets.js';
export {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_JWKS_ALGORITHMS,
  DEFAULT_JWKS_TIMEOUT_MS,
  type JwksAlgorithm,
  TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedClaims,
  type VerifiedIdentity,
} from './verifier.js';
