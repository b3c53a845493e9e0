import type { RoomStore } from '@tandem/room';

/** What the server needs of a store beyond the room engine's {@link RoomStore}. */
export interface ServerStore extends RoomStore {
  /** The room a join code opens, matched case-insensitively. */
  roomIdForJoinCode(code: string): Promise<string | undefined>;
  /** Rooms whose host is `userId`. */
  hostedRooms(userId: string): Promise<string[]>;
  close(): void;
}
