import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@tandem/protocol';
import { closeReason, type RoomSocket } from '@tandem/room';
import type { WebSocket, WebSocketServer } from 'ws';
import {
  AuthError,
  type Authenticator,
  authRefusal,
  type ConnectionTickets,
  type VerifiedIdentity,
} from '../auth/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Attachment } from '../placement/attachment.js';
import { Link } from '../placement/link.js';
import type { Placement } from '../placement/placement.js';
import { Refusal } from '../refusal.js';
import { type AppAccessOptions, appAccess } from '../rooms/app-access.js';
import { parseConnectionUrl, parseYWebsocketUrl, type RoomTarget } from './connection-url.js';
import { readFrames } from './read-frames.js';
import { type BackpressureLimits, WsRoomSocket } from './ws-socket.js';
import { yCloseCode } from './y-websocket/y-close.js';
import { type Dialect, yWebsocketDialect } from './y-websocket/y-dialect.js';

export interface UpgradeContext {
  wss: WebSocketServer;
  /** Turns a bearer token into an identity: the token verifier, or the app's `onAuthenticate`. */
  verifier: Authenticator;
  /** Single-use connection tickets, taken in place of a token. */
  tickets: ConnectionTickets;
  /** Where rooms and peer-to-peer sessions run: here, or elsewhere in the cluster. */
  placement: Placement;
  metrics: Metrics;
  logger: Logger;
  /** The address a request is counted against: its client's, behind a trusted proxy. */
  clientAddress: (req: IncomingMessage) => string;
  backpressure: BackpressureLimits;
  /** Frames a client may send before its room has loaded. */
  maxQueuedFrames: number;
  /** Bytes a client may send before its room has loaded: about two full documents. */
  maxQueuedBytes: number;
  isClosing: () => boolean;
  /** Who may use app-named rooms, and as what. */
  appAccess: AppAccessOptions;
  /** Every open connection's socket, for shutdown. */
  sockets: Set<WsRoomSocket>;
}

/** Largest signaling frame: an SDP offer with its candidates is a few KB. */
const SIGNALING_MAX_PAYLOAD = 64 * 1024;

/** `ws`'s own default, for a server built without `maxPayload`. */
const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** Largest power of two seconds a Node timer accepts (2^21 s, 24 days; its limit is 2^31 - 1 ms). */
const MAX_EXPIRY_STEP_LOG2 = 21;

/**
 * How long to wait before looking at a token with `leftMs` to run again: the largest power of two
 * seconds not past its expiry, and a second once less than that is left (a close at most a second
 * late, well within the clock tolerance verification already allows).
 *
 * Why steps, not the exact time left: Node keeps a list per timer duration, and one emptied by
 * clearing an unref'd timer stays until that duration has passed. Waits to the millisecond gave
 * each connection a duration of its own, so every connection that closed before its token
 * expired left a list behind for as long as the token had left (up to an hour for a sign-in's
 * token, days for others). In steps, all connections share at most 22 durations, and each waits
 * through at most about 22 timers in all.
 */
function expiryStep(leftMs: number): number {
  const log2 = Math.floor(Math.log2(leftMs / 1000));
  return 1000 * 2 ** Math.max(0, Math.min(log2, MAX_EXPIRY_STEP_LOG2));
}

/**
 * The gate. The token is verified during the HTTP upgrade, before any room code runs: a missing or
 * bad token gets HTTP 401 and never becomes a socket. Only then is the socket accepted and handed
 * to its room, with the verified identity; nothing the client sends later can change who it is.
 */
