import type * as Y from 'yjs';
import type { DocumentFactory, Room, RoomConfig } from '../../../room/src/index.js';
import { documentOf } from '../../../room/test/support/document.js';
import { type Harness, makeRoom } from '../../../room/test/support/harness.js';
import { createYjsDocuments, YjsDocument, type YjsDocumentOptions } from '../../src/index.js';

/** The yjs factory with test thresholds. */
export function yjsFactory(options: YjsDocumentOptions = {}): DocumentFactory {
  return createYjsDocuments(options);
}

/** An open yjs room on the harness, with a doc budget high enough for scripted bursts. */
export function yjsRoom(config: Partial<RoomConfig> = {}, options: YjsDocumentOptions = {}): Harness {
  return makeRoom({
    settings: { policy: 'open', docMode: 'yjs' },
    documents: yjsFactory(options),
    ...config,
    limits: { budgets: { doc: 1000 }, ...config.limits },
  });
}

/** The room's own `Y.Doc`. */
export function roomDoc(room: Room): Y.Doc {
  const doc: unknown = documentOf(room);
  if (!(doc instanceof YjsDocument)) throw new Error('not a yjs room');
  return doc.doc;
}
