import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ADMISSION_POLICIES,
  type AdmissionPolicy,
  DOC_MODES,
  type DocMode,
  ERRORS,
  P2P_SESSION_ID,
} from '@tandem/protocol';
import { plainIdentity } from '@tandem/room';
import {
  AuthError,
  type Authenticator,
  authRefusal,
  type ConnectionTickets,
  type GuestIssuer,
  InvalidGuestNameError,
  TicketLimitError,
  type VerifiedIdentity,
} from '../auth/index.js';
import type { IceServer } from '../config/ice-servers.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Placement } from '../placement/placement.js';
import { Refusal } from '../refusal.js';
import { isAppRoom } from '../rooms/app-rooms.js';
import type { RoomRegistry, SessionRequest } from '../rooms/registry.js';
import { ROOM_ID } from '../transport/connection-url.js';
import { type AppRoomApi, appRoomSession, createAppRoom, sessionRoom } from './app-rooms.js';
import { documentBodyLimit, documentField } from './document-body.js';
import { bearerToken, HttpError, readJson, sendJson } from './json.js';
import { type AddressLimits, retryAfterSeconds, takeOrRefuse } from './rate-limit.js';
import { httpRefusal } from './refusal-status.js';
import { matchServiceRoute, type ServiceApiContext } from './service-api.js';

export interface ApiContext extends ServiceApiContext, AppRoomApi {
  /** Rooms loaded here, for health. */
  registry: RoomRegistry;
  /** Where rooms and peer-to-peer sessions run: here, or elsewhere in the cluster. */
  placement: Placement;
  /** STUN/TURN servers for peer-to-peer sessions. */
  iceServers: IceServer[];
  /** Turns a bearer token into an identity: the token verifier, or the app's `onAuthenticate`. */
  verifier: Authenticator;
  /** Single-use connection tickets. */
  tickets: ConnectionTickets;
  guests: GuestIssuer | undefined;
  metrics: Metrics;
  logger: Logger;
  /** Base URL for invite links; empty: derived from the request. */
  publicUrl: string;
  /** Where Tandem is mounted on an app's server (`/tandem`), else empty; part of derived URLs. */
  mountPath?: string;
  /** The address a request is counted against: its client's, behind a trusted proxy. */
  clientAddress: (req: IncomingMessage) => string;
  /** Guest tokens and sessions each client address may have per minute. */
  perAddress: AddressLimits;
  startedAt: number;
  isClosing: () => boolean;
}

/**
 * The JSON API. Returns false when the path is not an API route, so static files can be tried.
 * CORS is open because every call authenticates with a bearer token, never a cookie.
 */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = matchRoute(req.method ?? 'GET', url.pathname);
  if (!route) return false;
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-headers', 'authorization, content-type');
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  // A page on another origin can read when to try again after a 429 only if it is exposed.
  res.setHeader('access-control-expose-headers', 'retry-after');
  let status = 200;
  try {
    if (req.method === 'OPTIONS') {
      status = 204;
      res.writeHead(204).end();
    } else {
      const [code, body] = await route.handle(ctx, req, url);
      status = code;
      if (route.name === 'metrics') {
        res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType }).end(body as string);
      } else sendJson(res, code, body);
    }
  } catch (error) {
    if (error instanceof HttpError) {
      status = error.status;
      if (error.retryAfterSeconds !== undefined)
        res.setHeader('retry-after', String(error.retryAfterSeconds));
      sendJson(res, error.status, { error: error.error, message: error.message });
    } else {
      status = 500;
      ctx.logger.error({ err: error, route: route.name }, 'request failed');
      sendJson(res, 500, { error: 'Internal', message: 'internal error' });
    }
  }
  ctx.metrics.httpRequests.inc({ route: route.name, status: String(status) });
  return true;
}

/**
 * Whether `path` is one the API answers (perhaps with 405): what an app that embeds Tandem at its
 * root leaves to Tandem.
 */
export function isApiPath(path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/metrics' ||
    path.startsWith('/auth/guest') ||
    path === '/auth/me' ||
    path === '/tickets' ||
    path.startsWith('/sessions') ||
    path.startsWith('/rooms/') ||
    path.startsWith('/docs/') ||
    path.startsWith('/p2p')
  );
}

type Handler = (ctx: ApiContext, req: IncomingMessage, url: URL) => Promise<[number, unknown]>;

interface Route {
  name: string;
  handle: Handler;
}

