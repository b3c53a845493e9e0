import type { RoomStore } from '@tandem/room';

/** What the server needs of a store beyond the room engine's {@link RoomStore}. */
export interface ServerStore extends RoomStore {
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
