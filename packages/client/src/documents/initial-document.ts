import * as Y from 'yjs';
import { encodeJson } from './json.js';

/**
 * What a new session's document starts as, so collaboration starts from what the host is editing:
 * - bytes, sent as they are: whole `lww` bytes, an `ops` snapshot, or a Yjs update;
 * - `{ json }`: a value as UTF-8 JSON, the form `useLww` / `LwwMirror` read a document and an
 *   `OpsMirror` reads a snapshot (its reducer's state);
 * - a `Y.Doc`: its whole state, for a `yjs` room.
 * The server refuses one over its `maxDocBytes` (`DocTooLarge`), or a Yjs update it cannot apply.
 */
export type InitialDocument = Uint8Array | { json: unknown } | Y.Doc;

/** The bytes of an initial document, as base64, as `POST /sessions` takes them. */
export function initialDocumentBase64(doc: InitialDocument): string {
  const bytes =
    doc instanceof Uint8Array
      ? doc
      : doc instanceof Y.Doc
        ? Y.encodeStateAsUpdate(doc)
        : encodeJson(doc.json);
  return toBase64(bytes);
}

/** Base64 with what both browsers and Node have (`btoa`), a chunk at a time to spare the stack. */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
