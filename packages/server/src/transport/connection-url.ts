import { P2P_SESSION_ID } from '@tandem/protocol';

/** Where a WebSocket wants to go, parsed from its request URL. */
export type RoomTarget = { kind: 'room'; roomId: string } | { kind: 'code'; code: string };

/** A connection URL: a room (by id or code), or a peer-to-peer session's signaling. */
export type ConnectionTarget = RoomTarget | { kind: 'p2p'; sessionId: string };

/** A session's room id, or a companion's: the session's id, a dot, and its own part. */
export const ROOM_ID = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,32})?$/;
const JOIN_CODE = /^[A-Za-z0-9]{4,16}$/;

/** Who a connection says it is: a single-use ticket, or a bearer token. */
export type Credential = { kind: 'ticket'; ticket: string } | { kind: 'token'; token: string };

/**
 * `/rooms/<roomId>`, `/join/<code>` or `/p2p/<sessionId>`. Anything else is not a room URL. The
 * credential is a `?ticket=` (from `POST /tickets`: what the SDK sends, so no token is ever in a
 * URL), else a token from an `Authorization: Bearer` header or `?token=` (browsers cannot set
 * headers on a WebSocket; kept for plain clients).
 */
export function parseConnectionUrl(
  rawUrl: string | undefined,
  authorization: string | undefined,
): { target: ConnectionTarget | undefined; credential: Credential } {
  const url = new URL(rawUrl ?? '/', 'http://localhost');
  const ticket = url.searchParams.get('ticket');
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  const credential: Credential =
    ticket !== null
      ? { kind: 'ticket', ticket }
      : { kind: 'token', token: bearer ?? url.searchParams.get('token') ?? '' };
  return { target: targetOf(url.pathname), credential };
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

/** Whether `path` is shaped as a connection URL's (`/rooms/…`, `/join/…`, `/p2p/…`), valid or not. */
export function isConnectionPath(path: string): boolean {
  return /^\/(rooms|join|p2p)\//.test(path);
}
