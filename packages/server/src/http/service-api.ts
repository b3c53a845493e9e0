import type { IncomingMessage } from 'node:http';
import { ERRORS } from '@tandem/protocol';
import type { Placement } from '../placement/placement.js';
import { Refusal } from '../refusal.js';
import { appRoomId, appRoomNameProblem } from '../rooms/app-rooms.js';
import { contentToJson, isDocMode } from '../rooms/content-json.js';
import { ROOM_ID } from '../transport/connection-url.js';
import { documentBodyLimit, documentField } from './document-body.js';
import { HttpError, readJson } from './json.js';
import { HTTP_STATUS_OF } from './refusal-status.js';
import { requireServiceKey } from './service-key.js';

/** What the service API needs of the server. */
export interface ServiceApiContext {
  placement: Placement;
  /** Empty: the service API is off. */
  serviceKey: string;
  maxDocBytes: number;
}

type ServiceHandler = (
  ctx: ServiceApiContext,
  req: IncomingMessage,
  roomId: string,
) => Promise<[number, unknown]>;

/** A service API route: its name (for metrics) and its handler. */
export interface ServiceRoute {
  name: string;
  handle: ServiceHandler;
}

const DOCUMENT_PATH = /^\/(rooms|docs)\/([^/]+)\/document$/;
const ROOM_PATH = /^\/(rooms|docs)\/([^/]+)$/;

/**
 * The app backend's API, authenticated with the service key, never a user token:
 * `GET` and `PUT /rooms/<id>/document`, `DELETE /rooms/<id>`, and the same under `/docs/<name>` for
 * app-named rooms. Undefined for any other request (`GET /rooms/<id>` is the WebSocket's, `POST
 * /docs/<name>` a user's). Other methods on a document path are a 405.
 */
export function matchServiceRoute(
  method: string,
  path: string,
): { route: ServiceRoute; roomId: string } | undefined {
  const document = DOCUMENT_PATH.exec(path);
  if (document) {
    const roomId = roomIdOf(document[1], document[2]);
    if (method === 'GET' || method === 'OPTIONS') return { route: readRoute, roomId };
    if (method === 'PUT') return { route: replaceRoute, roomId };
    return { route: notAllowed(method, path), roomId };
  }
  const room = ROOM_PATH.exec(path);
  if (room && method === 'DELETE') return { route: deleteRoute, roomId: roomIdOf(room[1], room[2]) };
  return undefined;
}

/** `GET /rooms/<id>/document`: the document in JSON, as the live room holds it or as stored. */
const readRoute: ServiceRoute = {
  name: 'room-document-read',
  handle: async (ctx, req, roomId) => {
    requireServiceKey(ctx.serviceKey, req);
    const content = await refusalsAsHttp(() => ctx.placement.readDocument(checkRoomId(roomId)));
    if (!content) throw new HttpError(404, 'RoomNotFound', `no room ${roomId}`);
    return [200, { roomId, ...contentToJson(content) }];
  },
};

/**
 * `PUT /rooms/<id>/document` with `{ "mode", "document": base64 }`: replaced through the room;
 * answered once the change is durable.
 */
const replaceRoute: ServiceRoute = {
  name: 'room-document-replace',
  handle: async (ctx, req, roomId) => {
    requireServiceKey(ctx.serviceKey, req);
    checkRoomId(roomId);
    const body = await readJson(req, documentBodyLimit(ctx.maxDocBytes));
    if (!isDocMode(body.mode))
      throw new HttpError(
        400,
        'BadRequest',
        'mode must be one of lww, ops, yjs: the mode the document is for',
      );
    const doc = documentField(body.document, 'document');
    const mode = body.mode;
    const version = await refusalsAsHttp(() => ctx.placement.replaceDocument(roomId, mode, doc));
    return [200, { roomId, mode, version }];
  },
};

/** `DELETE /rooms/<id>`: its connections closed with `RoomClosed`, its stored state removed. */
const deleteRoute: ServiceRoute = {
  name: 'room-delete',
  handle: async (ctx, req, roomId) => {
    requireServiceKey(ctx.serviceKey, req);
    const deleted = await refusalsAsHttp(() => ctx.placement.deleteRoom(checkRoomId(roomId)));
    if (!deleted) throw new HttpError(404, 'RoomNotFound', `no room ${roomId}`);
    return [200, { roomId, deleted: true }];
  },
};

function notAllowed(method: string, path: string): ServiceRoute {
  return {
    name: 'method-not-allowed',
    handle: async () =>
      Promise.reject(new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}`)),
  };
}

/** A room id as rooms are named; anything else names no room (404, like an unknown one). */
/**
 * The stored id a service path names: `/rooms/<id>` a session's room (or a companion), `/docs/<name>`
 * an app-named room. Empty when the segment names no room.
 */
function roomIdOf(kind: string | undefined, segment: string | undefined): string {
  const decoded = decodeSegment(segment ?? '');
  if (kind === 'docs') return appRoomNameProblem(decoded) === undefined ? appRoomId(decoded) : '';
  return ROOM_ID.test(decoded) ? decoded : '';
}

function checkRoomId(roomId: string): string {
  if (roomId === '') throw new HttpError(404, 'RoomNotFound', 'no such room');
  return roomId;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return ''; // malformed percent-encoding: names no room
  }
}

async function refusalsAsHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const status = HTTP_STATUS_OF[error.code] ?? 500;
    // Shutting down, or the room moved between servers: the same call succeeds shortly.
    throw new HttpError(status, ERRORS[error.code].name, error.message, status === 503 ? 1 : undefined);
  }
}