function matchRoute(method: string, path: string): Route | undefined {
  const any = method === 'OPTIONS';
  if (path === '/healthz' && (any || method === 'GET')) return { name: 'healthz', handle: health };
  if (path === '/metrics' && (any || method === 'GET')) return { name: 'metrics', handle: metrics };
  if (path === '/auth/guest' && (any || method === 'POST')) return { name: 'auth-guest', handle: guest };
  if (path === '/auth/guest/refresh' && (any || method === 'POST'))
    return { name: 'auth-guest-refresh', handle: refreshGuest };
  if (path === '/auth/me' && (any || method === 'GET')) return { name: 'auth-me', handle: whoAmI };
  if (path === '/tickets' && (any || method === 'POST')) return { name: 'ticket', handle: ticket };
  if (path === '/sessions' && (any || method === 'POST'))
    return { name: 'create-session', handle: createSession };
  if (/^\/sessions\/[^/]+$/.test(path) && (any || method === 'GET'))
    return { name: 'find-session', handle: findSession };
  if (/^\/docs\/[^/]+$/.test(path) && (any || method === 'POST'))
    return { name: 'create-app-room', handle: appRoom };
  if (path === '/p2p' && (any || method === 'POST')) return { name: 'create-p2p', handle: createP2p };
  const service = matchServiceRoute(method, path);
  if (service)
    return { name: service.route.name, handle: (ctx, req) => service.route.handle(ctx, req, service.roomId) };
  if (/^\/p2p\/[^/]+$/.test(path) && (any || method === 'GET')) return { name: 'find-p2p', handle: findP2p };
  if (isApiPath(path)) {
    return {
      name: 'method-not-allowed',
      handle: async () =>
        Promise.reject(new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}`)),
    };
  }
  return undefined;
}

const health: Handler = async (ctx) => {
  const closing = ctx.isClosing();
  return [
    closing ? 503 : 200,
    {
      status: closing ? 'shutting-down' : 'ok',
      rooms: ctx.registry.size,
      connections: ctx.registry.connections,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    },
  ];
};

const metrics: Handler = async (ctx) => [200, await ctx.metrics.exposition()];

const guest: Handler = async (ctx, req) => {
  if (!ctx.guests) throw new HttpError(404, 'GuestsDisabled', 'this server does not issue guest tokens');
  const body = await readJson(req);
  if (typeof body.name !== 'string') throw new HttpError(400, 'BadRequest', 'name must be a string');
  takeOrRefuse(ctx.perAddress.guests, ctx.clientAddress(req), 'GuestRateLimited', 'guest tokens');
  try {
    return [201, await ctx.guests.issue(body.name)];
  } catch (error) {
    if (error instanceof InvalidGuestNameError) throw new HttpError(400, 'BadRequest', error.message);
    throw error;
  }
};

/** A new token for the same guest, so a long visit never turns into a new user. */
const refreshGuest: Handler = async (ctx, req) => {
  if (!ctx.guests) throw new HttpError(404, 'GuestsDisabled', 'this server does not issue guest tokens');
  const identity = await authenticate(ctx, req);
  if (!identity.guest) {
    throw new HttpError(
      403,
      'Forbidden',
      'only guest tokens are refreshed here; renew yours with its issuer',
    );
  }
  return [201, await ctx.guests.renew(identity)];
};

/**
 * Who the bearer token says its holder is, once this server verified it (signature, issuer,
 * audience, expiry): what a sign-in page shows, rather than claims it decoded itself, which anyone
 * can forge. `expiresAt` is ms since the epoch, or null for a token that does not expire.
 */
const whoAmI: Handler = async (ctx, req) => {
  const identity = await authenticate(ctx, req);
  return [200, { ...plainIdentity(identity), expiresAt: identity.expiresAt ?? null, guest: identity.guest }];
};

/**
 * A single-use ticket for one WebSocket connection as the caller, so its token stays out of the
 * URL (`?ticket=` instead of `?token=`). Refused as every route refuses a token; the ticket is
 * bound to the identity verified here.
 */
const ticket: Handler = async (ctx, req) => {
  const identity = await authenticate(ctx, req);
  try {
    return [201, await ctx.tickets.issue(identity)];
  } catch (error) {
    if (error instanceof TicketLimitError) throw new HttpError(429, 'RateLimited', error.message);
    throw error instanceof AuthError ? httpAuthError(error) : error;
  }
};

const createSession: Handler = async (ctx, req) => {
  const identity = await authenticate(ctx, req);
  const body = await readJson(req, documentBodyLimit(ctx.maxDocBytes));
  const request: SessionRequest = {};
  if (body.policy !== undefined) {
    if (!ADMISSION_POLICIES.includes(body.policy as AdmissionPolicy)) {
      throw new HttpError(400, 'BadRequest', `policy must be one of ${ADMISSION_POLICIES.join(', ')}`);
    }
    request.policy = body.policy as AdmissionPolicy;
  }
  if (body.docMode !== undefined) {
    if (!DOC_MODES.includes(body.docMode as DocMode))
      throw new HttpError(400, 'BadRequest', `docMode must be one of ${DOC_MODES.join(', ')}`);
    request.docMode = body.docMode as DocMode;
  }
  if (body.trusted !== undefined) {
    if (!Array.isArray(body.trusted) || !body.trusted.every((e) => typeof e === 'string')) {
      throw new HttpError(400, 'BadRequest', 'trusted must be an array of email strings');
    }
    request.trusted = body.trusted as string[];
  }
  if (body.companionOf !== undefined) {
    if (typeof body.companionOf !== 'string' || !ROOM_ID.test(body.companionOf))
      throw new HttpError(400, 'BadRequest', 'companionOf must be the room id of a session you host');
    if (request.policy !== undefined || request.trusted !== undefined) {
      throw new HttpError(
        400,
        'BadRequest',
        "a companion room's admission follows its session: policy and trusted are not accepted",
      );
    }
    request.companionOf = body.companionOf;
  }
  if (body.initialDocument !== undefined)
    request.initialDocument = documentField(body.initialDocument, 'initialDocument');
  if (body.room !== undefined) request.appRoom = await sessionRoom(ctx, identity, body);
  takeSession(ctx, req);
  try {
    const session = await ctx.placement.createSession(identity, request);
    if (request.appRoom) return [201, appRoomSession(session, body.room as string, baseUrl(ctx, req))];
    const base = baseUrl(ctx, req);
    return [
      201,
      {
        ...session,
        inviteUrl: `${base}/?join=${session.joinCode}`,
        websocketPath: `/rooms/${session.roomId}`,
      },
    ];
  } catch (error) {
    throw error instanceof Refusal ? httpRefusal(error) : error;
  }
};

/** Creates an app-named room from the document in hand: see {@link createAppRoom}. */
const appRoom: Handler = async (ctx, req, url) => createAppRoom(ctx, await authenticate(ctx, req), req, url);

const findSession: Handler = async (ctx, req, url) => {
  await authenticate(ctx, req);
  let code: string;
  try {
    code = decodeURIComponent(url.pathname.split('/')[2] ?? '');
  } catch {
    code = ''; // malformed percent-encoding: no code can match
  }
  let roomId: string | undefined;
  try {
    roomId = code ? await ctx.placement.findSession(code, ctx.clientAddress(req)) : undefined;
  } catch (error) {
    if (error instanceof Refusal)
      throw new HttpError(
        429,
        ERRORS[error.code].name,
        error.message,
        retryAfterSeconds(error.retryAfterMs ?? 0),
      );
    throw error;
  }
  if (!roomId) throw new HttpError(404, 'RoomNotFound', `no session with code ${code.slice(0, 16)}`);
  // A session on an app room is joined by its code: the room's own path is for the app's users.
  const websocketPath = isAppRoom(roomId) ? `/join/${encodeURIComponent(code)}` : `/rooms/${roomId}`;
  return [200, { roomId, websocketPath }];
};

/**
 * Starts a peer-to-peer session hosted by the caller: its id (to share), where to connect for
 * signaling, and the STUN/TURN servers to use. The session ends if the host does not connect.
 */
const createP2p: Handler = async (ctx, req) => {
  const identity = await authenticate(ctx, req);
  if (ctx.isClosing()) throw new HttpError(503, 'ServerShutdown', 'server is shutting down');
  takeSession(ctx, req);
  let sessionId: string;
  try {
    sessionId = await ctx.placement.createSignaling(identity);
  } catch (error) {
    throw error instanceof Refusal ? httpRefusal(error) : error;
  }
  return [201, { ...p2pSessionInfo(ctx, sessionId), host: plainIdentity(identity) }];
};

/**
 * A peer-to-peer session a guest was given: whether it exists, and how to connect. A session whose
 * host is away for now (not connected yet, or its page reloading) exists: its signaling tells the
 * guest `HostAway`, and the guest tries again.
 */
const findP2p: Handler = async (ctx, req, url) => {
  const identity = await authenticate(ctx, req);
  const sessionId = url.pathname.split('/')[2] ?? '';
  if (!P2P_SESSION_ID.test(sessionId) || !(await ctx.placement.signalingExists(sessionId)))
    throw new HttpError(404, 'RoomNotFound', 'no peer-to-peer session with that id is open');
  // `you`: the caller as verified, what a host resuming its session binds its room's host role to.
  return [200, { ...p2pSessionInfo(ctx, sessionId), you: plainIdentity(identity) }];
};

/** Counts a session about to be created against its client address's allowance, or refuses it. */
function takeSession(ctx: ApiContext, req: IncomingMessage): void {
  takeOrRefuse(ctx.perAddress.sessions, ctx.clientAddress(req), 'SessionRateLimited', 'sessions created');
}

/** How to reach a peer-to-peer session: its signaling path and the STUN/TURN servers to use. */
function p2pSessionInfo(ctx: ApiContext, sessionId: string) {
  return { sessionId, signalingPath: `/p2p/${sessionId}`, iceServers: ctx.iceServers };
}

async function authenticate(ctx: ApiContext, req: IncomingMessage): Promise<VerifiedIdentity> {
  try {
    return await ctx.verifier.verify(bearerToken(req), req);
  } catch (error) {
    throw httpAuthError(error);
  }
}

/** A refused credential as the API answers it: 401, or 503 with `Retry-After` for our own outage. */
function httpAuthError(error: unknown): HttpError {
  const { status, message, retryAfterSec } = authRefusal(error);
  return new HttpError(status, status === 503 ? 'Unavailable' : 'Unauthorized', message, retryAfterSec);
}

function baseUrl(ctx: ApiContext, req: IncomingMessage): string {
  if (ctx.publicUrl) return ctx.publicUrl.replace(/\/+$/, '');
  const host = req.headers.host ?? 'localhost';
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || 'http';
  return `${proto}://${host}${ctx.mountPath ?? ''}`;
}
