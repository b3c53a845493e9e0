import { ErrorCode, type MessageOf, type ServerMessage } from '@tandem/protocol';
import type { DocumentContent, DocumentContext, ReplaceOutcome, RoomDocument, StoredDoc } from '@tandem/room';
import * as Y from 'yjs';

/** The room's view of a connection; `@tandem/room` exposes it only through the document seam. */
type Connection = Parameters<RoomDocument<'yjs'>['handle']>[0];

type YjsMessage = MessageOf<'yjs'>;

/** Tuning for {@link YjsDocument}. Every field is optional. */
export interface YjsDocumentOptions {
  /**
   * Compact the stored form (replace the stored updates with one merged state) once this many
   * updates have been stored since the last compaction. Default 500.
   */
  compactAfterUpdates?: number;
  /**
   * Compact once the updates stored since the last compaction exceed this many bytes.
   * Default: the room's `maxDocBytes`, so the stored form stays under about twice the cap.
   */
  compactAfterBytes?: number;
}

/** Default of {@link YjsDocumentOptions.compactAfterUpdates}. */
export const DEFAULT_COMPACT_AFTER_UPDATES = 500;

/**
 * How much an accepted update may grow the merged state, per byte of update, at most. Merging
 * can outgrow the update itself: every struct or delete range in it can split up to two existing
 * items, and each split piece is written with its own header and two ids. Measured adversarial
 * cases (single-character deletes across one long insert) reach about 14; a struct-by-struct
 * count bounds it near 17; 32 leaves a margin. Until the bytes accepted since the last exact
 * measurement, times this factor, could reach the cap, the size check costs nothing.
 */
const GROWTH_FACTOR = 32;

/**
 * A Yjs CRDT document held by the room. The room keeps a `Y.Doc`, merges every participant's
 * updates into it, stores each update as it is accepted (compacting now and then), and answers
 * state vectors with exactly the missing part. The handshake is described in the protocol's
 * "Yjs sync" section.
 *
 * `version` is always 0: a CRDT has no room-wide order to number, so `docAck`s carry 0 and a
 * reconnecting client's `since` is ignored; state vectors do that job.
 *
 * Safety rules:
 * - an update is checked against the per-message cap, then fully decoded, before it touches the
 *   document; garbage is refused with `BadMessage`;
 * - an update that decodes but fails while being applied, or that would take the merged state
 *   over `maxDocBytes`, is rolled back by rebuilding the document from what was accepted before
 *   it (the same updates the store holds), then refused;
 * - a stored update that cannot be applied makes the constructor throw, so a host never starts a
 *   room on an empty document and later overwrites what was stored.
 */
export class YjsDocument implements RoomDocument<'yjs'> {
  /** Always `yjs`. */
  readonly mode = 'yjs';
  private ydoc: Y.Doc;
  /**
   * The stored form as this room last wrote it: the state a compaction (or load) started from,
   * then each update accepted since. It is what a rollback rebuilds from.
   */
  private accepted: Uint8Array[];
  private updatesSinceCompaction: number;
  private bytesSinceCompaction: number;
  /** Exact `encodeStateAsUpdate` length at the last measurement. */
  private measured: number;
  /** Bytes of updates accepted since {@link measured} was taken. */
  private grownSinceMeasured = 0;
  /**
   * The whole document encoded, kept until it next changes: what every joiner that has nothing
   * (an empty state vector) is sent. Encoding a document of 100,000 edits takes milliseconds, and
   * joiners come in crowds (a class opening a lesson, every tab after a restart).
   */
  private fullState: Uint8Array | undefined;
  private readonly compactAfterUpdates: number;
  private readonly compactAfterBytes: number;

  /**
   * Builds the document from what the store holds (undefined for a new room).
   * @throws Error when a stored update cannot be applied; the stored state is left alone.
   */
  constructor(
    private readonly ctx: DocumentContext,
    stored: Extract<StoredDoc, { mode: 'yjs' }> | undefined,
    options: YjsDocumentOptions = {},
  ) {
    this.compactAfterUpdates = positive(
      options.compactAfterUpdates ?? DEFAULT_COMPACT_AFTER_UPDATES,
      'compactAfterUpdates',
    );
    this.compactAfterBytes = positive(
      options.compactAfterBytes ?? ctx.limits.maxDocBytes,
      'compactAfterBytes',
    );
    this.accepted = [...(stored?.updates ?? [])];
    this.ydoc = rebuild(this.accepted);
    // The first stored entry is the last compaction's state (or the very first update): the base.
    const sinceBase = this.accepted.slice(1);
    this.updatesSinceCompaction = sinceBase.length;
    this.bytesSinceCompaction = sinceBase.reduce((n, u) => n + u.length, 0);
    this.measured = Y.encodeStateAsUpdate(this.ydoc).length;
  }

