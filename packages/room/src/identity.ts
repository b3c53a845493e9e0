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
  /**
   * What the app lets this user do in the room, from its token's room claims or its `authorize`
   * hook: `read` receives everything and edits nothing. Absent: `write`.
   */
  readonly access?: Access;
}

/** A user's access to a room: `read` sees it, `write` also edits it. */
export type Access = 'read' | 'write';

/**
 * Just the fields of an {@link Identity}, for sending it to another server or peer: a verified
 * identity carries more (token expiry, guest flag) that is nobody else's business.
 */
export function plainIdentity(identity: Identity): Identity {
  return {
    userId: identity.userId,
    name: identity.name,
    ...(identity.email ? { email: identity.email } : {}),
    ...(identity.access ? { access: identity.access } : {}),
  };
}

/** Trims and lower-cases an email for comparison; empty for none. */
export function normalizeEmail(email: string | undefined): string {
  return (email ?? '').trim().toLowerCase();
}

/**
 * C0/C1 control characters, plus the bidi embedding/override/isolate marks that let a name render
 * reversed or spill over neighbouring text (spoofing in rosters and chat). Zero-width joiners stay:
 * emoji sequences need them.
 */
const UNSAFE_NAME_CHARS = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** NFC-normalises a display name, strips control and bidi-override characters, and trims. */
export function cleanDisplayName(raw: string): string {
  return raw.normalize('NFC').replace(UNSAFE_NAME_CHARS, '').trim();
}
