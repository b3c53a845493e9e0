import type { MessageOf, ServerMessage } from '@tandem/protocol';
import type { Participant } from '../connection.js';
import type { StoredDoc } from '../storage.js';
import { overDocCap } from './doc-cap.js';
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
    this.currentVersion = Math.max(this.currentVersion + 1, this.ctx.numberFloor + 1);
    this.current = doc;
    const version = this.currentVersion;
    this.ctx.persist({ kind: 'lww', version, doc }, { conn: sender, rid, version });
    this.ctx.broadcast({ type: 'lwwDoc', version, slot: sender.seat.slot, doc }, sender);
    this.ctx.changed(version, sender.seat.slot);
  }
}
