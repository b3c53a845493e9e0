import { MemoryRoomStore } from '../src/index.js';
import { describeRoomStoreContract } from '../src/testing/index.js';

describeRoomStoreContract('MemoryRoomStore', async () => ({
  store: new MemoryRoomStore(),
  cleanup: async () => {},
}));
