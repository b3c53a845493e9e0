'use client';

import type { CSSProperties, ReactNode } from 'react';
import { useAdmission } from '../hooks/admission.js';
import { cx } from './util.js';

/** Props of {@link WaitingRoomList}. */
export interface WaitingRoomListProps {
  /** Accessible name of the list. Default "Waiting to join". */
  label?: string;
  /** Shown when nobody waits; default "Nobody is waiting." Pass `null` to render nothing then. */
  empty?: ReactNode;
  className?: string;
  style?: CSSProperties;
}

/**
 * The host's waiting room: each guest waiting to join with their name and email, and **Add**,
 * **Viewer** (in, seeing everything and editing nothing) and **Decline** buttons. Renders nothing for anyone but the host. New arrivals are announced politely
 * to screen-reader users.
 *
 * Class names: `tandem-waiting` (the list), `tandem-waiting-guest` (one guest),
 * `tandem-waiting-name`, `tandem-waiting-email`, `tandem-waiting-add`, `tandem-waiting-add-viewer`,
 * `tandem-waiting-decline`,
 * `tandem-waiting-empty`.
 *
 * @example
 * <aside><WaitingRoomList /></aside>
 */
export function WaitingRoomList({
  label = 'Waiting to join',
  empty = 'Nobody is waiting.',
  className,
  style,
}: WaitingRoomListProps): ReactNode {
  const { isHost, waiting, admit, decline } = useAdmission();
  if (!isHost) return null;
  return (
    <section className={cx('tandem-waiting', className)} aria-label={label} aria-live="polite" style={style}>
      {waiting.length === 0 ? (
        empty === null ? null : (
          <p className="tandem-waiting-empty">{empty}</p>
        )
      ) : (
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {waiting.map((guest) => (
            <li key={guest.slot} className="tandem-waiting-guest" data-slot={guest.slot}>
              <span className="tandem-waiting-name" style={{ color: guest.color }}>
                {guest.name}
              </span>
              {guest.email ? <span className="tandem-waiting-email"> {guest.email}</span> : null}{' '}
              <button
                type="button"
                className="tandem-waiting-add"
                aria-label={`Add ${guest.name}`}
                onClick={() => admit(guest.slot)}
              >
                Add
              </button>{' '}
              <button
                type="button"
                className="tandem-waiting-add-viewer"
                aria-label={`Admit ${guest.name} as a viewer`}
                onClick={() => admit(guest.slot, { access: 'read' })}
              >
                Viewer
              </button>{' '}
              <button
                type="button"
                className="tandem-waiting-decline"
                aria-label={`Decline ${guest.name}`}
                onClick={() => decline(guest.slot)}
              >
                Decline
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
