import { DOC_MODES, type DocMode, P2P_SESSION_ID } from '@tandem/protocol';
import { appRoomNameProblem } from '../rooms/app-rooms.js';

/**
 * Where a WebSocket wants to go, parsed from its request URL: a session's room by id or join code,
 * or an app-named room, with the mode to create it in when it does not exist yet.
 */
export type RoomTarget =
  | { kind: 'room'; roomId: string }
  | { kind: 'code'; code: string }
  | { kind: 'app'; name: string; docMode: DocMode | undefined };

/** A connection URL: a room (by id or code), or a peer-to-peer session's signaling. */
export type ConnectionTarget = RoomTarget | { kind: 'p2p'; sessionId: string };

/** A session's room id, or a companion's: the session's id, a dot, and its own part. */
export const ROOM_ID = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,32})?$/;
const JOIN_CODE = /^[A-Za-z0-9]{4,16}$/;

/** Who a connection says it is: a single-use ticket, or a bearer token. */
export type Credential = { kind: 'ticket'; ticket: string } | { kind: 'token'; token: string };

/** Where y-websocket clients connect: the room's own path after it (`/yjs/docs/<name>`, `/yjs/rooms/<id>`). */
export const Y_WEBSOCKET_PREFIX = '/yjs';

/**
 * A y-websocket connection's URL: `/yjs` followed by a room URL (not `/p2p/`), so an unmodified
 * `WebsocketProvider('wss://host/yjs', 'docs/<name>', doc, { params: { token } })` reaches an app
 * room (created as a `yjs` room unless `mode` says otherwise) and `'rooms/<id>'` a session's room.
 * Undefined when the URL does not start with `/yjs/`.
 */
export function parseYWebsocketUrl(
  rawUrl: string | undefined,
  authorization: string | undefined,
): { target: RoomTarget | undefined; credential: Credential; problem?: string } | undefined {
  const url = new URL(rawUrl ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(`${Y_WEBSOCKET_PREFIX}/`)) return undefined;
  url.pathname = url.pathname.slice(Y_WEBSOCKET_PREFIX.length);
  if (url.pathname.startsWith('/docs/') && !url.searchParams.has('mode')) url.searchParams.set('mode', 'yjs');
  const parsed = parseConnectionUrl(url.pathname + url.search, authorization);
  const target = parsed.target?.kind === 'p2p' ? undefined : parsed.target;
  return { ...parsed, target };
}

/**
 * `/rooms/<roomId>`, `/join/<code>`, `/docs/<name>[?mode=lww|ops|yjs]` or `/p2p/<sessionId>`.
 * Anything else is not a room URL; an app room URL with a bad name or mode says why (`problem`). The
 * credential is a `?ticket=` (from `POST /tickets`: what the SDK sends, so no token is ever in a
 * URL), else a token from an `Authorization: Bearer` header or `?token=` (browsers cannot set
 * headers on a WebSocket; kept for plain clients).
 */
export function parseConnectionUrl(
  rawUrl: string | undefined,
  authorization: string | undefined,
): { target: ConnectionTarget | undefined; credential: Credential; problem?: string } {
  const url = new URL(rawUrl ?? '/', 'http://localhost');
  const ticket = url.searchParams.get('ticket');
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  const credential: Credential =
    ticket !== null
      ? { kind: 'ticket', ticket }
      : { kind: 'token', token: bearer ?? url.searchParams.get('token') ?? '' };
  const app = appTargetOf(url);
  if (typeof app === 'string') return { target: undefined, credential, problem: app };
  return { target: app ?? targetOf(url.pathname), credential };
}

/** An app room's target, why its URL is wrong, or undefined when the URL is not `/docs/…`. */
function appTargetOf(url: URL): RoomTarget | string | undefined {
  const [, kind, value, ...rest] = url.pathname.split('/');
  if (kind !== 'docs') return undefined;
  const name = rest.length === 0 && value !== undefined ? safeDecode(value) : undefined;
  const problem = appRoomNameProblem(name);
  if (problem !== undefined || name === undefined) return problem ?? 'no room name';
  const mode = url.searchParams.get('mode');
  if (mode !== null && !DOC_MODES.includes(mode as DocMode))
    return `mode must be one of ${DOC_MODES.join(', ')}`;
  return { kind: 'app', name, docMode: (mode ?? undefined) as DocMode | undefined };
}

function targetOf(pathname: string): ConnectionTarget | undefined {
  const [, kind, value, ...rest] = pathname.split('/');
  if (rest.length > 0 || value === undefined) return undefined;
  const decoded = safeDecode(value);
  if (kind === 'rooms' && decoded && ROOM_ID.test(decoded)) return { kind: 'room', roomId: decoded };
  if (kind === 'join' && decoded && JOIN_CODE.test(decoded))
    return { kind: 'code', code: decoded.toUpperCase() };
  if (kind === 'p2p' && decoded && P2P_SESSION_ID.test(decoded)) return { kind: 'p2p', sessionId: decoded };
  return undefined;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Whether `path` is shaped as a connection URL's (`/rooms/…`, `/join/…`, `/docs/…`, `/p2p/…`, `/yjs/…`), valid or not. */
export function isConnectionPath(path: string): boolean {
  return /^\/(rooms|join|docs|p2p|yjs)\//.test(path);
}
