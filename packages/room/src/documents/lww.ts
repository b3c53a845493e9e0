import type { MessageOf, ServerMessage } from '@tandem/protocol';
import type { Participant } from '../connection.js';
import type { StoredDoc } from '../storage.js';
import type { DocumentContent, ReplaceOutcome } from './content.js';
import { capRefusal, overDocCap } from './doc-cap.js';
import type { DocumentContext, RoomDocument } from './document.js';

/**
 * Whole-document last-write-wins. The room relays the bytes without parsing them and numbers each
 * accepted write; that order is the truth every participant converges to. A refused write (too
 * large, locked) leaves the document exactly as it was.
 */
export class LwwDocument implements RoomDocument<'lww'> {
  readonly mode = 'lww';
  private current: Uint8Array;
  private currentVersion: number;

  constructor(
    private readonly ctx: DocumentContext,
    stored: Extract<StoredDoc, { mode: 'lww' }> | undefined,
  ) {
    this.current = stored?.doc ?? new Uint8Array(0);
    this.currentVersion = stored?.version ?? 0;
  }

  get version(): number {
    return this.currentVersion;
  }

  /** The document's bytes; do not mutate. */
  get bytes(): Uint8Array {
    return this.current;
  }

  catchUp(since: number): ServerMessage[] {
    if (since > 0 && since === this.currentVersion) return [];
    return [{ type: 'lwwDoc', version: this.currentVersion, slot: 0, doc: this.current }];
  }

  handle(sender: Participant, { rid, resource, doc }: MessageOf<'lwwSet'>): void {
    if (overDocCap(this.ctx, sender, rid, 'document', doc)) return;
    if (!this.ctx.checkEdit(sender, resource, rid)) return;
    this.write(doc, { conn: sender, rid });
  }

  read(): DocumentContent & { mode: 'lww' } {
    return { mode: 'lww', version: this.currentVersion, doc: this.current };
  }

  replace(doc: Uint8Array): ReplaceOutcome {
    return capRefusal(this.ctx, 'document', doc) ?? { version: this.write(doc, undefined) };
  }

  /** Takes `doc` as the next version; its `author`, if any, is acknowledged and not sent it back. */
  private write(doc: Uint8Array, author: { conn: Participant; rid: number } | undefined): number {
    this.currentVersion = Math.max(this.currentVersion + 1, this.ctx.numberFloor + 1);
    this.current = doc;
    const version = this.currentVersion;
    const slot = author?.conn.seat.slot ?? 0;
    this.ctx.persist({ kind: 'lww', version, doc }, author && { ...author, version });
    this.ctx.broadcast({ type: 'lwwDoc', version, slot, doc }, author?.conn);
    this.ctx.changed(version, slot);
    return version;
  }
}
