import { MemoryRoomStore } from '../src/index.js';
import { describeRoomStoreContract } from './support/store-contract.js';

describeRoomStoreContract('MemoryRoomStore', async () => ({
  store: new MemoryRoomStore(),
  cleanup: async () => {},
}));
