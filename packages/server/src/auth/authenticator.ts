import type { IncomingMessage } from 'node:http';
import type { VerifiedIdentity } from './verifier.js';

/**
 * What the API and the upgrade gate ask of whoever checks bearer tokens: the built-in
 * {@link TokenVerifier}, or an embedding app's `onAuthenticate` hook. `request` is the HTTP request
 * the token came with (`POST /tickets`, the API, or a WebSocket upgrade).
 */
export interface Authenticator {
  /** The identity `token` proves; rejects with an `AuthError` when it proves none. */
  verify(token: string, request: IncomingMessage): Promise<VerifiedIdentity>;
}
