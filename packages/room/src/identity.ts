/**
 * Who a connection is, as verified by the placement (JWT, guest token, P2P host). The room never
 * takes identity from a client message; a name in `hello` is only a hint for an empty `name`.
 */
export interface Identity {
  /** Stable user id; locks, host role and admission are keyed on it. */
  readonly userId: string;
  /** Display name; may be empty. */
  readonly name: string;
  /** Verified email, matched case-insensitively against the trusted list. */
  readonly email?: string;
}

/** Trims and lower-cases an email for comparison; empty for none. */
export function normalizeEmail(email: string | undefined): string {
  return (email ?? '').trim().toLowerCase();
}
