export { SqliteRoomStore, type SqliteRoomStoreOptions } from './store/sqlite-store.js';
