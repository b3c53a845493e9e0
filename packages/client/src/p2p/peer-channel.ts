import type { RoomConnection } from '../room-connection.js';

/**
 * Where a peer-to-peer link stands, as a session's status pill shows it: `idle` (no peer: a host
 * waiting for a guest, or either side after Disconnect), `connecting` (a peer is being reached, or
 * reached again after a drop), `connected` (a DataChannel is open), `failed` (the last attempt
 * could not get through; `reason` says why).
 */
export type PeerChannelStatus = 'idle' | 'connecting' | 'connected' | 'failed';

/** A {@link PeerChannelStatus}, and why it changed when that is worth telling. */
export interface PeerChannelState {
  status: PeerChannelStatus;
  /** Why: always for `failed` ("no network path to the peer"), sometimes for `idle` ("the host disconnected"). */
  reason?: string;
}

/**
 * The DataChannel side of a peer-to-peer session, for the host (any guest connected) or a guest
 * (its channel to the host). Read `state`, and `on` to follow it.
 *
 * @example
 * const channel = session.channel; // or peerChannelOf(guestRoom)
 * const off = channel.on(({ status, reason }) => render(status, reason));
 */
export interface PeerChannel {
  readonly state: PeerChannelState;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  on(listener: (state: PeerChannelState) => void): () => void;
}

/** A {@link PeerChannel} whose owner sets its state. */
export class PeerChannelCell implements PeerChannel {
  private current: PeerChannelState = { status: 'idle' };
  private readonly listeners = new Set<(state: PeerChannelState) => void>();

  get state(): PeerChannelState {
    return this.current;
  }

  on(listener: (state: PeerChannelState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves to `status` (told only when it or its reason changes). */
  set(status: PeerChannelStatus, reason?: string): void {
    if (status === this.current.status && reason === this.current.reason) return;
    this.current = reason === undefined ? { status } : { status, reason };
    for (const listener of [...this.listeners]) listener(this.current);
  }
}

/** The peer channels of this client's peer-to-peer rooms, by their connection. */
const channels = new WeakMap<RoomConnection, PeerChannel>();

/** Records `channel` as the peer channel of `room`. */
export function attachPeerChannel(room: RoomConnection, channel: PeerChannel): void {
  channels.set(room, channel);
}

/**
 * The peer channel of a connection made by `hostPeerToPeer`, `resumePeerToPeer` (the host's `room`)
 * or `joinPeerToPeer`; undefined for a room on the server.
 *
 * @example
 * const room = client.joinPeerToPeer('nss-ab12cd-3xy7');
 * peerChannelOf(room)?.on(({ status }) => console.log(status)); // connecting, connected, …
 */
export function peerChannelOf(room: RoomConnection): PeerChannel | undefined {
  return channels.get(room);
}
