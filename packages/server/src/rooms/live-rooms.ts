import { ErrorCode, secureRandom } from '@tandem/protocol';
import {
  type Clock,
  type Identity,
  type LimitOverrides,
  Room,
  type RoomActivity,
  type RoomSocket,
  type RoomStore,
  type RoomWrite,
  type TimerHandle,
} from '@tandem/room';
import { yjsDocuments } from '@tandem/yjs';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Attachment } from '../placement/attachment.js';
import { Refusal, ROOM_MOVED, RoomElsewhere } from '../refusal.js';
import { parentOf, sessionOf } from './room-ids.js';
import { type ServerStore, StaleOwnerError } from './server-store.js';
import type { SessionClaims } from './session-claims.js';
import { timedStore } from './timed-store.js';
import { WindowLimiter } from './window-limiter.js';

/** A room loaded here, with what decides when it unloads. */
export interface LiveRoom {
  readonly room: Room;
  /** Set while the room is waiting for its first connection, or for a late one after creation. */
  graceTimer: TimerHandle | undefined;
  /**
   * Created here and nobody has connected to it (or, for a session, to one of its companions)
   * since. A session unloaded so is deleted from the store, companions and all, rather than kept
   * for the retention period.
   */
  unjoined: boolean;
}

/** What every loaded room is built with, and how long rooms stay loaded. */
export interface LiveRoomsOptions {
  store: ServerStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  limits: LimitOverrides;
  /** Joins one user may make per minute (a companion's are not counted: its session's was). */
  joinsPerMinute: number;
  /**
   * How long a created session stays loaded while nobody has connected to it; then it is unloaded
   * and deleted from the store.
   */
  sessionGraceMs: number;
  /**
   * How long a room stays loaded after its last connection leaves (0: unload at once). A short
   * idle keeps connect/close loops and quick reconnects from reloading the room each time.
   */
  roomIdleMs: number;
  /** In a cluster, which node each session lives on. */
  claims?: SessionClaims | undefined;
  /** Told every room's activity, after metrics (the embedding app's hooks listen here). */
  onActivity?: ((roomId: string, event: RoomActivity) => void) | undefined;
}

/**
 * The rooms loaded in this process, the half of the registry that loads and unloads them. A room is
 * loaded on first use, shared by all its connections, and unloaded (after its writes are stored) a
 * short idle after the last connection leaves, so memory follows live rooms only. Loads and unloads
 * of one room are serialised through `transitions`. A session's companions load with it and leave
 * with it. Creating sessions is {@link RoomRegistry}'s.
 */
export class LiveRooms {
  protected readonly live = new Map<string, LiveRoom>();
  protected readonly transitions = new Map<string, Promise<unknown>>();
  private readonly joins: WindowLimiter;
  private emptyWaiters: (() => void)[] = [];
  private readonly store: RoomStore;
  protected closing = false;

  constructor(protected readonly options: LiveRoomsOptions) {
    this.joins = new WindowLimiter(options.joinsPerMinute, options.clock);
    this.store = timedStore(options.store, options.metrics, (roomId) =>
      options.claims?.claimOf(sessionOf(roomId)),
    );
  }

  /** Rooms loaded now. */
  get size(): number {
    return this.live.size;
  }

  /** Whether the room is loaded, or being loaded or unloaded. */
  inUse(roomId: string): boolean {
    return this.live.has(roomId) || this.transitions.has(roomId);
  }

  /** Sessions with a room loaded, or being loaded or unloaded, here. */
  liveSessions(): Set<string> {
    return new Set([...this.live.keys(), ...this.transitions.keys()].map(sessionOf));
  }

  /**
   * Closes a session's rooms here at once, telling their clients to reconnect (`ServerShutdown`):
   * this node no longer owns the session, and its next owner loads it from the store.
   */
  async evict(sessionId: string): Promise<void> {
    const rooms = [...this.live.entries()].filter(([id]) => sessionOf(id) === sessionId);
    await Promise.all(rooms.map(([id, entry]) => this.closeRoom(id, entry, ErrorCode.ServerShutdown)));
  }

  /** The host of a session loaded here. */
  hostOf(sessionId: string): string | undefined {
    return this.live.get(sessionId)?.room.getSettings().hostUserId || undefined;
  }

  /** Open connections across rooms. */
  get connections(): number {
    let n = 0;
    for (const { room } of this.live.values()) n += room.size;
    return n;
  }

