'use client';

import type { Participant } from '@tandem/client';
import type { CSSProperties, ReactNode } from 'react';
import { useOthers, useSelf } from '../hooks/connection.js';
import { cx, initials, visuallyHidden } from './util.js';

/** Props of {@link PresenceAvatars}. */
export interface PresenceAvatarsProps {
  /** Show this participant first, marked "(you)". Default true. */
  includeSelf?: boolean;
  /** Show at most this many, then "+N". Default: all. */
  max?: number;
  /** Accessible name of the list. Default "People in the room". */
  label?: string;
  className?: string;
  style?: CSSProperties;
}

/**
 * Who is here: one round avatar per participant with their initials in their colour, their name
 * as tooltip (`title`) and for screen readers. A participant whose page is hidden is marked
 * `data-hidden` (dim it in CSS); a viewer, who sees and does not edit, `data-viewer` and "(viewer)".
 *
 * Class names: `tandem-avatars` (the list), `tandem-avatar` (one person, `data-self`,
 * `data-hidden`, `data-viewer`), `tandem-avatars-more` (the "+N").
 *
 * @example
 * <header><PresenceAvatars max={5} /></header>
 */
export function PresenceAvatars({
  includeSelf = true,
  max,
  label = 'People in the room',
  className,
  style,
}: PresenceAvatarsProps): ReactNode {
  const self = useSelf();
  const others = useOthers();
  const people = includeSelf && self ? [self, ...others] : others;
  const shown = max === undefined ? people : people.slice(0, max);
  const more = people.length - shown.length;
  return (
    <ul
      className={cx('tandem-avatars', className)}
      aria-label={label}
      style={{ display: 'flex', gap: 4, listStyle: 'none', margin: 0, padding: 0, ...style }}
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
    </ul>
  );
}

/** What follows a name: "(you)", "(viewer)", both, or nothing. */
function suffix(p: Participant): string {
  const marks = [p.isSelf ? 'you' : '', p.access === 'read' ? 'viewer' : ''].filter(Boolean);
  return marks.length > 0 ? ` (${marks.join(', ')})` : '';
}
