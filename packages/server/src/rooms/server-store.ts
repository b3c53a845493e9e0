import type { RoomStore } from '@tandem/room';

/** What the server needs of a store beyond the room engine's {@link RoomStore}. */
export interface ServerStore extends RoomStore {
  /** The room a join code opens, matched case-insensitively. */
  roomIdForJoinCode(code: string): Promise<string | undefined>;
  /** Rooms whose host is `userId`. */
  hostedRooms(userId: string): Promise<string[]>;
  /**
   * Deletes up to `limit` rooms not written since `cutoff` (on the store's clock), oldest first,
   * skipping those `keep` claims; returns the ids deleted. Listing and deleting are one atomic step,
   * so a room written meanwhile is never deleted.
   */
  deleteUntouchedSince(cutoff: number, limit: number, keep: (roomId: string) => boolean): Promise<string[]>;
  close(): void;
}