  /**
   * Attaches a verified connection to a room, loading it if needed. Throws {@link Refusal} for a
   * room that does not exist. Returns the room and the connection id within it.
   */
  async attach(roomId: string, socket: RoomSocket, identity: Identity): Promise<{ room: Room; id: number }> {
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    await this.loadParentOf(roomId);
    const entry = await this.load(roomId);
    if (!entry) throw new Refusal(ErrorCode.RoomNotFound, `no room ${roomId}`);
    // Shutdown may have begun while this waited; the room is (or is about to be) closed.
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    this.disarmGrace(entry);
    entry.unjoined = false;
    // Joining a companion is joining its session: the session is kept when it unloads.
    const parent = this.live.get(parentOf(roomId) ?? '');
    if (parent) parent.unjoined = false;
    // A viewer of the session is one in its companions too.
    if (parent)
      entry.room.follow(identity.userId, parent.room.madeViewer(identity.userId) ? 'read' : 'write');
    return { room: entry.room, id: entry.room.connect(socket, identity) };
  }

  /** {@link attach}, as an {@link Attachment}. */
  async open(roomId: string, socket: RoomSocket, identity: Identity): Promise<Attachment> {
    const { room, id } = await this.attach(roomId, socket, identity);
    return { receive: (frame) => room.receive(id, frame), detach: () => this.detach(room, id) };
  }

  /**
   * A companion's admission is decided by its parent at `hello`, so the parent must be in memory;
   * loaded for that alone, it unloads after the usual idle.
   */
  private async loadParentOf(roomId: string): Promise<void> {
    const parentId = parentOf(roomId);
    if (parentId === undefined) return;
    const wasLive = this.live.has(parentId);
    const parent = await this.load(parentId);
    if (!parent) throw new Refusal(ErrorCode.RoomNotFound, `no room ${roomId}`);
    // Loaded for a companion's sake: its own people get the session grace to come back. A session
    // already loaded keeps its own timing: it stays while anyone is in a companion.
    if (!wasLive && parent.room.size === 0) this.armGrace(parentId, parent);
  }

  /** The host ended the session `roomId` belongs to; what the server then forgets is the registry's. */
  protected sessionEnded(_roomId: string): void {}

  /** Companion rooms of `parentId` that are in memory. */
  protected companionsOf(parentId: string): LiveRoom[] {
    return [...this.live.entries()].filter(([id]) => parentOf(id) === parentId).map(([, entry]) => entry);
  }

  /**
   * The transport closed; unloads the room when it was the last connection. A session stays
   * loaded while anyone is in one of its companions (they are admitted through it); the last to
   * leave the companions lets it go.
   */
  detach(room: Room, id: number): void {
    room.disconnect(id);
    if (room.size > 0) return;
    this.emptied(room.id, room);
    const parentId = parentOf(room.id);
    const parent = parentId === undefined ? undefined : this.live.get(parentId);
    // A pending grace (a session nobody has joined yet) decides on its own when it runs out.
    if (parentId !== undefined && parent && parent.room.size === 0 && !parent.graceTimer)
      this.emptied(parentId, parent.room);
  }

  /** Unloads an empty room now, or after the idle time. */
  protected emptied(roomId: string, room: Room): void {
    const entry = this.live.get(roomId);
    if (this.options.roomIdleMs === 0 || !entry || entry.room !== room) void this.unload(roomId);
    else this.armGrace(roomId, entry, this.options.roomIdleMs);
  }

  /** Whether someone is connected to a companion of `parentId`. */
  private companionsInUse(parentId: string): boolean {
    return this.companionsOf(parentId).some((c) => c.room.size > 0);
  }

