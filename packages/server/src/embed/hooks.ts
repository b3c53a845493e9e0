import type { IncomingMessage } from 'node:http';
import type { DocMode } from '@tandem/protocol';
import type { StoredDoc } from '@tandem/room';
import type { AuthorizeHook } from '../rooms/app-rooms.js';

/** Who a connection is, as an app's {@link TandemHooks.onAuthenticate} tells Tandem. */
export interface AppIdentity {
  /** Stable user id: host role, locks and admission are keyed on it. 1 to 255 characters. */
  readonly userId: string;
  /** Display name shown to others; may be empty. */
  readonly name: string;
  /** Verified email, matched against a session's trusted list. */
  readonly email?: string;
}

/** A participant who came into or left a room, for {@link TandemHooks.onJoin} and `onLeave`. */
export interface RoomParticipant {
  readonly userId: string;
  readonly name: string;
}

/** A room's document as stored after a change, for {@link TandemHooks.onChange}. */
export interface DocumentChange {
  readonly roomId: string;
  readonly docMode: DocMode;
  /**
   * The document exactly as the store holds it: `lww` its whole bytes and version, `ops` its base
   * snapshot and the operations since, `yjs` its updates (apply them all to a `Y.Doc`).
   */
  readonly doc: StoredDoc;
}

/**
 * What an app embedding Tandem is told, and what it may decide. Every hook may be async. A hook
 * that throws or rejects is logged and changes nothing else: the room and the process carry on
 * (`onAuthenticate` excepted: its throw refuses the token). In a cluster, room hooks run on the
 * node that owns the room at the time.
 */
export interface TandemHooks {
  /**
   * Turns a bearer token of the app's own format into an identity, in place of JWT verification:
   * it is asked for every token (`POST /tickets`, the API, a WebSocket carrying a token), before
   * any room is touched. Return `undefined` or throw to refuse (the client gets 401
   * Unauthorized); take longer than {@link hookTimeoutMs} and it gets 503 (try again).
   * Guest tokens are not issued or accepted while this hook is set.
   *
   * @param token - The token, without `Bearer `.
   * @param request - The HTTP request it came with (headers, remote address).
   */
  onAuthenticate?: (
    token: string,
    request: IncomingMessage,
  ) => AppIdentity | undefined | Promise<AppIdentity | undefined>;
  /**
   * Who may use an app-named room (`/docs/<name>`), asked when the user's token has no
   * `tandem.rooms` pattern matching the room: `'write'`, `'read'`, or undefined for no access.
   * This server's own guest tokens get into app rooms only through it. A throw, a rejection, an
   * answer that is none of those or one later than {@link hookTimeoutMs} refuses the connection
   * (`Internal`).
   */
  authorize?: AuthorizeHook;
  /**
   * Longest Tandem waits on a hook, milliseconds: `onAuthenticate` before answering 503,
   * `authorize` before refusing the connection, and `close()` for the `onChange` calls it makes
   * before the store closes. Default 5000.
   */
  hookTimeoutMs?: number;
  /** Someone was admitted to a room (let in at once, or by the host from the waiting room). */
  onJoin?: (roomId: string, participant: RoomParticipant) => void | Promise<void>;
  /** Someone who had been admitted left a room (closed, dropped, removed). */
  onLeave?: (roomId: string, participant: RoomParticipant) => void | Promise<void>;
  /**
   * A room's document changed and the change is stored. Debounced per room: called once edits
   * have paused for {@link changeDebounceMs}, with the document as stored then, so a burst of
   * typing is one call. Changes still waiting when the server closes are reported during `close()`.
   * Calls are not queued behind a slow one: for one room they may overlap, each with the document
   * as stored when it was made.
   */
  onChange?: (change: DocumentChange) => void | Promise<void>;
  /** Quiet time after a room's last stored change before `onChange`, milliseconds. Default 2000. */
  changeDebounceMs?: number;
}
