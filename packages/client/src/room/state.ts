import type { MessageOf } from '@tandem/protocol';
import type { Liveness } from '../connection/liveness.js';
import type { WebSocketLike } from '../connection/transport.js';
import type { TandemError } from '../errors.js';

/** What the room said this participant is (`welcome`): user, slot, role. */
export type Welcome = MessageOf<'welcome'>;

/**
 * One attempt's socket, and the fatal error the room sent on it: the close that follows is
 * reported with that error rather than with the bare close code.
 */
export interface Attempt {
  readonly socket: WebSocketLike;
  fatal?: TandemError;
  /** The watch that gives the socket up when the server goes silent (none when turned off). */
  liveness?: Liveness;
  /** Whether anything came from the server on this socket: a room answered, whatever it said. */
  answered?: boolean;
}

/**
 * Where a connection is; what exists only in some states lives only in them. `self` is the room's
 * last `welcome`: it outlives the socket it came on, so while reconnecting this user's own locks,
 * messages and roster entry stay its own until the next `welcome` replaces it.
 */
export type ConnectionState =
  /** `starting`: {@link RoomConnection.connect} was called; the first attempt is being prepared. */
  | { readonly status: 'idle'; readonly starting: boolean }
  /** The first attempt: a ticket is being fetched (no socket yet), or the socket awaits admission. */
  | { readonly status: 'connecting'; readonly attempt?: Attempt; readonly self?: Welcome }
  /** Seated and told to wait for the host. */
  | { readonly status: 'waiting'; readonly attempt: Attempt; readonly self: Welcome }
  /** Admitted: the only state in which the app's messages go out (`hello` went before). */
  | { readonly status: 'connected'; readonly attempt: Attempt; readonly self: Welcome }
  /** Dropped: a retry is scheduled (`retry`), or the retry's attempt is under way. */
  | {
      readonly status: 'reconnecting';
      readonly error?: TandemError;
      readonly retry?: ReturnType<typeof setTimeout>;
      readonly attempt?: Attempt;
      readonly self?: Welcome;
    }
  /** Stopped for good: left, or closed with a code retrying cannot fix (`error`). */
  | { readonly status: 'disconnected'; readonly error?: TandemError; readonly self?: Welcome };

/** The live socket of `state`, if it has one. */
export function socketOf(state: ConnectionState): WebSocketLike | undefined {
  return 'attempt' in state ? state.attempt?.socket : undefined;
}

/** The room's last word on who this participant is, in any state after the first `welcome`. */
export function selfOf(state: ConnectionState): Welcome | undefined {
  return 'self' in state ? state.self : undefined;
}
