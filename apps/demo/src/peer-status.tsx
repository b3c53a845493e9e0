import type { PeerChannelState } from '@tandem/client';

const LABELS: Readonly<Record<PeerChannelState['status'], string>> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  connected: 'Connected',
  failed: 'Failed',
};

/**
 * A peer-to-peer session's status pill: idle → connecting → connected, or failed with its reason
 * (also its tooltip; `hint` is the tooltip of `idle` without one). Styled as the connection pill,
 * by `data-status`.
 */
export function PeerChannelPill({
  state,
  hint,
  standalone = false,
}: {
  state: PeerChannelState;
  hint?: string;
  /** Outside a session (the solo canvas): not one of the session's connection pills. */
  standalone?: boolean;
}) {
  return (
    <span
      className={standalone ? 'peer-channel' : 'tandem-connection peer-channel'}
      role="status"
      data-status={state.status}
      title={state.reason ?? (state.status === 'idle' ? hint : undefined)}
    >
      {LABELS[state.status]}
      {state.status === 'failed' && state.reason ? `: ${state.reason}` : ''}
    </span>
  );
}
