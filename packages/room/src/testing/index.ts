/**
 * The contract every `RoomStore` meets, as a Vitest suite: a store of one's own runs it to
 * prove it keeps rooms as the engine needs. Imports `vitest`, so it is its own entry point
 * (`@tandem/room/testing`), never part of the engine's.
 */
export { describeRoomStoreContract, type StoreFixture } from './store-contract.js';
