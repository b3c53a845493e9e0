'use client';

import type { AccessRequest } from '@tandem/client';
import type { CSSProperties, ReactNode } from 'react';
import { useState } from 'react';
import { useEvent } from '../hooks/connection.js';
import { useAccessRequests, useSecondsLeft } from '../hooks/locks.js';
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
 * Incoming requests for this user's locks, each with who asks, for what, their message, the
 * seconds left before it times out, and **Release** (hands the lock straight to them) and
 * **Decline** buttons. A request leaves once the room closes it (answered, timed out or
 * cancelled); one that timed out unanswered stays as "You missed …'s request for …" until
 * dismissed. The list is a polite live region, so a new request is announced.
 *
 * Class names: `tandem-access-requests` (the list), `tandem-access-request` (one, `data-resource`),
 * `tandem-access-request-message`, `tandem-access-request-countdown`, `tandem-access-release`,
 * `tandem-access-decline`, `tandem-access-missed` (a missed one), `tandem-access-dismiss`.
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
  const [missed, setMissed] = useState<readonly AccessRequest[]>([]);
  useEvent('accessRequestMissed', (request) => setMissed((prev) => [...prev, request]));
  const answer = (requestId: number, act: () => void) => {
    act();
    setAnswered((prev) => new Set(prev).add(requestId));
  };
  const dismiss = (requestId: number) => setMissed((prev) => prev.filter((r) => r.requestId !== requestId));
  return (
    <ul
      className={cx('tandem-access-requests', className)}
      aria-label={label}
      aria-live="polite"
      style={{ listStyle: 'none', margin: 0, padding: 0, ...style }}
    >
      {requests.map((r) => (
        <Request
          key={r.requestId}
          request={r}
          what={resourceLabel(r.resource)}
          done={answered.has(r.requestId)}
          answer={(act) => answer(r.requestId, act)}
        />
      ))}
      {missed.map((r) => {
        const who = r.from?.name ?? 'someone';
        return (
          <li key={`missed-${r.requestId}`} className="tandem-access-missed" data-resource={r.resource}>
            <p>
              You missed <strong>{who}</strong>'s request for <code>{resourceLabel(r.resource)}</code>
            </p>
            <button type="button" className="tandem-access-dismiss" onClick={() => dismiss(r.requestId)}>
              Dismiss
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function Request({
  request: r,
  what,
  done,
  answer,
}: {
  request: AccessRequest;
  what: string;
  done: boolean;
  answer: (act: () => void) => void;
}): ReactNode {
  const who = r.from?.name ?? 'Someone';
  const left = useSecondsLeft(r.expiresAt);
  return (
    <li className="tandem-access-request" data-resource={r.resource}>
      <p>
        <strong>{who}</strong> asks for <code>{what}</code>
      </p>
      {r.message ? <blockquote className="tandem-access-request-message">{r.message}</blockquote> : null}
      {left === undefined ? null : (
        <small className="tandem-access-request-countdown" aria-live="off">
          {left} s left to answer
        </small>
      )}{' '}
      <button
        type="button"
        className="tandem-access-release"
        disabled={done}
        aria-label={`Release ${what} to ${who}`}
        onClick={() => answer(r.release)}
      >
        Release
      </button>{' '}
      <button
        type="button"
        className="tandem-access-decline"
        disabled={done}
        aria-label={`Decline ${who}'s request for ${what}`}
        onClick={() => answer(r.decline)}
      >
        Decline
      </button>
    </li>
  );
}
