/**
 * Vitest suites a store of one's own runs to prove it can stand in for the built-in ones (the
 * `store` option of `TandemServer`): `describeRoomStoreContract` is what rooms need of any
 * `RoomStore`, `describeServerStoreContract` what the server needs beyond it (a `ServerStore`).
 * Imports `vitest`, so it is its own entry point, `@tandem/server/testing`.
 *
 * @example
 * describeRoomStoreContract('MyStore', async () => {
 *   const store = await MyStore.open();
 *   return { store, cleanup: () => store.close() };
 * });
 */
export { describeRoomStoreContract, type StoreFixture } from '@tandem/room/testing';
export {
  describeServerStoreContract,
  type ServerStoreFixture,
  type ServerStoreOpenOptions,
} from './server-store-contract.js';
