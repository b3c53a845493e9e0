import type { IncomingMessage } from 'node:http';
import { DOC_MODES, type DocMode, ErrorCode } from '@tandem/protocol';
import type { VerifiedIdentity } from '../auth/index.js';
import type { Placement } from '../placement/placement.js';
import { Refusal } from '../refusal.js';
import { type AppAccessOptions, appAccess } from '../rooms/app-access.js';
import { appRoomNameProblem } from '../rooms/app-rooms.js';
import type { AppRoomRequest, CreatedSession } from '../rooms/registry.js';
import { documentBodyLimit } from './document-body.js';
import { HttpError, readJson } from './json.js';
import { httpRefusal } from './refusal-status.js';

/** What `POST /docs/<name>` needs. */
export interface AppRoomApi {
  placement: Placement;
  appAccess: AppAccessOptions;
  /** The largest document a room holds: the largest initial document. */
  maxDocBytes: number;
}

/**
 * `POST /docs/<name>` `{ docMode, initial? }`: creates the app room `name` in `docMode` if it does
 * not exist, starting from `initial` (base64: the whole `lww` bytes, an `ops` snapshot or a Yjs
 * update), for a caller who may write it. An existing room is left as it is (`created: false`,
 * and `initial: "ignored"` when one was sent); one in another mode is refused (`WrongDocMode`).
 */
export async function createAppRoom(
  ctx: AppRoomApi,
  identity: VerifiedIdentity,
  req: IncomingMessage,
  url: URL,
): Promise<[number, unknown]> {
  let name: string | undefined;
  try {
    name = decodeURIComponent(url.pathname.split('/')[2] ?? '');
  } catch {
    name = undefined;
  }
  const problem = appRoomNameProblem(name);
  if (problem !== undefined || name === undefined) throw new HttpError(400, 'BadRequest', problem ?? '');
  const body = await readJson(req, documentBodyLimit(ctx.maxDocBytes));
  const docMode = body.docMode as DocMode;
  if (!DOC_MODES.includes(docMode))
    throw new HttpError(400, 'BadRequest', `docMode must be one of ${DOC_MODES.join(', ')}`);
  const initial = body.initial;
  if (initial !== undefined && (typeof initial !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(initial)))
    throw new HttpError(400, 'BadRequest', 'initial must be the document as a base64 string');
  try {
    const access = await appAccess(identity, name, ctx.appAccess);
    if (access !== 'write')
      throw new Refusal(ErrorCode.Forbidden, `creating room ${name} needs write access; yours is ${access}`);
    const { appRoom } = await ctx.placement.createSession(identity, {
      appRoom: { op: 'open', name, docMode, create: true, ...(initial === undefined ? {} : { initial }) },
    });
    if (appRoom?.docMode !== docMode)
      throw new Refusal(ErrorCode.WrongDocMode, `room ${name} is a ${appRoom?.docMode} room, not ${docMode}`);
    const created = appRoom.done;
    return [
      created ? 201 : 200,
      {
        room: name,
        docMode,
        created,
        ...(initial !== undefined && !created ? { initial: 'ignored' } : {}),
        websocketPath: `/docs/${encodeURIComponent(name)}?mode=${docMode}`,
      },
    ];
  } catch (error) {
    throw error instanceof Refusal ? httpRefusal(error) : error;
  }
}

/**
 * The app room a `POST /sessions { room }` opens its session on, once the caller is known to
 * write it: a session's host vouches for the guests it admits, so only a writer may open one.
 */
export async function sessionRoom(
  ctx: AppRoomApi,
  identity: VerifiedIdentity,
  body: Record<string, unknown>,
): Promise<AppRoomRequest> {
  const name = body.room;
  const problem = appRoomNameProblem(name);
  if (problem !== undefined || typeof name !== 'string')
    throw new HttpError(400, 'BadRequest', `room: ${problem}`);
  if (body.docMode !== undefined || body.companionOf !== undefined)
    throw new HttpError(
      400,
      'BadRequest',
      "a session on an app room has the room's document: docMode and companionOf are not accepted",
    );
  try {
    const access = await appAccess(identity, name, ctx.appAccess);
    if (access !== 'write')
      throw new Refusal(
        ErrorCode.Forbidden,
        `opening a session on room ${name} needs write access; yours is ${access}`,
      );
  } catch (error) {
    throw error instanceof Refusal ? httpRefusal(error) : error;
  }
  return { op: 'session', name };
}

/** The answer to a session opened on an app room: the host connects by the room's name, guests by the code. */
export function appRoomSession(session: CreatedSession, room: string, base: string) {
  return {
    roomId: session.roomId,
    room,
    joinCode: session.joinCode,
    inviteUrl: `${base}/?join=${session.joinCode}`,
    websocketPath: `/docs/${encodeURIComponent(room)}`,
  };
}
