import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerToken, HttpError } from './json.js';

/** The shortest service key accepted, so that it cannot be guessed. */
export const MIN_SERVICE_KEY_LENGTH = 32;

/** Why `serviceKey` cannot be used as one, or undefined when it can (empty: the API is off). */
export function serviceKeyProblem(serviceKey: string): string | undefined {
  if (serviceKey === '' || serviceKey.length >= MIN_SERVICE_KEY_LENGTH) return undefined;
  return `serviceKey must be at least ${MIN_SERVICE_KEY_LENGTH} characters, so that it cannot be guessed`;
}

/**
 * Checks that a request carries the service key as `Authorization: Bearer <key>`, or refuses it:
 * 404 when the server has no key (the service API is off), 401 for anything else, user tokens
 * included. Compared as SHA-256 digests in constant time, so neither the key's content nor its
 * length leaks through timing.
 */
export function requireServiceKey(serviceKey: string, req: IncomingMessage): void {
  if (!serviceKey) {
    throw new HttpError(
      404,
      'ServiceApiDisabled',
      'the service API is off on this server: set serviceKey (--service-key, TANDEM_SERVICE_KEY) to use it',
    );
  }
  const given = bearerToken(req);
  if (!given)
    throw new HttpError(401, 'Unauthorized', 'the service API needs Authorization: Bearer <service key>');
  if (!timingSafeEqual(digest(given), digest(serviceKey)))
    throw new HttpError(
      401,
      'Unauthorized',
      'that is not the service key (user tokens are not accepted here)',
    );
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
