import type { Access } from '@tandem/room';

/** Most patterns one token's `tandem.rooms` claim may hold. */
export const MAX_ROOM_PATTERNS = 64;

/** A room pattern: an app room name, or a prefix of one followed by a single trailing `*`. */
const ROOM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\*?$/;

/**
 * The app rooms a token grants, read from its `tandem.rooms` claim:
 * `{ "tandem": { "rooms": { "lesson-42": "write", "course-7-*": "read" } } }`.
 * A malformed claim grants nothing and says why (`problem`), so a connection to an app room is
 * refused with that message rather than let in on a guess.
 */
export type RoomGrants =
  | { readonly kind: 'none' }
  | { readonly kind: 'grants'; readonly patterns: Readonly<Record<string, Access>> }
  | { readonly kind: 'malformed'; readonly problem: string };

/** A token that grants no app room (the `authorize` hook may still). */
export const NO_ROOM_GRANTS: RoomGrants = { kind: 'none' };
const NONE = NO_ROOM_GRANTS;

/** Reads and checks a verified payload's `tandem` claim. */
export function roomGrantsOf(tandem: unknown): RoomGrants {
  if (tandem === undefined) return NONE;
  if (!isRecord(tandem)) return malformed('the "tandem" claim must be an object');
  const rooms = tandem.rooms;
  if (rooms === undefined) return NONE;
  if (!isRecord(rooms))
    return malformed('"tandem.rooms" must be an object of room pattern to "read" or "write"');
  const entries = Object.entries(rooms);
  if (entries.length > MAX_ROOM_PATTERNS)
    return malformed(
      `"tandem.rooms" holds ${entries.length} patterns; at most ${MAX_ROOM_PATTERNS} are allowed`,
    );
  const patterns: Record<string, Access> = {};
  for (const [pattern, access] of entries) {
    const shown = JSON.stringify(pattern.slice(0, 64));
    if (pattern === '*')
      return malformed('"tandem.rooms" may not grant "*" (every room); name a prefix, like "lesson-*"');
    if (!ROOM_PATTERN.test(pattern))
      return malformed(
        `room pattern ${shown} is not a room name, or a prefix of one with a single trailing "*"`,
      );
    if (access !== 'read' && access !== 'write')
      return malformed(`room pattern ${shown} must map to "read" or "write"`);
    patterns[pattern] = access;
  }
  return { kind: 'grants', patterns };
}

/**
 * What `grants` gives for the room `name`: the most specific matching pattern decides (an exact
 * name before any wildcard, a longer prefix before a shorter), so `"course-7-*": "write"` with
 * `"course-7-exam": "read"` lets the exam be read only.
 */
export function accessFromGrants(grants: Readonly<Record<string, Access>>, name: string): Access | undefined {
  const exact = Object.hasOwn(grants, name) ? grants[name] : undefined;
  if (exact !== undefined) return exact;
  let best: { length: number; access: Access } | undefined;
  for (const [pattern, access] of Object.entries(grants)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length))
      best = { length: prefix.length, access };
  }
  return best?.access;
}

/**
 * {@link RoomGrants} read back from where a verified identity was kept (a connection ticket's
 * JSON): checked again, since what comes back from a store is not taken on trust.
 */
export function restoreRoomGrants(value: unknown): RoomGrants {
  if (!isRecord(value)) return NONE;
  if (value.kind === 'grants') return roomGrantsOf({ rooms: value.patterns });
  if (value.kind === 'malformed' && typeof value.problem === 'string') return malformed(value.problem);
  return NONE;
}

function malformed(problem: string): RoomGrants {
  return { kind: 'malformed', problem };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
