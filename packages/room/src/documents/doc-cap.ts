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
  const refusal = capRefusal(ctx, what, bytes);
  if (refusal) ctx.refuse(sender, refusal.code, rid, refusal.message);
  return refusal !== undefined;
}

/** `DocTooLarge` with what and by how much, for a whole document over `maxDocBytes`; else undefined. */
export function capRefusal(
  ctx: DocumentContext,
  what: string,
  bytes: Uint8Array,
): { code: ErrorCode; message: string } | undefined {
  const cap = ctx.limits.maxDocBytes;
  if (bytes.length <= cap) return undefined;
  return {
    code: ErrorCode.DocTooLarge,
    message: `${what} of ${bytes.length} bytes is over the ${cap}-byte cap`,
  };
}
