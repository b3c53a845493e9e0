import { YjsSyncClient } from '@tandem/yjs';
import * as Y from 'yjs';

/**
 * This client's Yjs changes the room has not acknowledged yet, so they can be kept across a page
 * load. Changes from the room (the sync client is their origin) are not ours to keep; everything
 * else applied to the document is. Yjs merges idempotently, so keeping a change the room already
 * has costs a few bytes, never a duplicate.
 */
export class YjsUnacked {
  private updates: Uint8Array[] = [];

  constructor(private readonly changed: () => void) {}

  /**
   * Starts recording `doc`'s local changes, while `keeps()`: a viewer's are never sent, so they
   * are not kept either.
   */
  watch(doc: Y.Doc, keeps: () => boolean = () => true): void {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin instanceof YjsSyncClient || origin === this || !keeps()) return;
      this.updates.push(update);
      this.changed();
    });
  }

  /**
   * Changes kept from before a reload go into `doc` and count as unacknowledged until the room has
   * taken them. Recorded here rather than from the document's `update` event: changes that build on
   * content this page has not received yet are held back by Yjs and announced only once they fit
   * (the handshake's diff carries them either way).
   */
  restore(doc: Y.Doc, update: Uint8Array): void {
    this.updates.push(update);
    Y.applyUpdate(doc, update, this);
    this.changed();
  }

  /** Every unacknowledged local change, merged; undefined when there is none. */
  get pending(): Uint8Array | undefined {
    if (this.updates.length === 0) return undefined;
    if (this.updates.length > 1) this.updates = [Y.mergeUpdates(this.updates)];
    return this.updates[0];
  }

  /** The room has acknowledged everything sent so far, which held every local change until now. */
  settled(): void {
    if (this.updates.length === 0) return;
    this.updates = [];
    this.changed();
  }
}