export async function handleUpgrade(
  ctx: UpgradeContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  if (ctx.isClosing()) return refuseHttp(socket, 503, 'shutting down');
  const yws = parseYWebsocketUrl(req.url, req.headers.authorization);
  const { target, credential, problem } = yws ?? parseConnectionUrl(req.url, req.headers.authorization);
  // y-websocket's provider reconnects after any failed upgrade, forever: it is refused on an open
  // socket instead, with a close code that stops it (see yCloseCode). A transient 503 stays HTTP.
  const refuse = (status: 400 | 401 | 404 | 503, message: string, retryAfterSec?: number): void => {
    if (!yws || status === 503) return refuseHttp(socket, status, message, retryAfterSec);
    const code = { 400: ErrorCode.BadMessage, 401: ErrorCode.Unauthorized, 404: ErrorCode.RoomNotFound }[
      status
    ];
    ctx.wss.handleUpgrade(req, socket, head, (ws) => ws.close(yCloseCode(code), closeReason(message)));
  };
  if (problem !== undefined) {
    ctx.metrics.upgradesRefused.inc({ reason: 'bad-room-name' });
    return refuse(400, problem);
  }
  if (!target) {
    ctx.metrics.upgradesRefused.inc({ reason: 'not-found' });
    return refuse(
      404,
      yws
        ? 'not a y-websocket room URL; use /yjs/docs/<name>, /yjs/rooms/<id> or /yjs/join/<code>'
        : 'not a room URL; use /rooms/<id>, /join/<code>, /docs/<name> or /p2p/<session>',
    );
  }
  let identity: VerifiedIdentity;
  try {
    identity =
      credential.kind === 'ticket'
        ? await ctx.tickets.redeem(credential.ticket)
        : await ctx.verifier.verify(credential.token, req);
  } catch (error) {
    const reason = error instanceof AuthError ? error.reason : 'error';
    ctx.metrics.upgradesRefused.inc({ reason });
    ctx.logger.info({ reason, remote: ctx.clientAddress(req) }, 'upgrade refused');
    // An unreachable JWKS is our outage, not the client's fault: 503 tells it to retry.
    const { status, message, retryAfterSec } = authRefusal(error);
    return refuse(status, message, retryAfterSec);
  }
  const ownListeners = socket.listeners('data');
  ctx.wss.handleUpgrade(req, socket, head, (ws) => {
    ctx.wss.emit('connection', ws, req);
    if (target.kind === 'p2p') acceptSignaling(ctx, ws, socket, ownListeners, identity, target.sessionId);
    else {
      const dialect = yws ? yWebsocketDialect() : undefined;
      accept(ctx, ws, socket, ownListeners, ctx.clientAddress(req), identity, target, dialect);
    }
  });
}

/** Closes `socket` for an expired token when `identity`'s token runs out; returns the disarm. */
function expireWith(identity: VerifiedIdentity, socket: WsRoomSocket): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (identity.expiresAt === undefined) return;
    const left = identity.expiresAt - Date.now();
    if (left <= 0) return socket.fail(ErrorCode.TokenExpired);
    timer = setTimeout(arm, expiryStep(left));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

/** What differs between kinds of connection: where frames go, and how much each may carry. */
interface Destination {
  /** Largest frame accepted. */
  maxPayload: number;
  /** Bytes a client may send before it is attached. */
  maxQueuedBytes: number;
  /** Whether frames in are counted in `tandem_messages_in_total` (room protocol frames are). */
  countFramesIn: boolean;
  /** Added to this connection's log lines. */
  log: Record<string, unknown>;
  /** Attaches the connection; rejects with a refusal (code and message) the client is told. */
  open: (socket: RoomSocket) => Promise<Attachment>;
  /** Another wire format than Tandem's, translated at the socket (y-websocket's). */
  dialect?: Dialect;
}

/** A room connection: by room id, or by join code (guesses counted against `address`). */
function accept(
  ctx: UpgradeContext,
  ws: WebSocket,
  stream: Duplex,
  ownListeners: readonly unknown[],
  address: string,
  identity: VerifiedIdentity,
  target: RoomTarget,
  dialect?: Dialect,
): void {
  serve(ctx, ws, stream, ownListeners, identity, {
    maxPayload: ctx.wss.options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxQueuedBytes: ctx.maxQueuedBytes,
    countFramesIn: true,
    log: { remote: address },
    ...(dialect ? { dialect } : {}),
    open: async (socket) => {
      const room = target.kind === 'app' ? await appRoomOf(ctx, identity, target) : undefined;
      const roomId =
        room?.roomId ??
        (target.kind === 'room'
          ? target.roomId
          : target.kind === 'code'
            ? await ctx.placement.findSession(target.code, address)
            : undefined);
      if (!roomId)
        throw new Refusal(
          ErrorCode.RoomNotFound,
          `no session with code ${target.kind === 'code' ? target.code : ''}`,
        );
      dialect?.roomFound();
      return ctx.placement.openRoom(roomId, socket, room?.identity ?? identity);
    },
  });
}

/**
 * An app room: the app's say (its token's room claim, or its `authorize` hook) decides whether and
 * as what the connection gets in; a writer's connection creates the room when absent. The
 * connection carries its access into the room.
 */
async function appRoomOf(
  ctx: UpgradeContext,
  identity: VerifiedIdentity,
  target: Extract<RoomTarget, { kind: 'app' }>,
): Promise<{ roomId: string; identity: VerifiedIdentity }> {
  const access = await appAccess(identity, target.name, ctx.appAccess);
  const { docMode } = target;
  const opened = await ctx.placement.createSession(identity, {
    appRoom: { op: 'open', name: target.name, create: access === 'write', ...(docMode ? { docMode } : {}) },
  });
  const actual = opened.appRoom?.docMode;
  if (docMode !== undefined && actual !== docMode)
    throw new Refusal(ErrorCode.WrongDocMode, `room ${target.name} is a ${actual} room, not ${docMode}`);
  return { roomId: opened.roomId, identity: { ...identity, access } };
}

