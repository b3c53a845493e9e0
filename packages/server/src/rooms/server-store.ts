import type { RoomRecord, RoomStore, RoomWrite } from '@tandem/room';

/** A cluster owner's read or write refused: the room has been claimed under a later generation. */
export class StaleOwnerError extends Error {
  /**
   * @param recorded The generation the store holds for the room, which the refused one was below
   *   (a claim must be above it to be let in).
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
   * {@link RoomStore.load}; with `fence` (a cluster owner's claim generation), first records that
   * generation on the room, so writes under any earlier one are refused from then on. Rejects with
   * {@link StaleOwnerError} when a later generation has already been recorded.
   */
  load(roomId: string, fence?: number): Promise<RoomRecord | undefined>;
  /**
   * {@link RoomStore.write}; with `fence`, rejects with {@link StaleOwnerError} (storing nothing)
   * when the room has been loaded or written under a later generation. Stores without cluster
   * support ignore it: a cluster needs one that honours it.
   */
  write(roomId: string, writes: readonly RoomWrite[], fence?: number): Promise<void>;
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
