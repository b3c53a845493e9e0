export { APP_ROOM_NAME, type AuthorizeHook } from './rooms/app-rooms.js';
export { type OwnerClaim, type ServerStore, StaleOwnerError } from './rooms/server-store.js';
export { PostgresRoomStore, type PostgresRoomStoreOptions } from './store/postgres-store.js';
export { SqliteRoomStore, type SqliteRoomStoreOptions } from './store/sqlite-store.js';
export { SqliteWorkerStore, type SqliteWorkerStoreOptions } from './store/sqlite-worker-store.js';
