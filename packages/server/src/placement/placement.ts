import type { DocMode } from '@tandem/protocol';
import type { DocumentContent, Identity, RoomSocket } from '@tandem/room';
import type { TicketStore } from '../auth/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { CreatedSession, SessionRequest } from '../rooms/registry.js';
import type { Attachment } from './attachment.js';

/**
 * Where rooms and peer-to-peer sessions run, as the HTTP API and the WebSocket gate see it: on a
 * single server, here ({@link LocalPlacement}); in a cluster, on whichever server holds the
 * session's lease, connections and calls being carried there (`Cluster`). Every method that
 * refuses rejects with a `Refusal`.
 */
export interface Placement {
  /** This server's node id in its cluster, for logs; undefined on a single server. */
  readonly nodeId: string | undefined;
  /** Opens a connection's room, loading it if needed, wherever it runs. */
  openRoom(roomId: string, socket: RoomSocket, identity: Identity): Promise<Attachment>;
  /** Opens a connection to a peer-to-peer session's signaling, wherever its host is connected. */
  openSignaling(sessionId: string, socket: RoomSocket, identity: Identity): Promise<Attachment>;
  /** Creates a session hosted by `host` (a companion, where its session runs). */
  createSession(host: Identity, request: SessionRequest): Promise<CreatedSession>;
  /**
   * The room a join code opens, or undefined. Unknown codes are counted against `source` (the
   * caller's client address), whose lookups are refused once it has guessed too often.
   */
  findSession(code: string, source: string): Promise<string | undefined>;
  /** Creates a peer-to-peer session hosted by `host`, findable by its guests before its id is given out. */
  createSignaling(host: Identity): Promise<string>;
  /** Whether a peer-to-peer session exists (its host connected, or awaited), here or elsewhere. */
  signalingExists(sessionId: string): Promise<boolean>;
  /**
   * A room's document, wherever it runs: the live room's (current), else the stored one.
   * Undefined for a room that does not exist.
   */
  readDocument(roomId: string): Promise<DocumentContent | undefined>;
  /**
   * Replaces a room's document through the room, wherever it runs (loaded if need be); resolves
   * with the new version once it is durable. Refuses `RoomNotFound`, `WrongDocMode`, `DocTooLarge`
   * or `BadMessage` having changed nothing.
   */
  replaceDocument(roomId: string, mode: DocMode, doc: Uint8Array): Promise<number>;
  /** Deletes a room wherever it runs (connections closed with `RoomClosed`); false if there is none. */
  deleteRoom(roomId: string): Promise<boolean>;
  /** Where single-use connection tickets live: wherever a ticket may be redeemed. */
  ticketStore(ttlMs: number, perUser: number): TicketStore;
  /** Adds this placement's own gauges to `metrics`. */
  watch(metrics: Metrics): void;
  /** Gives up what this placement holds; called once the rooms here have closed. Idempotent. */
  close(): Promise<void>;
}
