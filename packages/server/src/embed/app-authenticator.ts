import type { IncomingMessage } from 'node:http';
import type { Clock } from '@tandem/room';
import type { Authenticator } from '../auth/authenticator.js';
import { AuthError } from '../auth/errors.js';
import { NO_ROOM_GRANTS } from '../auth/room-claims.js';
import type { VerifiedIdentity } from '../auth/verifier.js';
import type { Logger } from '../observability/logger.js';
import type { AppIdentity, TandemHooks } from './hooks.js';

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_USER_ID = 255;
const MAX_NAME = 200;

/**
 * The app's `onAuthenticate` as the server's {@link Authenticator}. Whatever the hook does (throws,
 * hangs, returns nonsense) ends as an {@link AuthError}, so callers answer it as any refused token
 * and nothing escapes to the process.
 */
export function appAuthenticator(
  hook: NonNullable<TandemHooks['onAuthenticate']>,
  timeoutMs: number | undefined,
  clock: Clock,
  logger: Logger,
): Authenticator {
  const limit = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async verify(token: string, request: IncomingMessage): Promise<VerifiedIdentity> {
      if (typeof token !== 'string' || token.trim().length === 0) {
        throw new AuthError('missing', 'No access token was provided');
      }
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(
          () => reject(new AuthError('auth-hook-timeout', 'authentication timed out; try again')),
          limit,
        );
      });
      let answer: AppIdentity | undefined;
      try {
        answer = await Promise.race([Promise.resolve().then(() => hook(token, request)), timeout]);
      } catch (error) {
        if (error instanceof AuthError) {
          logger.warn({ timeoutMs: limit }, 'onAuthenticate timed out');
          throw error;
        }
        logger.info({ err: error }, 'onAuthenticate refused a token');
        throw new AuthError('refused-by-app', 'the token was refused');
      } finally {
        if (timer !== undefined) clock.clearTimeout(timer);
      }
      if (answer === undefined || answer === null) {
        throw new AuthError('refused-by-app', 'the token was refused');
      }
      return identityOf(answer, logger);
    },
  };
}

/** Checks what the hook returned, so a defect in it refuses one token instead of reaching rooms. */
function identityOf(answer: AppIdentity, logger: Logger): VerifiedIdentity {
  const { userId, name, email } = answer;
  const valid =
    typeof userId === 'string' &&
    userId.length > 0 &&
    userId.length <= MAX_USER_ID &&
    typeof name === 'string' &&
    name.length <= MAX_NAME &&
    (email === undefined || typeof email === 'string');
  if (!valid) {
    logger.error('onAuthenticate returned an identity without a valid userId, name or email');
    throw new AuthError('refused-by-app', 'the token was refused: the app returned no valid identity');
  }
  return {
    userId,
    name,
    ...(email ? { email } : {}),
    expiresAt: undefined,
    guest: false,
    claims: { issuer: undefined, role: undefined, rooms: NO_ROOM_GRANTS },
  };
}
