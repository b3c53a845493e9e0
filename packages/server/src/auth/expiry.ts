/**
 * The one expiry rule, for every way a credential is presented (upgrade, API, refresh, tickets,
 * an open connection's timer): valid strictly before its expiry, by this server's clock. Clock
 * tolerance never extends it: a client renews ahead of `exp`, and a token one path refused must
 * not be turned by another into a session, a ticket or a fresh token.
 *
 * @param expiresAt - Expiry in ms since the epoch; `undefined` never expires.
 * @param now - The server's time in ms since the epoch.
 */
export function hasExpired(expiresAt: number | undefined, now: number): boolean {
  return expiresAt !== undefined && expiresAt <= now;
}
