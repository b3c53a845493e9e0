import type { WindowLimiter } from '../rooms/window-limiter.js';
import { HttpError } from './json.js';

/** What the API allows one client address per minute, beyond what it allows one user. */
export interface AddressLimits {
  /** Guest tokens issued (`POST /auth/guest`); refreshes are not counted. */
  guests: WindowLimiter;
  /** Sessions created: rooms, companion rooms and peer-to-peer sessions. */
  sessions: WindowLimiter;
}

/**
 * Counts one request from `address` against `limiter`, or refuses it: HTTP 429 with the error
 * name `error`, a message naming `what` was limited, and `Retry-After`.
 */
export function takeOrRefuse(limiter: WindowLimiter, address: string, error: string, what: string): void {
  if (limiter.tryTake(address)) return;
  const seconds = retryAfterSeconds(limiter.retryAfterMs(address));
  throw new HttpError(429, error, `too many ${what} from this address; try again in ${seconds} s`, seconds);
}

/** `Retry-After` for a wait of `ms`: whole seconds, rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