/**
 * A connection to a peer-to-peer session's signaling: frames go to the hub (this server's, or the
 * one its host is on), nowhere else.
 */
function acceptSignaling(
  ctx: UpgradeContext,
  ws: WebSocket,
  stream: Duplex,
  ownListeners: readonly unknown[],
  identity: VerifiedIdentity,
  sessionId: string,
): void {
  serve(ctx, ws, stream, ownListeners, identity, {
    maxPayload: SIGNALING_MAX_PAYLOAD,
    maxQueuedBytes: ctx.maxQueuedFrames * SIGNALING_MAX_PAYLOAD,
    countFramesIn: false,
    log: { p2p: sessionId },
    open: (socket) => ctx.placement.openSignaling(sessionId, socket, identity),
  });
}

/**
 * One accepted WebSocket, whatever it connects to: frames it sends before it is attached wait (up
 * to a bound), then all go to its attachment; its token's expiry closes it; its close leaves (a
 * clean close, code 1000, leaves cleanly: a peer-to-peer host ending its session).
 */
function serve(
  ctx: UpgradeContext,
  ws: WebSocket,
  stream: Duplex,
  /** The stream's `data` listeners from before the upgrade: every other one is `ws`'s. */
  ownListeners: readonly unknown[],
  identity: VerifiedIdentity,
  to: Destination,
): void {
  let cleanClose = false;
  let wrapped: ReturnType<Dialect['wrap']> | undefined;
  const link = new Link({
    maxQueuedFrames: ctx.maxQueuedFrames,
    maxQueuedBytes: to.maxQueuedBytes,
    refuse: (code, message) => socket.fail(code, message),
    isClosed: () => socket.isClosed,
    logger: ctx.logger,
    log: to.log,
  });
  const leave = (): void => {
    wrapped?.leave();
    link.leave(cleanClose);
  };
  const socket = new WsRoomSocket(ws, stream, ctx.backpressure, ctx.metrics, leave, to.dialect?.farewell);
  // A translated connection is counted by the room's messages it stands for, on their way in and
  // out, not by its own wire format's bytes (whose first byte is no Tandem tag).
  wrapped =
    to.dialect &&
    countedAtRoom(
      ctx.metrics,
      to.dialect.wrap(socket, (frame) => {
        ctx.metrics.frameIn(frame);
        link.receive(frame);
      }),
    );
  if (wrapped) socket.countFramesOut = false;
  ctx.sockets.add(socket);
  ctx.metrics.connections.inc();
  const disarmExpiry = expireWith(identity, socket);
  const onFrame = (frame: Buffer, isBinary: boolean): void => {
    if (to.countFramesIn && !wrapped) ctx.metrics.frameIn(frame);
    if (!isBinary) return socket.fail(ErrorCode.BadMessage, 'Tandem speaks binary frames only');
    if (wrapped) wrapped.receive(frame);
    else link.receive(frame);
  };
  readFrames(
    ws,
    stream,
    ownListeners,
    to.maxPayload,
    onFrame,
    (code, reason) => ctx.logger.debug({ code, reason, ...to.log }, 'protocol error from client'),
    (code) => {
      cleanClose = code === 1000;
    },
  );
  ws.on('close', () => {
    disarmExpiry();
    ctx.sockets.delete(socket);
    ctx.metrics.connections.dec();
    leave();
  });
  ws.on('error', (error) => ctx.logger.debug({ err: error }, 'socket error'));
  link.attach(to.open(wrapped?.room ?? socket));
}

/** `wrapped` with the room's frames to it counted as frames out. */
function countedAtRoom(metrics: Metrics, wrapped: ReturnType<Dialect['wrap']>): ReturnType<Dialect['wrap']> {
  const { room } = wrapped;
  return {
    ...wrapped,
    room: {
      send(frame) {
        metrics.frameOut(frame);
        room.send(frame);
      },
      close: (code, reason) => room.close(code, reason),
    },
  };
}

function refuseHttp(
  socket: Duplex,
  status: 400 | 401 | 404 | 503,
  message: string,
  retryAfterSec?: number,
): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[
    status
  ];
  const body = JSON.stringify({ error: reason, message });
  const retry = retryAfterSec === undefined ? '' : `Retry-After: ${retryAfterSec}\r\n`;
  // end() alone only half-closes: a client that never closes its side would keep the socket (and
  // a file descriptor) forever, and the HTTP server's close would wait for it. Destroy once sent.
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${retry}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
