import { ErrorCode } from '@tandem/protocol';
import type { Participant } from '../connection.js';
import type { DocumentContext } from './document.js';

/**
 * Refuses a whole document (an lww write, an ops snapshot) over the room's `maxDocBytes` with
 * `DocTooLarge`, saying what and by how much; true when it did.
 */
export function overDocCap(
  ctx: DocumentContext,
  sender: Participant,
  rid: number,
  what: string,
  bytes: Uint8Array,
): boolean {
  const cap = ctx.limits.maxDocBytes;
  if (bytes.length <= cap) return false;
  ctx.refuse(
    sender,
    ErrorCode.DocTooLarge,
    rid,
    `${what} of ${bytes.length} bytes is over the ${cap}-byte cap`,
  );
  return true;
}
