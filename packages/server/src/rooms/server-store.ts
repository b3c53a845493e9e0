import type { RoomRecord, RoomStore, RoomWrite } from '@tandem/room';

/**
 * A cluster owner's claim on a room's session, carried by every load and write it makes so the
 * store can refuse an owner that has been passed.
 */
export interface OwnerClaim {
  /** Taken from one counter: a later claim has a larger one. */
  readonly generation: number;
  /**
   * The node that made the claim. Redis restarted empty hands out generations again, so another
   * node's claim under the same number is a different claim, and the store refuses the second.
   */
  readonly node: string;
}

/**
 * A cluster owner's read or write refused: the room has been claimed under a later generation, or
 * under the same generation by another node.
 */
export class StaleOwnerError extends Error {
  /**
   * @param recorded The generation the store holds for the room, which the refused one was below
   *   or, from another node, equal to (a claim must be above it to be let in).
   */
  constructor(
    roomId: string,
    readonly recorded?: number,
  ) {
    super(`room ${roomId} has been claimed by another server since this one loaded it`);
  }
}

/** What the server needs of a store beyond the room engine's {@link RoomStore}. */
export interface ServerStore extends RoomStore {
  /**
   * {@link RoomStore.load}; with `claim` (a cluster owner's), first records that claim on the room,
   * so writes under any other one of its generation or below are refused from then on. Rejects with
   * {@link StaleOwnerError} when a later claim, or another node's of the same generation, has
   * already been recorded.
   */
  load(roomId: string, claim?: OwnerClaim): Promise<RoomRecord | undefined>;
  /**
   * {@link RoomStore.write}; with `claim`, rejects with {@link StaleOwnerError} (storing nothing)
   * when the room has been loaded or written under a later claim, or another node's of the same
   * generation. Stores without cluster support ignore it: a cluster needs one that honours it.
   */
  write(roomId: string, writes: readonly RoomWrite[], claim?: OwnerClaim): Promise<void>;
  /** The room a join code opens, matched case-insensitively. */
  roomIdForJoinCode(code: string): Promise<string | undefined>;
  /** Rooms whose host is `userId`. */
  hostedRooms(userId: string): Promise<string[]>;
  /** Up to `limit` rooms not written since `cutoff` (on the store's clock), oldest first. */
  listUntouchedSince(cutoff: number, limit: number): Promise<string[]>;
  /** Deletes the room unless it was written since `cutoff`; says whether it did. */
  deleteIfUntouchedSince(roomId: string, cutoff: number): Promise<boolean>;
  /** Stores what is queued and lets go of the database; later calls reject. */
  close(): void | Promise<void>;
}
