/** An lww write the room has not acknowledged. */
export interface StoredLwwWrite {
  readonly doc: Uint8Array;
  readonly resource: string;
  readonly rid: number;
}

/** An op the room has not acknowledged: its envelope id, the app's op (JSON) and its identity. */
export interface StoredOp {
  readonly id: string;
  readonly op: unknown;
  readonly resource: string;
  readonly rid: number;
}

/** What a room connection has sent or made and the room has not acknowledged yet. */
export interface UnacknowledgedEdits {
  readonly lww?: StoredLwwWrite;
  /** In the order they were made (and their request ids grow in that order). */
  readonly ops: readonly StoredOp[];
  /** Local Yjs changes, merged into one update. */
  readonly yjs?: Uint8Array;
}

/**
 * One room connection's unacknowledged edits, as kept across page loads. Keyed by `server`, `room`
 * and `clientId`: the client id and request ids go with the edits, so a resend after a reload is
 * the same edit to the room (answered, never applied twice, if it had landed).
 */
export interface StoredEdits extends UnacknowledgedEdits {
  /** The server's base URL. */
  readonly server: string;
  /** The room target: `room:<id>` or `code:<join code>`. */
  readonly room: string;
  readonly clientId: string;
  /** The verified user who made the edits; only that user's connection adopts them. */
  readonly userId: string;
  /** Request ids from here on are unused by this client (a reserve above what it had used). */
  readonly nextRid: number;
  /** ms since epoch. */
  readonly savedAt: number;
}

/**
 * Where room connections keep their unacknowledged edits between page loads. Pass one to
 * `createClient({ outbox })`: {@link indexedDbOutbox} in browsers, {@link memoryOutbox} elsewhere.
 *
 * `claim` is what makes adoption safe: a connection holds the claim on its entry's key for its
 * whole life, so two connections (two tabs) never send the same client's edits under one
 * identity. A store that cannot give exclusive claims returns `undefined`, and nothing is kept.
 *
 * @example
 * const client = createClient({ url, auth, outbox: indexedDbOutbox() });
 */
export interface EditOutboxStore {
  /** Every entry of one room target on one server, whichever client made it. */
  load(server: string, room: string): Promise<StoredEdits[]>;
  /** Writes (or replaces) the entry of `edits.clientId`. */
  save(edits: StoredEdits): Promise<void>;
  delete(server: string, room: string, clientId: string): Promise<void>;
  /**
   * Holds the key of one entry exclusively until the returned function is called; undefined when
   * another holder has it, or when this store cannot hold keys exclusively.
   */
  claim(server: string, room: string, clientId: string): Promise<(() => void) | undefined>;
}

/** The name a claim on one entry is held under (a Web Lock's name in browsers). */
export function claimName(server: string, room: string, clientId: string): string {
  return `tandem-edit-outbox ${server} ${room} ${clientId}`;
}
