'use client';

import { type PeerChannelState, peerChannelOf } from '@tandem/client';
import { type SliceSource, useRoomSlice } from '../store.js';

const IDLE: PeerChannelState = { status: 'idle' };

const peerChannelSource: SliceSource = (room, onChange) =>
  peerChannelOf(room)?.on(onChange) ?? (() => undefined);

/**
 * Where a peer-to-peer session's DataChannel stands, for its status pill: `idle`, `connecting`,
 * `connected`, or `failed` with a `reason` (see `PeerChannel` in `@tandem/client`). On the host,
 * any guest's channel; on a guest, its channel to the host. Always `idle` in a room on the server.
 *
 * @example
 * const { status, reason } = usePeerChannel();
 * return <span className="pill" data-status={status} title={reason}>{status}</span>;
 */
export function usePeerChannel(): PeerChannelState {
  return useRoomSlice(peerChannelSource, (room) => peerChannelOf(room)?.state ?? IDLE);
}
