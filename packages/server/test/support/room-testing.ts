// The room package's test helpers that the server's store tests share: the contract every
// `RoomStore` meets, and the harness's peers. They are test code (they import vitest), so
// `@tandem/room` neither exports nor builds them; this is the one place the server's tests reach
// into the room package by path, and Vitest compiles them from source like everything else.
// The engine comes by path too, so the type checker sees the same `Room` class as the harness's
// `Peer`, not the one in `dist`.
export { EPOCH_SPAN, ManualClock, Room } from '../../../room/src/index.js';
export { describeRoomStoreContract } from '../../../room/src/testing/index.js';
export { bytes, Peer } from '../../../room/test/support/harness.js';
