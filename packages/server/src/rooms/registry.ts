import { randomBytes } from 'node:crypto';
import { type AdmissionPolicy, type DocMode, ErrorCode, secureRandom } from '@tandem/protocol';
import { DocumentRefused, type Identity, makeJoinCode, type Room, resolveLimits } from '@tandem/room';
import { Refusal, RoomElsewhere } from '../refusal.js';
import { appRoomId, appRoomNameProblem } from './app-rooms.js';
import { type HostingCount, LocalHosting } from './hosting.js';
import { newAppRoomWrites } from './initial-doc.js';
import { type LiveRoom, LiveRooms, type LiveRoomsOptions } from './live-rooms.js';
import { RetentionSweep } from './retention.js';
import { RoomDocuments } from './room-documents.js';
import { parentOf, sessionOf } from './room-ids.js';
import { WindowLimiter } from './window-limiter.js';

/** What a new session starts with. */
export interface SessionRequest {
  policy?: AdmissionPolicy;
  docMode?: DocMode;
  trusted?: readonly string[];
  /**
   * Makes a companion room of this session: admission follows the parent (no policy or trusted
   * list of its own), removal from the parent removes from it, and the parent stays loaded
   * while anyone is in it (it unloads with the parent once both are empty).
   */
  companionOf?: string;
  /**
   * What the session's document starts as, in its mode (within `maxDocBytes`): whole `lww` bytes,
   * an `ops` snapshot, or a Yjs update. Applied as the service API's replacement is.
   */
  initialDocument?: Uint8Array;
  /**
   * Instead of a session: opens (creating it if absent) or deletes an app-named room. Carried as a
   * session request so a cluster routes it, like a companion, to the node that owns the room.
   */
  appRoom?: AppRoomRequest;
}

/** What is asked of an app-named room. */
export type AppRoomRequest =
  | {
      op: 'open';
      /** The room's name as the app chose it (`lesson-42`). */
      name: string;
      /** The mode a new room is created in; without it an absent room is not created. */
      docMode?: DocMode;
      /** Whether the caller may create it (write access). */
      create: boolean;
      /** The document a new room starts from, base64; ignored when the room exists. */
      initial?: string;
    }
  /** A session on the room (hosted by the caller, who may write it), with the request's policy and trusted list. */
  | { op: 'session'; name: string };

/** The app room's state after an {@link AppRoomRequest}. */
export interface AppRoomResult {
  /** This request created the room. */
  done: boolean;
  /** The room's document mode. */
  docMode?: DocMode;
}

/** Companion rooms one session may have. */
export const MAX_COMPANIONS = 8;

/** A session the server created: where to connect and what to share. */
export interface CreatedSession {
  roomId: string;
  joinCode: string;
  /** For an {@link AppRoomRequest}: what became of the app room (`joinCode` is then empty). */
  appRoom?: AppRoomResult;
}

export interface RegistryOptions extends LiveRoomsOptions {
  /**
   * Unknown join codes one client address may try per minute; past that, every code lookup from it is
   * refused, right or wrong, so codes cannot be guessed with freshly minted guest ids.
   */
  codeMissesPerMinute: number;
  /** Sessions one user may host at once (companions come with their session). */
  maxHostedRooms: number;
  /**
   * Rooms nobody has written to for this long (no edit, join or setting; a load counts) are
   * deleted from the store by an hourly sweep. 0 keeps every room forever.
   */
  roomRetentionMs: number;
}

/**
 * Every room of the process: the rooms loaded here ({@link LiveRooms}), and the sessions created
 * and found here: hosted-session limits, companion rooms, join codes and their guessing limit, and
 * the retention sweep that deletes rooms nobody uses any more.
 */
export class RoomRegistry extends RoomDocuments {
  declare protected readonly options: RegistryOptions;
  private readonly codeMisses: WindowLimiter;
  private readonly hosting: HostingCount;
  private readonly retention: RetentionSweep;

  constructor(options: RegistryOptions) {
    super(options);
    this.codeMisses = new WindowLimiter(options.codeMissesPerMinute, options.clock);
    this.hosting = options.claims ?? new LocalHosting((userId) => this.hostedSessions(userId).length);
    this.retention = new RetentionSweep({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      retentionMs: options.roomRetentionMs,
      inUse: (roomId) => this.inUse(roomId),
      ownedElsewhere: async (roomId) => (await options.claims?.ownedElsewhere(sessionOf(roomId))) === true,
      track: (roomId, work) => this.track(roomId, work),
      isClosing: () => this.closing,
    });
  }

  /**
   * Deletes every stored room untouched for the retention period, except rooms loaded or being
   * loaded now. Returns how many were deleted. Runs hourly on its own; callable at any time.
   */
  sweepStale(): Promise<number> {
    return this.retention.sweep();
  }

