import type { Access, Identity } from '@tandem/room';

/**
 * An app-named room's name: 1 to 128 characters, letters, digits, `.`, `_`, `:` and `-`, starting
 * with a letter or digit (`lesson-42`, `course:7.unit-3`).
 */
export const APP_ROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * App rooms are stored as `doc:<name>`. Session ids (`r` and base64url) and companion ids
 * (`<session>.<part>`) never hold a `:`, so the two namespaces cannot meet, and a room reached by
 * `/rooms/<id>` can never be an app's document.
 */
export const APP_ROOM_PREFIX = 'doc:';

/** The stored room id of the app room `name`. */
export function appRoomId(name: string): string {
  return `${APP_ROOM_PREFIX}${name}`;
}

/** Whether a stored room id is an app room's. */
export function isAppRoom(roomId: string): boolean {
  return roomId.startsWith(APP_ROOM_PREFIX);
}

/** Why a name is not an app room name, or undefined when it is one. */
export function appRoomNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'a room name must be a string';
  if (APP_ROOM_NAME.test(name)) return undefined;
  return 'a room name is 1 to 128 characters: letters, digits, ".", "_", ":" and "-", starting with a letter or digit';
}

/**
 * The app's own say on who may use its rooms, when Tandem runs inside its process: `'write'`,
 * `'read'`, or `undefined` for no access. It may be async; it is given `authorizeTimeoutMs` to
 * answer. A hook that throws or does not answer in time refuses the connection (`Internal`) and
 * nothing else.
 *
 * @param identity - Who is connecting, as the token (or a guest token) says.
 * @param roomName - The app room's name, as the app chose it (`lesson-42`).
 */
export type AuthorizeHook = (
  identity: Identity,
  roomName: string,
) => Access | undefined | Promise<Access | undefined>;