  /** Always 0: Yjs documents are synced by state vector, not by version. */
  get version(): number {
    return 0;
  }

  /**
   * The room's `Y.Doc`, for placements that read or export the document. Do not edit it (edits
   * made here are neither stored nor broadcast) and do not keep it: a rollback replaces it.
   */
  get doc(): Y.Doc {
    return this.ydoc;
  }

  /** The room's state vector; the client answers with its own and with what the room lacks. */
  catchUp(_since: number): ServerMessage[] {
    return [{ type: 'yjs', step: 'state-vector', rid: 0, data: Y.encodeStateVector(this.ydoc) }];
  }

  /**
   * A `yjs` message from an admitted connection: a state vector is answered with a diff; an
   * update or diff is checked, merged, stored, relayed and acknowledged, or refused.
   */
  handle(sender: Connection, message: YjsMessage): void {
    const { maxDocBytes } = this.ctx.limits;
    if (message.data.length > maxDocBytes) {
      this.ctx.refuse(
        sender,
        ErrorCode.DocTooLarge,
        message.rid,
        `yjs ${message.step} of ${message.data.length} bytes is over the ${maxDocBytes}-byte cap`,
      );
      return;
    }
    if (message.step === 'state-vector') this.answer(sender, message);
    else this.update(sender, message);
  }

  /** Frees the `Y.Doc` when the room closes. */
  dispose(): void {
    this.ydoc.destroy();
  }

  /** Replies to a state vector with everything the sender lacks. */
  private answer(sender: Connection, { rid, data }: YjsMessage): void {
    let diff: Uint8Array;
    try {
      if (isEmptyStateVector(data)) {
        this.fullState ??= Y.encodeStateAsUpdate(this.ydoc);
        diff = this.fullState;
      } else {
        diff = Y.encodeStateAsUpdate(this.ydoc, data);
      }
    } catch (error) {
      this.ctx.refuse(sender, ErrorCode.BadMessage, rid, `malformed yjs state vector: ${reason(error)}`);
      return;
    }
    this.ctx.send(sender, { type: 'yjs', step: 'diff', rid, data: diff });
  }

  /** A client's update, or the diff it sent in answer to the room's state vector. */
  private update(sender: Connection, { rid, step, data }: YjsMessage): void {
    const outcome = this.merge(data, step, { conn: sender, rid });
    if (outcome === 'unchanged') {
      // Nothing new to store, but the write that brought this content may still be on its way:
      // the ack waits behind it, so it never claims more durability than there is.
      this.ctx.ackAfterWrites({ conn: sender, rid, version: 0 });
    } else if (outcome !== 'merged') this.ctx.refuse(sender, outcome.code, rid, outcome.message);
  }

  /** The whole document as one update. */
  read(): DocumentContent & { mode: 'yjs' } {
    this.fullState ??= Y.encodeStateAsUpdate(this.ydoc);
    return { mode: 'yjs', update: this.fullState };
  }

  /**
   * The host process's update, merged as a participant's would be (a CRDT has no "instead": to
   * remove content, the update must carry its deletion) and sent to every admitted connection.
   */
  replace(update: Uint8Array): ReplaceOutcome {
    const { maxDocBytes } = this.ctx.limits;
    if (update.length > maxDocBytes) {
      return {
        code: ErrorCode.DocTooLarge,
        message: `yjs update of ${update.length} bytes is over the ${maxDocBytes}-byte cap`,
      };
    }
    const outcome = this.merge(update, 'update', undefined);
    return typeof outcome === 'string' ? { version: 0 } : outcome;
  }

