'use client';

import type { AccessOutcome } from '@tandem/client';
import type { CSSProperties, FormEvent, KeyboardEvent, ReactNode } from 'react';
import { useEffect, useId, useRef, useState } from 'react';
import { useLock, useOwnAccessRequest, useSecondsLeft } from '../hooks/locks.js';
import { cx } from './util.js';

/** Props of {@link RequestAccessDialog}. */
export interface RequestAccessDialogProps {
  /** The locked resource to ask for. */
  resource: string;
  /** Called by the Close button and the Escape key. */
  onClose: () => void;
  /** What to call the resource in the text. Default: the resource id. */
  resourceLabel?: string;
  /** Longest message accepted. Default 280 (the server's default `maxAccessMessageChars`). */
  maxLength?: number;
  /** Called once the request has ended, with how. */
  onOutcome?: (outcome: AccessOutcome) => void;
  /**
   * Close (call `onClose`) once the lock is this user's, granted or otherwise: there is nothing
   * left to ask. Default true; with false the dialog stays and says access was granted.
   */
  closeOnGrant?: boolean;
  className?: string;
  style?: CSSProperties;
}

type Phase =
  | { kind: 'editing' }
  | { kind: 'pending' }
  | { kind: 'done'; outcome: AccessOutcome }
  | { kind: 'failed'; message: string };

/** The default text of each outcome in {@link RequestAccessDialog}. */
export const ACCESS_OUTCOME_TEXT: Readonly<Record<AccessOutcome, string>> = {
  granted: 'Access granted: it is yours now.',
  declined: 'Your request was declined. You can ask again later.',
  timeout: 'No answer in time: the request lapsed. You can ask again.',
  cancelled: 'The request was cancelled.',
};

/**
 * Asks the holder of a locked resource for it: a message field and a Send button, then the
 * outcome — waiting (with the seconds left before the request times out), declined or timed out —
 * in a polite live region. Once the lock is this user's (granted, or free and selected) it closes
 * itself (see `closeOnGrant`). A non-modal `role="dialog"`; the message field takes focus when it
 * opens, Escape closes it.
 *
 * Class names: `tandem-request-access`, `tandem-request-access-title`,
 * `tandem-request-access-outcome` (`data-outcome`: `pending`, `granted`, `declined`, `timeout`,
 * `cancelled`, `error`), `tandem-request-access-countdown`.
 *
 * @example
 * const { state } = useLock('slide-3');
 * const [asking, setAsking] = useState(false);
 * {state.readOnly && <button type="button" onClick={() => setAsking(true)}>Ask for access</button>}
 * {asking && <RequestAccessDialog resource="slide-3" resourceLabel="slide 3" onClose={() => setAsking(false)} />}
 */
export function RequestAccessDialog({
  resource,
  onClose,
  resourceLabel = resource,
  maxLength = 280,
  onOutcome,
  closeOnGrant = true,
  className,
  style,
}: RequestAccessDialogProps): ReactNode {
  const { state, requestAccess } = useLock(resource);
  const own = useOwnAccessRequest(resource);
  const left = useSecondsLeft(own?.expiresAt);
  const [message, setMessage] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  const id = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  const mounted = useRef(true);
  const onOutcomeRef = useRef(onOutcome);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onOutcomeRef.current = onOutcome;
    onCloseRef.current = onClose;
  });
  const mine = state.kind === 'mine';
  useEffect(() => {
    if (mine && closeOnGrant) onCloseRef.current();
  }, [mine, closeOnGrant]);

  useEffect(() => {
    mounted.current = true;
    field.current?.focus();
    return () => {
      mounted.current = false;
    };
  }, []);

  const holder = state.kind === 'held' ? (state.holder?.name ?? 'the holder') : 'the holder';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (phase.kind === 'pending') return;
    setPhase({ kind: 'pending' });
    requestAccess(message.trim()).then(
      (outcome) => {
        if (mounted.current) setPhase({ kind: 'done', outcome });
        onOutcomeRef.current?.(outcome);
      },
      (error: unknown) => {
        if (mounted.current)
          setPhase({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onClose();
  };

  const outcomeText =
    phase.kind === 'pending'
      ? `Waiting for ${holder} to answer…`
      : phase.kind === 'done'
        ? ACCESS_OUTCOME_TEXT[phase.outcome]
        : phase.kind === 'failed'
          ? `Could not send the request: ${phase.message}`
          : '';
  const dataOutcome =
    phase.kind === 'pending'
      ? 'pending'
      : phase.kind === 'done'
        ? phase.outcome
        : phase.kind === 'failed'
          ? 'error'
          : undefined;

  return (
    <div
      className={cx('tandem-request-access', className)}
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${id}-title`}
      onKeyDown={onKeyDown}
      style={style}
    >
      <p id={`${id}-title`} className="tandem-request-access-title">
        Ask {holder} for {resourceLabel}
      </p>
      <form onSubmit={submit}>
        <label htmlFor={`${id}-message`}>Message</label>
        <textarea
          id={`${id}-message`}
          ref={field}
          value={message}
          maxLength={maxLength}
          rows={3}
          disabled={phase.kind === 'pending'}
          onChange={(e) => setMessage(e.target.value)}
        />
        <button
          type="submit"
          disabled={phase.kind === 'pending' || (phase.kind === 'done' && phase.outcome === 'granted')}
        >
          Send request
        </button>{' '}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </form>
      <p className="tandem-request-access-outcome" role="status" data-outcome={dataOutcome}>
        {outcomeText}
      </p>
      {phase.kind === 'pending' && left !== undefined ? (
        <p className="tandem-request-access-countdown" aria-live="off">
          {left} s left for an answer
        </p>
      ) : null}
    </div>
  );
}