  override async close(): Promise<void> {
    this.retention.stop();
    await super.close();
  }

  /** Sessions loaded here whose host is `userId`. */
  hostedSessions(userId: string): string[] {
    return [...this.live.entries()]
      .filter(([id, l]) => parentOf(id) === undefined && l.room.getSettings().hostUserId === userId)
      .map(([id]) => id);
  }

  /** Creates a room hosted by `host` and keeps it loaded for the grace period. */
  async createSession(host: Identity, request: SessionRequest): Promise<CreatedSession> {
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    if (request.appRoom?.op === 'session') {
      const reservation = await this.hosting.reserveHosting(host.userId, this.options.maxHostedRooms);
      try {
        return await this.sessionOnAppRoom(host, request.appRoom.name, request);
      } finally {
        await reservation.release();
      }
    }
    if (request.appRoom !== undefined)
      return {
        roomId: appRoomId(request.appRoom.name),
        joinCode: '',
        appRoom: await this.appRoom(request.appRoom),
      };
    if (request.companionOf !== undefined) return this.createCompanion(host, request.companionOf, request);
    const reservation = await this.hosting.reserveHosting(host.userId, this.options.maxHostedRooms);
    try {
      return await this.create(host, request);
    } finally {
      await reservation.release();
    }
  }

  /**
   * Opens a session on the existing app room `name`, hosted by `host` (whom the app lets write it):
   * its document is the room's, its guests come by the join code and are admitted by the session's
   * policy. A later session on the room replaces it (its host and join code); the same host
   * opening one again keeps the join code.
   */
  private async sessionOnAppRoom(
    host: Identity,
    name: string,
    request: SessionRequest,
  ): Promise<CreatedSession> {
    const roomId = appRoomId(name);
    const entry = await this.load(roomId);
    if (!entry)
      throw new Refusal(ErrorCode.RoomNotFound, `no room ${name}; create it before opening a session on it`);
    const current = entry.room.getSettings();
    const joinCode =
      current.hostUserId === host.userId && current.joinCode !== ''
        ? current.joinCode
        : await this.uniqueJoinCode();
    try {
      entry.room.openSession({
        hostUserId: host.userId,
        joinCode,
        ...(request.policy ? { policy: request.policy } : {}),
        ...(request.trusted ? { trusted: request.trusted } : {}),
      });
    } catch (error) {
      throw new Refusal(ErrorCode.BadMessage, (error as Error).message);
    }
    await entry.room.idle();
    if (entry.room.size === 0 && entry.graceTimer === undefined) this.armGrace(roomId, entry);
    await this.hosting.hosted(roomId, host.userId);
    this.options.logger.info({ roomId, host: host.userId }, 'session opened on an app room');
    return { roomId, joinCode };
  }

  /** Opens an app-named room (creating it if asked and absent), here where it runs. */
  private async appRoom(request: Exclude<AppRoomRequest, { op: 'session' }>): Promise<AppRoomResult> {
    const problem = appRoomNameProblem(request.name);
    if (problem !== undefined) throw new Refusal(ErrorCode.BadMessage, problem);
    const roomId = appRoomId(request.name);
    const { docMode, create } = request;
    // Checked before the load, so a refused document never gets near the store.
    const writes =
      create && docMode
        ? newAppRoomWrites(
            docMode,
            request.initial === undefined ? undefined : Buffer.from(request.initial, 'base64'),
            resolveLimits(this.options.limits).maxDocBytes,
          )
        : undefined;
    let done = false;
    const entry = await this.load(roomId, writes && (() => writes), () => {
      done = true;
    });
    if (!entry) {
      throw new Refusal(
        ErrorCode.RoomNotFound,
        create
          ? `no room ${request.name}; name a document mode to create it`
          : `no room ${request.name}; someone who may write it creates it`,
      );
    }
    // Loaded for a connection on its way (or a creation over HTTP): unloaded if nobody comes.
    if (entry.room.size === 0 && entry.graceTimer === undefined) this.armGrace(roomId, entry);
    if (done) this.options.logger.info({ roomId, docMode }, 'app room created');
    return { done, docMode: entry.room.getSettings().docMode };
  }

