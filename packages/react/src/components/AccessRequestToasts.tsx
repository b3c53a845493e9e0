'use client';

import type { CSSProperties, ReactNode } from 'react';
import { useState } from 'react';
import { useAccessRequests } from '../hooks/locks.js';
import { cx } from './util.js';

/** Props of {@link AccessRequestToasts}. */
export interface AccessRequestToastsProps {
  /** Accessible name of the list. Default "Access requests". */
  label?: string;
  /** How a resource is named to the person asked (e.g. a layer's name for its id). Default: the id. */
  resourceLabel?: (resource: string) => string;
  className?: string;
  style?: CSSProperties;
}

/**
 * Incoming requests for this user's locks, each with who asks, for what, their message, and
 * **Release** (hands the lock straight to them) and **Decline** buttons. A request leaves once the
 * room closes it (answered, timed out or cancelled). The list is a polite live region, so a new
 * request is announced. Renders an empty list when there are none.
 *
 * Class names: `tandem-access-requests` (the list), `tandem-access-request` (one, `data-resource`),
 * `tandem-access-request-message`, `tandem-access-release`, `tandem-access-decline`.
 *
 * @example
 * <div className="toasts"><AccessRequestToasts resourceLabel={(id) => layers[id]?.name ?? id} /></div>
 */
export function AccessRequestToasts({
  label = 'Access requests',
  resourceLabel = (resource) => resource,
  className,
  style,
}: AccessRequestToastsProps): ReactNode {
  const requests = useAccessRequests();
  const [answered, setAnswered] = useState<ReadonlySet<number>>(() => new Set());
  const answer = (requestId: number, act: () => void) => {
    act();
    setAnswered((prev) => new Set(prev).add(requestId));
  };
  return (
    <ul
      className={cx('tandem-access-requests', className)}
      aria-label={label}
      aria-live="polite"
      style={{ listStyle: 'none', margin: 0, padding: 0, ...style }}
    >
      {requests.map((r) => {
        const who = r.from?.name ?? 'Someone';
        const done = answered.has(r.requestId);
        const what = resourceLabel(r.resource);
        return (
          <li key={r.requestId} className="tandem-access-request" data-resource={r.resource}>
            <p>
              <strong>{who}</strong> asks for <code>{what}</code>
            </p>
            {r.message ? (
              <blockquote className="tandem-access-request-message">{r.message}</blockquote>
            ) : null}
            <button
              type="button"
              className="tandem-access-release"
              disabled={done}
              aria-label={`Release ${what} to ${who}`}
              onClick={() => answer(r.requestId, r.release)}
            >
              Release
            </button>{' '}
            <button
              type="button"
              className="tandem-access-decline"
              disabled={done}
              aria-label={`Decline ${who}'s request for ${what}`}
              onClick={() => answer(r.requestId, r.decline)}
            >
              Decline
            </button>
          </li>
        );
      })}
    </ul>
  );
}