  /**
   * Checks, merges, stores and relays an update from `author` (undefined: the host process), who
   * is acknowledged once it is stored; or says why not, having changed nothing.
   */
  private merge(
    data: Uint8Array,
    step: string,
    author: { conn: Connection; rid: number } | undefined,
  ): 'merged' | 'unchanged' | { code: ErrorCode; message: string } {
    try {
      Y.decodeUpdate(data);
    } catch (error) {
      return { code: ErrorCode.BadMessage, message: `malformed yjs ${step}: ${reason(error)}` };
    }
    let changed: boolean;
    try {
      this.fullState = undefined;
      changed = applyAndDetectChange(this.ydoc, data, author?.conn);
    } catch (error) {
      // A half-integrated update can leave the document inconsistent; only a rebuild is safe.
      this.rollback();
      return { code: ErrorCode.BadMessage, message: `yjs ${step} cannot be applied: ${reason(error)}` };
    }
    if (!changed) return 'unchanged';
    if (!this.withinCap(data.length)) {
      this.rollback();
      return {
        code: ErrorCode.DocTooLarge,
        message: `the document would grow over the ${this.ctx.limits.maxDocBytes}-byte cap`,
      };
    }

    this.accepted.push(data);
    this.updatesSinceCompaction++;
    this.bytesSinceCompaction += data.length;
    const slot = author?.conn.seat.slot ?? 0;
    this.ctx.persist({ kind: 'yjs-update', update: data }, author && { ...author, version: 0 });
    this.ctx.broadcast({ type: 'yjs', step: 'update', rid: 0, data }, author?.conn);
    this.ctx.changed(0, slot);
    if (
      this.updatesSinceCompaction >= this.compactAfterUpdates ||
      this.bytesSinceCompaction > this.compactAfterBytes
    ) {
      this.compact();
    }
    return 'merged';
  }

  /**
   * Whether the document, with an update of `size` bytes just applied, is still within
   * `maxDocBytes`. Measures exactly only when {@link GROWTH_FACTOR} says the cap could have been
   * reached. A document already over the cap (say the cap was lowered) may still take edits
   * that do not grow it.
   */
  private withinCap(size: number): boolean {
    const cap = this.ctx.limits.maxDocBytes;
    const grown = this.grownSinceMeasured + size;
    if (this.measured + GROWTH_FACTOR * grown <= cap) {
      this.grownSinceMeasured = grown;
      return true;
    }
    const state = Y.encodeStateAsUpdate(this.ydoc);
    const exact = state.length;
    // With nothing accepted since the measurement, `measured` is the exact size before this update.
    const allowed = this.grownSinceMeasured === 0 ? Math.max(cap, this.measured) : cap;
    if (exact > allowed) return false;
    this.fullState = state;
    this.measured = exact;
    this.grownSinceMeasured = 0;
    return true;
  }

  /** Replaces the stored updates with one merged state, in the same batch as the last update. */
  private compact(): void {
    const state = Y.encodeStateAsUpdate(this.ydoc);
    this.ctx.persist({ kind: 'yjs-compact', state });
    this.accepted = [state];
    this.fullState = state;
    this.updatesSinceCompaction = 0;
    this.bytesSinceCompaction = 0;
    this.measured = state.length;
    this.grownSinceMeasured = 0;
  }

  /** Throws away the live document and rebuilds it from the accepted updates. */
  private rollback(): void {
    this.fullState = undefined;
    this.ydoc.destroy();
    this.ydoc = rebuild(this.accepted);
  }
}

/** The canonical encoding of a state vector naming no client: a peer that has nothing. */
function isEmptyStateVector(data: Uint8Array): boolean {
  return data.length === 1 && data[0] === 0;
}

/** A `Y.Doc` from updates in order; names the first that fails, so stored state is never replaced. */
function rebuild(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  updates.forEach((update, i) => {
    try {
      Y.applyUpdate(doc, update);
    } catch (error) {
      doc.destroy();
      throw new Error(
        `stored yjs update ${i + 1} of ${updates.length} (${update.length} bytes) cannot be applied: ${reason(error)}; refusing to load the document`,
      );
    }
  });
  return doc;
}

/**
 * Applies `update` and tells whether the document changed: new structs or deletions integrated,
 * or new bytes parked as pending (an update whose dependencies have not arrived). The test is
 * the one Yjs itself uses to decide whether a transaction emits an `update` event.
 */
function applyAndDetectChange(doc: Y.Doc, update: Uint8Array, origin: Connection | undefined): boolean {
  const pendingBefore = pendingOf(doc);
  let integrated = false;
  const watch = (tr: Y.Transaction): void => {
    if (tr.deleteSet.clients.size > 0) integrated = true;
    for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) integrated = true;
  };
  doc.on('afterTransaction', watch);
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    doc.off('afterTransaction', watch);
  }
  const pendingAfter = pendingOf(doc);
  return (
    integrated ||
    !sameBytes(pendingBefore.structs, pendingAfter.structs) ||
    !sameBytes(pendingBefore.ds, pendingAfter.ds)
  );
}

function pendingOf(doc: Y.Doc): { structs: Uint8Array | null; ds: Uint8Array | null } {
  return { structs: doc.store.pendingStructs?.update ?? null, ds: doc.store.pendingDs };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
