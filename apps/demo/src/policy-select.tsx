import { isEmailAddress } from '@tandem/room';
import type { AdmissionPolicy } from './opening.js';

export const POLICY_LABELS: Record<AdmissionPolicy, string> = {
  'host-approval': 'Host approval: guests wait until you add them',
  open: 'Open: anyone with the code joins at once',
  trusted: 'Trusted: only people on your email list',
};

/**
 * The "who can join" select, used when starting a session and in the host's settings. `trusted`
 * is offered only to a host whose sign-in carries an email (`canTrust`).
 */
export function PolicySelect({
  value,
  onChange,
  canTrust,
}: {
  value: AdmissionPolicy;
  onChange: (p: AdmissionPolicy) => void;
  canTrust: boolean;
}) {
  return (
    <>
      <label className="field">
        <span>Who can join</span>
        <select value={value} onChange={(e) => onChange(e.target.value as AdmissionPolicy)}>
          {(Object.keys(POLICY_LABELS) as AdmissionPolicy[]).map((p) => (
            <option key={p} value={p} disabled={p === 'trusted' && !canTrust}>
              {POLICY_LABELS[p]}
              {p === 'trusted' && !canTrust ? ' (needs an email sign-in)' : ''}
            </option>
          ))}
        </select>
      </label>
      {canTrust ? null : (
        <p className="muted small" data-testid="trusted-unavailable">
          Trusted lets in only the emails on your list, and a sign-in with a display name carries no email:
          with one, nobody could join. Sign in with a token (JWT) that has your email to use it.
        </p>
      )}
    </>
  );
}

/** The entries of a typed trusted list (one per line, or separated by commas or spaces), sorted into emails and the rest. */
export function parseTrusted(text: string): { emails: string[]; invalid: string[] } {
  const entries = text
    .split(/[\s,;]+/)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return { emails: entries.filter(isEmailAddress), invalid: entries.filter((e) => !isEmailAddress(e)) };
}
