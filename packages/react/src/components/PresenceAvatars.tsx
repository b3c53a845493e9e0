'use client';

import type { Participant } from '@tandem/client';
import type { CSSProperties, ReactNode } from 'react';
import { useOthers, useSelf, useStatus } from '../hooks/connection.js';
import { cx, initials, visuallyHidden } from './util.js';

/** Props of {@link PresenceAvatars}. */
export interface PresenceAvatarsProps {
  /** Show this participant first, marked "(you)". Default true. */
  includeSelf?: boolean;
  /** Show at most this many, then "+N". Default: all. */
  max?: number;
  /** Accessible name of the list. Default "People in the room". */
  label?: string;
  /**
   * Said after the avatars while the connection is not live (they show who was there when it
   * dropped, not who is there now). Default "reconnecting…" ("disconnected" once it stopped).
   */
  staleLabel?: string;
  className?: string;
  style?: CSSProperties;
}

/**
 * Who is here: one round avatar per participant with their initials in their colour, their name
 * as tooltip (`title`) and for screen readers. A participant whose page is hidden is marked
 * `data-hidden` (dim it in CSS); a viewer, who sees and does not edit, `data-viewer` and "(viewer)".
 * While the connection is not live (reconnecting, or stopped) the list is dimmed, marked
 * `data-stale`, and says so (`staleLabel`): nobody's presence is known then.
 *
 * Class names: `tandem-avatars` (the list, `data-stale`), `tandem-avatar` (one person,
 * `data-self`, `data-hidden`, `data-viewer`), `tandem-avatars-more` (the "+N"),
 * `tandem-avatars-stale` (the "reconnecting…").
 *
 * @example
 * <header><PresenceAvatars max={5} /></header>
 */
export function PresenceAvatars({
  includeSelf = true,
  max,
  label = 'People in the room',
  staleLabel,
  className,
  style,
}: PresenceAvatarsProps): ReactNode {
  const self = useSelf();
  const others = useOthers();
  const { status } = useStatus();
  const people = includeSelf && self ? [self, ...others] : others;
  const shown = max === undefined ? people : people.slice(0, max);
  const more = people.length - shown.length;
  const stale = status !== 'connected' && people.length > 0;
  return (
    <ul
      className={cx('tandem-avatars', className)}
      aria-label={label}
      data-stale={stale || undefined}
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 4,
        listStyle: 'none',
        margin: 0,
        padding: 0,
        ...(stale ? { opacity: 0.45, filter: 'grayscale(0.6)' } : {}),
        ...style,
      }}
    >
      {shown.map((p) => (
        <li
          key={p.slot}
          className="tandem-avatar"
          title={`${p.name}${suffix(p)}`}
          data-self={p.isSelf || undefined}
          data-hidden={p.hidden || undefined}
          data-viewer={p.access === 'read' || undefined}
          style={{
            display: 'inline-flex',
            alignItems: 'center',
            justifyContent: 'center',
            width: 28,
            height: 28,
            borderRadius: '50%',
            background: p.color,
            color: '#fff',
            fontSize: 12,
            fontWeight: 600,
            opacity: p.hidden ? 0.5 : 1,
          }}
        >
          <span aria-hidden="true">{initials(p.name)}</span>
          <span style={visuallyHidden}>
            {p.name}
            {suffix(p)}
          </span>
        </li>
      ))}
      {more > 0 ? (
        <li className="tandem-avatars-more" title={`${more} more`}>
          +{more}
        </li>
      ) : null}
      {stale ? (
        <li className="tandem-avatars-stale" role="status" style={{ fontSize: 12 }}>
          {staleLabel ?? (status === 'disconnected' ? 'disconnected' : 'reconnecting…')}
        </li>
      ) : null}
    </ul>
  );
}

/** What follows a name: "(you)", "(viewer)", both, or nothing. */
function suffix(p: Participant): string {
  const marks = [p.isSelf ? 'you' : '', p.access === 'read' ? 'viewer' : ''].filter(Boolean);
  return marks.length > 0 ? ` (${marks.join(', ')})` : '';
}
