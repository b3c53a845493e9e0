import { ErrorCode } from '@tandem/protocol';
import type { AdmittedBy } from '../activity.js';
import type { Connection } from '../connection.js';
import { normalizeEmail } from '../identity.js';
import type { InitialSettings } from '../options.js';
import type { RoomSettings } from '../storage.js';
import { makeJoinCode } from './ids.js';

/** What happens to a connection that says hello, or to a waiting one when settings change. */
export type AdmissionVerdict =
  | { readonly kind: 'admit'; readonly by: AdmittedBy }
  | { readonly kind: 'wait' }
  | { readonly kind: 'refuse'; readonly code: ErrorCode };

/**
 * The admission policy. The host (by user id) is always in; `open` admits everyone, and so does
 * access the app gave (`identity.access`); a trusted
 * email skips the waiting room; a user the host admitted before comes back without waiting; a
 * `trusted` room turns everyone else away; `host-approval` makes them wait for the host.
 */
export function decideAdmission(
  conn: Pick<Connection, 'userId' | 'identity'>,
  settings: Readonly<RoomSettings>,
  returning: { has(userId: string): boolean },
): AdmissionVerdict {
  if (conn.userId === settings.hostUserId) return { kind: 'admit', by: 'host-role' };
  // Access the app gave (its token's room claim, its hook) is the way in to an app-named room:
  // no waiting room, whatever a session opened on it asks of its own guests.
  if (settings.policy === 'open' || conn.identity.access !== undefined)
    return { kind: 'admit', by: 'policy' };
  const email = normalizeEmail(conn.identity.email);
  if (email !== '' && settings.trusted.includes(email)) return { kind: 'admit', by: 'trusted' };
  if (returning.has(conn.userId)) return { kind: 'admit', by: 'returning' };
  if (settings.policy === 'trusted') return { kind: 'refuse', code: ErrorCode.NotTrusted };
  return { kind: 'wait' };
}

const EMAIL_MAX = 254;

/**
 * A trusted list normalised and de-duplicated, or why it is refused: every entry that is not an
 * email address is named (`BadMessage`), or the list is over the cap (`PayloadTooLarge`). Blank
 * entries are skipped.
 */
export function normalizeTrusted(
  emails: readonly string[],
  max: number,
): { ok: true; trusted: string[] } | { ok: false; code: ErrorCode; message: string; invalid: string[] } {
  const out = new Set<string>();
  const invalid: string[] = [];
  for (const raw of emails) {
    const email = normalizeEmail(raw);
    if (email === '') continue;
    if (isEmailAddress(email)) out.add(email);
    else invalid.push(email.slice(0, 64));
  }
  if (invalid.length > 0) {
    const shown = invalid.slice(0, 5).map((e) => JSON.stringify(e));
    const more = invalid.length > 5 ? ` and ${invalid.length - 5} more` : '';
    const what = invalid.length === 1 ? 'not an email address' : 'not email addresses';
    return { ok: false, code: ErrorCode.BadMessage, message: `${what}: ${shown.join(', ')}${more}`, invalid };
  }
  if (out.size > max)
    return {
      ok: false,
      code: ErrorCode.PayloadTooLarge,
      message: `trusted list of ${out.size} emails is over the cap of ${max}`,
      invalid,
    };
  return { ok: true, trusted: [...out] };
}

/**
 * Whether a trusted list takes `email` as an address: one `@` with something before it and a
 * dotted domain after it, no spaces, within 254 characters (after trimming and lower-casing).
 */
export function isEmailAddress(email: string): boolean {
  return email.length <= EMAIL_MAX && EMAIL.test(email);
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** The settings of a room the store has no record of; a bad initial trusted list throws. */
export function initialSettings(
  init: InitialSettings,
  maxTrusted: number,
  random: () => number,
): RoomSettings {
  const trusted = normalizeTrusted(init.trusted ?? [], maxTrusted);
  if (!trusted.ok) throw new Error(`initial trusted list: ${trusted.message}`);
  return {
    policy: init.policy ?? 'host-approval',
    docMode: init.docMode ?? 'lww',
    joinCode: init.joinCode ?? makeJoinCode(random),
    hostUserId: init.hostUserId ?? '',
    trusted: trusted.trusted,
  };
}