  /**
   * A companion room of a session the caller hosts. It does not count against the hosted-room
   * limit (its session does), but a session has at most {@link MAX_COMPANIONS}.
   */
  private async createCompanion(host: Identity, parentId: string, request: SessionRequest) {
    if (parentOf(parentId) !== undefined)
      throw new Refusal(ErrorCode.BadMessage, 'a companion room cannot have companions of its own');
    const parent = await this.load(parentId);
    if (!parent) throw new Refusal(ErrorCode.RoomNotFound, `no room ${parentId}`);
    // Loaded for a companion's sake: its own people get the session grace to come back.
    if (parent.room.size === 0) this.armGrace(parentId, parent);
    if (parent.room.getSettings().hostUserId !== host.userId)
      throw new Refusal(ErrorCode.Forbidden, 'only the host of a session may add rooms to it');
    const companions = [...this.live.keys()].filter((id) => parentOf(id) === parentId).length;
    if (companions >= MAX_COMPANIONS) {
      throw new Refusal(ErrorCode.HostLimit, `a session has at most ${MAX_COMPANIONS} companion rooms`);
    }
    const suffix = `c${randomBytes(6).toString('base64url')}`;
    return this.create(
      host,
      {
        policy: 'open',
        ...(request.docMode ? { docMode: request.docMode } : {}),
        ...(request.initialDocument ? { initialDocument: request.initialDocument } : {}),
      },
      `${parentId}.${suffix}`,
    );
  }

  private async create(
    host: Identity,
    request: SessionRequest,
    roomId = `r${randomBytes(9).toString('base64url')}`,
  ): Promise<CreatedSession> {
    const owner = await this.options.claims?.claim(sessionOf(roomId));
    if (owner !== undefined) throw new RoomElsewhere(owner);
    const joinCode = await this.uniqueJoinCode();
    let room: Room;
    try {
      room = this.buildRoom(roomId, {
        hostUserId: host.userId,
        joinCode,
        ...(request.policy ? { policy: request.policy } : {}),
        ...(request.docMode ? { docMode: request.docMode } : {}),
        ...(request.trusted ? { trusted: request.trusted } : {}),
      });
    } catch (error) {
      throw new Refusal(ErrorCode.BadMessage, (error as Error).message);
    }
    // The room swallows a failed write (it reports it as activity), so watch for one: a session
    // whose settings never reached the store could not be joined by code or survive a restart.
    let stored = true;
    let storeError: unknown;
    const unwatch = room.onActivity((event) => {
      if (event.type !== 'store-failed' || !stored) return;
      stored = false;
      storeError = event.error;
    });
    if (request.initialDocument) await this.startFrom(room, request.initialDocument);
    await room.idle();
    unwatch();
    if (!stored || this.closing) {
      await room.close(ErrorCode.ServerShutdown);
      if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
      this.options.logger.error({ roomId, err: storeError }, 'new session could not be stored');
      throw new Refusal(ErrorCode.Internal, 'the session could not be stored');
    }
    const entry: LiveRoom = { room, graceTimer: undefined, unjoined: true };
    this.live.set(roomId, entry);
    this.options.metrics.rooms.set(this.live.size);
    this.armGrace(roomId, entry);
    if (parentOf(roomId) === undefined) await this.hosting.hosted(roomId, host.userId);
    this.options.logger.info({ roomId, host: host.userId }, 'session created');
    return { roomId, joinCode };
  }

  /**
   * Gives a new session's room its initial document. One the room refuses leaves no trace: the
   * room, whose settings are on their way to the store, is closed and deleted again.
   */
  private async startFrom(room: Room, doc: Uint8Array): Promise<void> {
    try {
      await room.replaceDocument(room.getSettings().docMode, doc);
    } catch (error) {
      // A failed store write is the caller's to report, as for any new session.
      if (!(error instanceof DocumentRefused)) return;
      await room.close(ErrorCode.RoomClosed);
      await this.options.store.delete(room.id);
      throw new Refusal(error.code, `initialDocument: ${error.message}`);
    }
  }

  /**
   * The room a join code opens, or undefined. `source` is the caller's client address: after
   * `codeMissesPerMinute` unknown codes from it within a minute, lookups from it throw
   * {@link Refusal} (`JoinRateLimited`) until the oldest miss is a minute old.
   */
  async roomIdForCode(code: string, source: string): Promise<string | undefined> {
    if (this.codeMisses.exhausted(source)) {
      throw new Refusal(
        ErrorCode.JoinRateLimited,
        'too many unknown join codes from this address; try again in a minute',
        this.codeMisses.retryAfterMs(source),
      );
    }
    const roomId = await this.options.store.roomIdForJoinCode(code.trim().toUpperCase());
    if (!roomId) this.codeMisses.tryTake(source);
    return roomId;
  }

  private async uniqueJoinCode(): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = makeJoinCode(secureRandom, attempt < 10 ? 6 : 8);
      if (!(await this.options.store.roomIdForJoinCode(code))) return code;
    }
    throw new Refusal(ErrorCode.Internal, 'could not find a free join code');
  }
}