  /** Resolves once no room is loaded and no load or unload is in flight. */
  whenEmpty(): Promise<void> {
    if (this.live.size === 0 && this.transitions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  private notifyIfEmpty(): void {
    if (this.live.size > 0 || this.transitions.size > 0) return;
    const waiters = this.emptyWaiters;
    this.emptyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Refuses new sessions and connections from now on; rooms stay as they are until {@link close}. */
  stopAccepting(): void {
    this.closing = true;
  }

  /** Closes every room (clients are told to reconnect) and stores what is pending. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.transitions.size > 0) await Promise.allSettled([...this.transitions.values()]);
    await Promise.all(
      [...this.live.entries()].map(async ([id, entry]) => {
        this.disarmGrace(entry);
        await entry.room.close(ErrorCode.ServerShutdown);
        this.live.delete(id);
      }),
    );
    this.options.metrics.rooms.set(0);
  }

  /**
   * The room, loaded here; with `seed`, a room the store has no record of is first stored with
   * `seed`'s writes (within the same transition, so two creators cannot both write), and `created`
   * is called.
   */
  protected async load(
    roomId: string,
    seed?: () => RoomWrite[],
    created?: () => void,
  ): Promise<LiveRoom | undefined> {
    for (;;) {
      const existing = this.live.get(roomId);
      if (existing) return existing;
      const pending = this.transitions.get(roomId);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    // A newcomer that waited on an unload must not load the room again once shutdown has begun:
    // `close` may already have closed every room it knew of, and nobody would close this one.
    if (this.closing) throw new Refusal(ErrorCode.ServerShutdown, 'server is shutting down');
    const loading = (async () => {
      const owner = await this.options.claims?.claim(sessionOf(roomId));
      if (owner !== undefined) throw new RoomElsewhere(owner);
      let loaded = await this.loadClaimed(roomId);
      if (!loaded && seed) {
        await this.store.write(roomId, seed());
        loaded = await this.loadClaimed(roomId);
        created?.();
      }
      if (!loaded) return undefined;
      const room = this.observed(loaded);
      const entry: LiveRoom = { room, graceTimer: undefined, unjoined: false };
      this.live.set(roomId, entry);
      this.options.metrics.rooms.set(this.live.size);
      return entry;
    })();
    return this.track(roomId, loading);
  }

  /**
   * Loads a room whose session this node has claimed. The store refuses a claim below the
   * generation it holds: another server has claimed the session since, or Redis restarted empty
   * and its counter handed out a number already used. The session is then claimed again above the
   * stored generation (if this node's lease is still that claim, or nobody holds one) and loaded
   * once more, so rooms come back after such a restart; else the client is told to try again.
   */
  private async loadClaimed(roomId: string, again = true): Promise<Room | undefined> {
    try {
      return await Room.loadExisting(this.roomConfig(roomId));
    } catch (error) {
      if (!(error instanceof StaleOwnerError)) throw error;
      const claims = this.options.claims;
      // A room of the session still here under the refused claim must never write under a new one.
      if (again && claims && error.recorded !== undefined && !this.sessionInUseBesides(roomId)) {
        const owner = await claims.claimAbove(sessionOf(roomId), error.recorded);
        if (owner !== undefined) throw new RoomElsewhere(owner);
        return this.loadClaimed(roomId, false);
      }
      throw new Refusal(ErrorCode.ServerShutdown, ROOM_MOVED);
    }
  }

  /** Whether a room of `roomId`'s session other than it is loaded, or being loaded or unloaded. */
  private sessionInUseBesides(roomId: string): boolean {
    const session = sessionOf(roomId);
    return [...this.live.keys(), ...this.transitions.keys()].some(
      (id) => id !== roomId && sessionOf(id) === session,
    );
  }

  private async unload(roomId: string): Promise<void> {
    if (this.transitions.has(roomId)) await this.transitions.get(roomId)?.catch(() => undefined);
    const entry = this.live.get(roomId);
    if (!entry || entry.room.size > 0 || this.companionsInUse(roomId) || this.closing) return;
    const parentId = parentOf(roomId);
    // A companion of a session nobody has joined yet goes when its session does, and as it does.
    if (parentId !== undefined && this.live.get(parentId)?.unjoined) return;
    // Its companions are empty (checked above): they go with it, as their admission does. All
    // leave `live` at once, so nobody attaches to a companion whose session is on its way out. A
    // session nobody joined is of no use to anyone: it and its companions are deleted. (A
    // companion nobody has entered, of a session in use, is kept: it is the session's.)
    const forget = parentId === undefined && entry.unjoined;
    if (forget) this.options.logger.info({ roomId }, 'session nobody joined deleted');
    await Promise.all([
      this.closeRoom(roomId, entry, ErrorCode.RoomClosed, forget),
      ...this.companionsOf(roomId).map((c) => this.closeRoom(c.room.id, c, ErrorCode.RoomClosed, forget)),
    ]);
  }

  /**
   * Closes a loaded room (its connections are told `code`) and forgets it; with `deleteStored`, it
   * is deleted from the store too, within the same transition, so no load can come in between.
   */
  protected closeRoom(
    roomId: string,
    entry: LiveRoom,
    code: ErrorCode = ErrorCode.RoomClosed,
    deleteStored = false,
  ): Promise<void> {
    const closing = (async () => {
      // Remove first so no new connection attaches to a room being closed; a newcomer waits on
      // this transition and loads a fresh copy from the store afterwards.
      this.live.delete(roomId);
      this.options.metrics.rooms.set(this.live.size);
      this.disarmGrace(entry);
      await entry.room.close(code);
      if (deleteStored) await this.store.delete(roomId);
    })();
    return this.track(roomId, closing);
  }

  protected track<T>(roomId: string, work: Promise<T>): Promise<T> {
    const settled = work.finally(() => {
      if (this.transitions.get(roomId) === settled) this.transitions.delete(roomId);
      this.notifyIfEmpty();
    });
    this.transitions.set(roomId, settled);
    return settled;
  }

  /** Unloads the room after `ms` unless a connection arrives first. */
  protected armGrace(roomId: string, entry: LiveRoom, ms = this.options.sessionGraceMs): void {
    this.disarmGrace(entry);
    entry.graceTimer = this.options.clock.setTimeout(() => {
      entry.graceTimer = undefined;
      if (entry.room.size === 0) void this.unload(roomId);
    }, ms);
  }

  private disarmGrace(entry: LiveRoom): void {
    if (entry.graceTimer === undefined) return;
    this.options.clock.clearTimeout(entry.graceTimer);
    entry.graceTimer = undefined;
  }

  protected buildRoom(roomId: string, settings: ConstructorParameters<typeof Room>[0]['settings']): Room {
    return this.observed(new Room({ ...this.roomConfig(roomId), ...(settings ? { settings } : {}) }));
  }

  /** Every room reports its activity to metrics and the debug log. */
  private observed(room: Room): Room {
    room.onActivity((event) => {
      this.options.metrics.activity(event);
      this.options.onActivity?.(room.id, event);
      if (event.type === 'removed') {
        for (const companion of this.companionsOf(room.id))
          companion.room.expel(event.userId, ErrorCode.Removed);
      }
      if (event.type === 'session-ended') this.sessionEnded(room.id);
      if (event.type === 'access-level') {
        for (const companion of this.companionsOf(room.id)) companion.room.follow(event.userId, event.access);
      }
      if (event.type === 'store-failed') {
        if (event.error instanceof StaleOwnerError)
          this.options.logger.warn({ roomId: room.id }, 'another server has claimed the room; closed here');
        else
          this.options.logger.error({ roomId: room.id, err: event.error }, 'store write failed; room closed');
        // The room closed itself; the next connection must load a fresh copy from the store.
        if (this.live.get(room.id)?.room === room) {
          this.live.delete(room.id);
          this.options.metrics.rooms.set(this.live.size);
        }
      } else this.options.logger.debug({ roomId: room.id, ...event }, 'room activity');
    });
    return room;
  }

  /**
   * The clock a room's timers (cursor ticks, lock leases, hello and access timeouts) run on, with
   * each timer guarded: one that throws, a defect in that room, closes that room (its clients told
   * Internal: they reconnect, to a fresh copy from the store) rather than escaping to the event
   * loop and ending the process with every room in it.
   */
  private guardedClock(roomId: string): Clock {
    const clock = this.options.clock;
    return {
      now: () => clock.now(),
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          try {
            fn();
          } catch (error) {
            this.roomFailed(roomId, error);
          }
        }, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
  }

  private roomFailed(roomId: string, error: unknown): void {
    this.options.logger.error({ roomId, err: error }, 'a room timer failed; room closed');
    const entry = this.live.get(roomId);
    if (entry)
      this.closeRoom(roomId, entry, ErrorCode.Internal).catch((closeError: unknown) =>
        this.options.logger.error({ roomId, err: closeError }, 'closing a failed room failed too'),
      );
  }

  private roomConfig(roomId: string): ConstructorParameters<typeof Room>[0] {
    return {
      id: roomId,
      clock: this.guardedClock(roomId),
      random: secureRandom,
      store: this.store,
      limits: this.options.limits,
      documents: yjsDocuments,
      // In a cluster an owner that lost its lease may not know yet: its grants must be stored
      // (which the store refuses it) before anyone hears of them.
      announceLocksWhenStored: this.options.claims !== undefined,
      canJoin: (identity) => {
        const parentId = parentOf(roomId);
        // A companion's joins are not counted: the join to its session was.
        if (parentId === undefined)
          return this.joins.tryTake(identity.userId) ? undefined : ErrorCode.JoinRateLimited;
        const parent = this.live.get(parentId)?.room;
        return parent?.admitsWithoutWaiting(identity) ? undefined : ErrorCode.NotInSession;
      },
    };
  }
}
