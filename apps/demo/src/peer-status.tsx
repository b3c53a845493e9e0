import { type PeerChannelState, peerChannelOf } from '@tandem/client';
import { useRoom } from '@tandem/react';
import { useSyncExternalStore } from 'react';

const IDLE: PeerChannelState = { status: 'idle' };

const LABELS: Readonly<Record<PeerChannelState['status'], string>> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  connected: 'Connected',
  failed: 'Failed',
};

/** Where this peer-to-peer room's DataChannel stands (the host's: any guest's), as it changes. */
export function usePeerChannel(): PeerChannelState {
  const channel = peerChannelOf(useRoom());
  return useSyncExternalStore(
    (onChange) => channel?.on(onChange) ?? (() => undefined),
    () => channel?.state ?? IDLE,
  );
}

/**
 * A peer-to-peer session's status pill: idle → connecting → connected, or failed with its reason
 * (also its tooltip). Styled as the connection pill, by `data-status`.
 */
export function PeerChannelPill({ state, hint }: { state: PeerChannelState; hint?: string }) {
  return (
    <span
      className="tandem-connection peer-channel"
      role="status"
      data-status={state.status}
      title={state.reason ?? hint}
    >
      {LABELS[state.status]}
      {state.status === 'failed' && state.reason ? `: ${state.reason}` : ''}
    </span>
  );
}
