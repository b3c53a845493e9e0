export { type AwarenessEntry, decodeAwarenessUpdate, encodeAwarenessUpdate } from './awareness-codec.js';
export { AWARENESS_SEND_INTERVAL_MS, AwarenessSync } from './awareness-sync.js';
export { YjsSyncClient } from './client-sync.js';
export { createYjsDocuments, yjsDocuments } from './factory.js';
export { DEFAULT_COMPACT_AFTER_UPDATES, YjsDocument, type YjsDocumentOptions } from './yjs-document.js';
