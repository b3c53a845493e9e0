import { P2P_SESSION_ID } from '../signaling/session-id.js';

/** Where a WebSocket wants to go, parsed from its request URL. */
export type RoomTarget = { kind: 'room'; roomId: string } | { kind: 'code'; code: string };

/** A connection URL: a room (by id or code), or a peer-to-peer session's signaling. */
export type ConnectionTarget = RoomTarget | { kind: 'p2p'; sessionId: string };

/** A session's room id, or a companion's: the session's id, a dot, and its own part. */
export const ROOM_ID = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,32})?$/;
const JOIN_CODE = /^[A-Za-z0-9]{4,16}$/;

/**
 * `/rooms/<roomId>`, `/join/<code>` or `/p2p/<sessionId>`. Anything else is not a room URL. The token comes from
 * `?token=` (browsers cannot set headers on a WebSocket) or an `Authorization: Bearer` header.
 */
export function parseConnectionUrl(
  rawUrl: string | undefined,
  authorization: string | undefined,
): { target: ConnectionTarget | undefined; token: string } {
  const url = new URL(rawUrl ?? '/', 'http://localhost');
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  const token = bearer ?? url.searchParams.get('token') ?? '';
  const [, kind, value, ...rest] = url.pathname.split('/');
  if (rest.length > 0 || value === undefined) return { target: undefined, token };
  const decoded = safeDecode(value);
  if (kind === 'rooms' && decoded && ROOM_ID.test(decoded))
    return { target: { kind: 'room', roomId: decoded }, token };
  if (kind === 'join' && decoded && JOIN_CODE.test(decoded))
    return { target: { kind: 'code', code: decoded.toUpperCase() }, token };
  if (kind === 'p2p' && decoded && P2P_SESSION_ID.test(decoded))
    return { target: { kind: 'p2p', sessionId: decoded }, token };
  return { target: undefined, token };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
