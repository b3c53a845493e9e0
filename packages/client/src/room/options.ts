import type { DocMode } from '@tandem/protocol';
import type { Clock } from '@tandem/room';
import type { TokenSource } from '../auth.js';
import type { BackoffOptions } from '../connection/backoff.js';
import type { LivenessOptions } from '../connection/liveness.js';
import type { WebSocketConstructor, WebSocketLike } from '../connection/transport.js';
import type { EditOutboxStore } from '../offline/edit-outbox.js';

/**
 * Where to connect: a session's room id, a join code, or an app-named room (`room`, the name the
 * app chose), created in `mode` by a writer's first connection when it does not exist yet.
 */
export type RoomTarget = { roomId: string } | { code: string } | { room: string; mode?: DocMode };

/** The path of a target on the server, without its credential. */
export function targetPath(target: RoomTarget): string {
  if ('roomId' in target) return `/rooms/${encodeURIComponent(target.roomId)}`;
  if ('code' in target) return `/join/${encodeURIComponent(target.code)}`;
  return `/docs/${encodeURIComponent(target.room)}${target.mode ? `?mode=${target.mode}` : ''}`;
}

/** A target as kept edits are filed under it. */
export function targetKey(target: RoomTarget): string {
  if ('roomId' in target) return `room:${target.roomId}`;
  if ('code' in target) return `code:${target.code}`;
  return `doc:${target.room}`;
}

/** How a {@link RoomConnection} reaches its room and what it keeps; {@link TandemClient} fills it in. */
export interface RoomConnectionOptions {
  /** Base HTTP URL of the server, e.g. `http://localhost:4321`. */
  url: string;
  target: RoomTarget;
  tokens: TokenSource;
  WebSocket: WebSocketConstructor;
  /** Display-name hint, used only when the token carries no name. */
  name?: string;
  /**
   * This client's identity in the room across reconnects (`hello.clientId`): edits and chat
   * messages are remembered under it, so one resent after a lost ack is applied once. Default: a
   * fresh random id per connection object. Pass a stored one only together with the request ids
   * that go with it (an edit outbox kept across page loads).
   */
  clientId?: string;
  /**
   * Keeps this connection's unacknowledged edits across page loads, and adopts those a previous
   * page left for the same room (see {@link EditOutboxStore}). Default: edits live in memory only.
   */
  outbox?: EditOutboxStore;
  /** Local cursor sends per second; keep at or under the server's budget. Default 15. */
  cursorRate?: number;
  /**
   * Hide the cursor automatically when the page is hidden, and pause it while its window has lost
   * focus (browsers). Default true.
   */
  autoVisibility?: boolean;
  /** Reconnect backoff. */
  backoff?: BackoffOptions;
  /**
   * When to give up a silent connection and reconnect (see {@link LivenessOptions}); `false` turns
   * the watch off. Default: a ping after 10 s of quiet, given up 15 s after an unanswered ping.
   */
  liveness?: LivenessOptions | false;
  /** Time for the liveness watch, lock leases and access-request countdowns; tests pass a manual clock. Default the system's. */
  clock?: Clock;
  /** fetch, to ask the server about a join code it refused. Default `globalThis.fetch`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Offer an ops snapshot after this many operations. Default 500. */
  opsSnapshotEvery?: number;
  /**
   * Opens the connection's transport instead of a WebSocket to `url` (a peer-to-peer session's
   * DataChannel, or the host's loopback to the room in its own page). Called for every attempt.
   */
  connector?: (token: string) => WebSocketLike;
}
