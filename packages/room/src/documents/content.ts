import type { DocMode, ErrorCode } from '@tandem/protocol';
import type { StoredOp } from '../storage.js';

/**
 * A room's whole document as its host process reads it, in the room's mode:
 * - `lww`: the bytes at `version`;
 * - `ops`: the snapshot `base` at `baseSeq` and every operation sequenced after it, up to `seq`;
 * - `yjs`: the whole document as one Yjs update (`Y.encodeStateAsUpdate`).
 */
export type DocumentContent =
  | { mode: 'lww'; version: number; doc: Uint8Array }
  | { mode: 'ops'; seq: number; baseSeq: number; base: Uint8Array; ops: StoredOp[] }
  | { mode: 'yjs'; update: Uint8Array };

/** What a document mode answers when its host replaces the document: the new version, or why not. */
export type ReplaceOutcome = { version: number } | { code: ErrorCode; message: string };

/** The version a reader is told for `content`: lww's version, ops' sequence, 0 for Yjs. */
export function versionOf(content: DocumentContent): number {
  if (content.mode === 'lww') return content.version;
  return content.mode === 'ops' ? content.seq : 0;
}

/**
 * A replacement the room refused (too large, malformed, another mode): nothing changed.
 * `code` is the protocol's error code, as a participant's edit would have been told.
 */
export class DocumentRefused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The room's mode, for a refusal of another mode's document. */
    readonly mode?: DocMode,
  ) {
    super(message);
  }
}
