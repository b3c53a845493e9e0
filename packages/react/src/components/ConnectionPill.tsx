'use client';

import type { ConnectionStatus } from '@tandem/client';
import type { CSSProperties, ReactNode } from 'react';
import { useStatus } from '../hooks/connection.js';
import { cx } from './util.js';

/** The default text of each status in {@link ConnectionPill}. */
export const CONNECTION_LABELS: Readonly<Record<ConnectionStatus, string>> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  waiting: 'Waiting for the host',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

/** Props of {@link ConnectionPill}. */
export interface ConnectionPillProps {
  /** Replaces some or all of {@link CONNECTION_LABELS}. */
  labels?: Partial<Record<ConnectionStatus, string>>;
  /** Add the error message to `reconnecting` and `disconnected` as a tooltip. Default true. */
  showError?: boolean;
  className?: string;
  style?: CSSProperties;
}

/**
 * The connection status as a short text in a `role="status"` element (announced politely when it
 * changes), with `data-status` for styling, e.g. `.tandem-connection[data-status="reconnecting"]`.
 *
 * Class name: `tandem-connection`.
 *
 * @example
 * <ConnectionPill labels={{ waiting: 'The host will let you in shortly' }} />
 */
export function ConnectionPill({
  labels,
  showError = true,
  className,
  style,
}: ConnectionPillProps): ReactNode {
  const { status, error } = useStatus();
  const text = labels?.[status] ?? CONNECTION_LABELS[status];
  return (
    <span
      className={cx('tandem-connection', className)}
      role="status"
      data-status={status}
      title={showError && error ? error.message : undefined}
      style={style}
    >
      {text}
    </span>
  );
}
