import * as Y from 'yjs';
import type { EditOutboxStore, StoredEdits, UnacknowledgedEdits } from './edit-outbox.js';

/**
 * Request ids a stored entry reserves above those its client had used when it was written: rids
 * spent after the last write (a lock, a chat) stay below what a page adopting the entry starts from.
 * The entry is written again well before the reserve runs out.
 */
export const RID_RESERVE = 1024;

/** What {@link KeptEdits} needs from its room connection. */
export interface KeptEditsIo {
  /** The document mirrors' unacknowledged edits, now. */
  unacknowledged(): UnacknowledgedEdits;
  /** Puts adopted edits back into the mirrors, ahead of any the connection made itself. */
  restore(edits: UnacknowledgedEdits): void;
  /** The connection's next request id. */
  nextRid(): number;
  note(message: string): void;
}

/**
 * One room connection's side of an {@link EditOutboxStore}: before the first `hello` it claims a
 * stored entry of the same room (or a key of its own), it adopts that entry's edits once the room
 * has said who the user is, and it keeps the store in step with what is unacknowledged, deleting
 * the entry once nothing is. Writes are queued one after another, each of the state at its turn,
 * so a burst of edits costs at most one write in flight and one waiting.
 */
export class KeptEdits {
  private release: (() => void) | undefined;
  /** A claimed entry, until the verified user says whether it is this user's. */
  private adopting: StoredEdits | undefined;
  private userId: string | undefined;
  private clientId = '';
  private ridCeiling = 0;
  private stored = false;
  private queued = false;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: EditOutboxStore,
    private readonly server: string,
    private readonly room: string,
    private readonly io: KeptEditsIo,
  ) {}

  /**
   * Before the first `hello`: claims the newest entry no other connection holds (its client id and
   * request ids are this connection's from now on: resends must carry them), else `fresh` as this
   * connection's own key. Resolves with the identity to connect under.
   */
  async prepare(fresh: string): Promise<{ clientId: string; nextRid?: number }> {
    try {
      const entries = await this.store.load(this.server, this.room);
      for (const entry of entries.sort((a, b) => b.savedAt - a.savedAt)) {
        const release = await this.store.claim(this.server, this.room, entry.clientId);
        if (!release) continue;
        if (!this.hold(release, entry.clientId)) break;
        this.adopting = entry;
        this.stored = true;
        this.ridCeiling = entry.nextRid;
        return { clientId: entry.clientId, nextRid: entry.nextRid };
      }
      return { clientId: await this.own(fresh) };
    } catch (error) {
      this.io.note(`unsent edits cannot be kept here: ${(error as Error).message}`);
      return { clientId: fresh };
    }
  }

  /**
   * The room told the connection its verified user. An adopted entry of that user goes back into
   * the mirrors; one of another user is left in the store for them, and the answer is true: the
   * connection must start again under a client id of its own.
   */
  welcomed(userId: string): boolean {
    this.userId = userId;
    const entry = this.adopting;
    this.adopting = undefined;
    if (entry && entry.userId !== userId) {
      this.io.note(`kept ${count(entry)} unsent before a reload by another user, for them`);
      const release = this.release;
      this.release = undefined;
      this.stored = false;
      // What this connection wrote into that entry before it knew its user goes back out.
      this.writes = this.writes.then(() => this.store.save(entry)).catch(this.failed);
      void this.writes.finally(() => release?.());
      return true;
    }
    if (entry) {
      this.io.restore(entry);
      this.io.note(`${count(entry)} unsent before a reload, sending again`);
    }
    this.changed();
    return false;
  }

  /** After {@link welcomed} answered true: holds `fresh` as this connection's own key. */
  async restart(fresh: string): Promise<string> {
    try {
      return await this.own(fresh);
    } catch (error) {
      this.failed(error);
      return fresh;
    }
  }

  /** The unacknowledged edits changed: the store follows. */
  changed(): void {
    if (!this.release || this.queued) return;
    this.queued = true;
    this.writes = this.writes
      .then(() => {
        this.queued = false;
        return this.write();
      })
      .catch(this.failed);
  }

  /** A request id was spent: the entry is written again before its reserve runs out. */
  ridUsed(rid: number): void {
    if (this.stored && rid >= this.ridCeiling - RID_RESERVE / 2) this.changed();
  }

  /** The connection is gone for good: its entry stays for the next one, its claim is let go. */
  close(): void {
    this.closed = true;
    const release = this.release;
    this.release = undefined;
    void this.writes.finally(() => release?.());
  }

  private async own(fresh: string): Promise<string> {
    const release = await this.store.claim(this.server, this.room, fresh);
    if (!release) this.io.note('unsent edits are kept in memory only here (no exclusive claims)');
    else this.hold(release, fresh);
    return fresh;
  }

  /** Takes a claim; false (and let go) when the connection closed while it was on its way. */
  private hold(release: () => void, clientId: string): boolean {
    if (this.closed) {
      release();
      return false;
    }
    this.release = release;
    this.clientId = clientId;
    return true;
  }

  private async write(): Promise<void> {
    if (!this.release) return;
    const own = this.io.unacknowledged();
    const edits = this.adopting ? merged(this.adopting, own) : own;
    // Before the room has named the user, only what belongs to an adopted entry's user is kept.
    const userId = this.adopting?.userId ?? this.userId;
    if (userId !== undefined && !isEmpty(edits)) {
      this.ridCeiling = this.io.nextRid() + RID_RESERVE;
      const { lww, ops, yjs } = edits;
      await this.store.save({
        server: this.server,
        room: this.room,
        clientId: this.clientId,
        userId,
        nextRid: this.ridCeiling,
        savedAt: Date.now(),
        ops,
        ...(lww ? { lww } : {}),
        ...(yjs ? { yjs } : {}),
      });
      this.stored = true;
    } else if (this.stored && isEmpty(edits)) {
      await this.store.delete(this.server, this.room, this.clientId);
      this.stored = false;
    }
  }

  private readonly failed = (error: unknown): void => {
    this.io.note(`could not keep unsent edits: ${(error as Error).message}`);
  };
}

/** An adopted entry's edits (older) with the connection's own (newer, superseding an lww write). */
function merged(older: UnacknowledgedEdits, newer: UnacknowledgedEdits): UnacknowledgedEdits {
  const lww = newer.lww ?? older.lww;
  const yjs = older.yjs && newer.yjs ? Y.mergeUpdates([older.yjs, newer.yjs]) : (newer.yjs ?? older.yjs);
  return { ops: [...older.ops, ...newer.ops], ...(lww ? { lww } : {}), ...(yjs ? { yjs } : {}) };
}

function isEmpty(edits: UnacknowledgedEdits): boolean {
  return !edits.lww && edits.ops.length === 0 && !edits.yjs;
}

function count(edits: UnacknowledgedEdits): string {
  const n = edits.ops.length + (edits.lww ? 1 : 0) + (edits.yjs ? 1 : 0);
  return n === 1 ? '1 edit' : `${n} edits`;
}
