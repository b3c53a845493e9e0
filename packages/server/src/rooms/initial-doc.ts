import { type DocMode, ErrorCode } from '@tandem/protocol';
import type { RoomSettings, RoomWrite } from '@tandem/room';
import * as Y from 'yjs';
import { Refusal } from '../refusal.js';

/**
 * What a new app room is stored with before it first loads: its settings (open to whoever the app
 * lets in, no host, no join code) and the document the app starts it from, in its mode: the whole
 * `lww` bytes (version 1), an `ops` snapshot (at sequence 1, so a client holding nothing receives
 * it), or a Yjs update.
 *
 * @throws Refusal `DocTooLarge` past `maxDocBytes`, `BadMessage` for bytes that are not a Yjs update.
 */
export function newAppRoomWrites(
  docMode: DocMode,
  initial: Uint8Array | undefined,
  maxDocBytes: number,
): RoomWrite[] {
  const settings: RoomSettings = { policy: 'open', docMode, joinCode: '', hostUserId: '', trusted: [] };
  const writes: RoomWrite[] = [{ kind: 'settings', settings }];
  if (initial === undefined || initial.length === 0) return writes;
  if (initial.length > maxDocBytes)
    throw new Refusal(
      ErrorCode.DocTooLarge,
      `the initial document is ${initial.length} bytes; the most a room holds is ${maxDocBytes}`,
    );
  if (docMode === 'lww') writes.push({ kind: 'lww', version: 1, doc: initial });
  else if (docMode === 'ops') writes.push({ kind: 'ops-snapshot', seq: 1, base: initial });
  else {
    checkYjsUpdate(initial);
    writes.push({ kind: 'yjs-update', update: initial });
  }
  return writes;
}

/** A Yjs update the room could not load would break the room for everyone: refused up front. */
function checkYjsUpdate(update: Uint8Array): void {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
  } catch {
    throw new Refusal(ErrorCode.BadMessage, 'the initial document is not a Yjs update');
  } finally {
    doc.destroy();
  }
}
