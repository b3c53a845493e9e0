import type { DocMode } from '@tandem/protocol';
import type { DocumentContent, StoredDoc } from '@tandem/room';
import * as Y from 'yjs';

/**
 * A stored room's document as a reader is given it, without loading the room (which would claim
 * an epoch, and in a cluster the session): what a live room's `readDocument` would say of it.
 */
export function storedContent(mode: DocMode, stored: StoredDoc | undefined): DocumentContent {
  switch (mode) {
    case 'lww':
      return stored?.mode === 'lww'
        ? { mode, version: stored.version, doc: stored.doc }
        : { mode, version: 0, doc: new Uint8Array(0) };
    case 'ops':
      return stored?.mode === 'ops'
        ? { mode, seq: stored.seq, baseSeq: stored.baseSeq, base: stored.base, ops: stored.ops }
        : { mode, seq: 0, baseSeq: 0, base: new Uint8Array(0), ops: [] };
    case 'yjs': {
      // One update equivalent to applying them all: what a live room encodes as its state.
      const updates = stored?.mode === 'yjs' ? stored.updates : [];
      return { mode, update: updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates) };
    }
    default:
      return mode satisfies never;
  }
}
