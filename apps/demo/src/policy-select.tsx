import { useClient } from '@tandem/react';
import { isEmailAddress } from '@tandem/room';
import { useState } from 'react';
import { Brand } from './brand.js';
import type { Identity } from './identity.js';
import { rememberCompanions } from './identity.js';
import { readJoinInput } from './join-code.js';
import type { AdmissionPolicy, Opening } from './opening.js';
import { PeerChannelPill } from './peer-status.js';

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

export function Landing({
  identity,
  notice,
  onOpen,
  onSignOut,
}: {
  identity: Identity;
  /** Why the last session ended, if it did. */
  notice?: string | undefined;
  onOpen: (opening: Opening) => void;
  onSignOut: () => void;
}) {
  const client = useClient();
  const [policy, setPolicy] = useState<AdmissionPolicy>('host-approval');
  const [code, setCode] = useState('');
  const [codeProblem, setCodeProblem] = useState('');
  const [sessionId, setSessionId] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setError('');
    setBusy(true);
    try {
      // The canvas session (sequenced operations) and two companion rooms whose admission follows
      // it: the notes (a Yjs CRDT) and the lesson card (one JSON object, last write wins).
      const canvas = await client.host({ policy, docMode: 'ops' });
      const [notes, lesson] = await Promise.all([
        client.host({ companionOf: canvas.roomId, docMode: 'yjs' }),
        client.host({ companionOf: canvas.roomId, docMode: 'lww' }),
      ]);
      rememberCompanions(canvas.joinCode, { notesRoomId: notes.roomId, lessonRoomId: lesson.roomId });
      onOpen({ kind: 'code', code: canvas.joinCode });
    } catch (e) {
      setError((e as Error).message.replace(/^could not start a session: /, 'Could not start a session: '));
      setBusy(false);
    }
  };

  return (
    <main className="centered">
      <div className="card landing">
        <div className="row spread">
          <Brand />
          <span className="muted">
            Signed in as <strong>{identity.name}</strong>{' '}
            <button type="button" className="link" onClick={onSignOut}>
              Sign out
            </button>
          </span>
        </div>
        {notice ? (
          <p className="landing-notice" role="status" data-testid="landing-notice">
            {notice}
          </p>
        ) : null}
        <h1>Start or join a session</h1>
        <section aria-labelledby="start-title" className="landing-block">
          <h2 id="start-title">Start a session</h2>
          <PolicySelect value={policy} onChange={setPolicy} canTrust={identity.email !== undefined} />
          <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
            {busy ? 'Starting…' : 'Start a session'}
          </button>
        </section>
        <form
          className="landing-block"
          aria-labelledby="join-title"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const read = readJoinInput(code);
            if ('problem' in read) setCodeProblem(read.problem);
            else onOpen(read.opening);
          }}
        >
          <h2 id="join-title">Join with a code</h2>
          <div className="row">
            <label className="field grow">
              <span>Session code</span>
              <input
                value={code}
                required
                placeholder="K7QX2M or the invite link"
                autoCapitalize="characters"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={codeProblem !== ''}
                aria-describedby={codeProblem ? 'join-code-problem' : undefined}
                onChange={(e) => {
                  setCode(e.target.value);
                  setCodeProblem('');
                }}
              />
            </label>
            <button type="submit">Join</button>
          </div>
          {codeProblem ? (
            <p id="join-code-problem" className="error small" role="alert">
              {codeProblem}
            </p>
          ) : null}
        </form>
        <section aria-labelledby="p2p-title" className="landing-block">
          <h2 id="p2p-title">Peer-to-peer session</h2>
          <PeerChannelPill
            state={{ status: 'idle' }}
            hint="No peer-to-peer session in this page"
            standalone
          />
          <p className="muted small">
            The canvas runs in the host's browser and edits go straight between browsers over WebRTC; the
            server only introduces you.
          </p>
          <button type="button" onClick={() => onOpen({ kind: 'p2p-host', policy })}>
            Start a peer-to-peer session
          </button>
          <form
            className="row"
            aria-label="Join a peer-to-peer session"
            onSubmit={(e) => {
              e.preventDefault();
              const id = sessionId.trim().toLowerCase();
              if (id) onOpen({ kind: 'p2p-guest', sessionId: id });
            }}
          >
            <label className="field grow">
              <span>Session ID</span>
              <input
                value={sessionId}
                required
                maxLength={20}
                placeholder="nss-ab12cd-3xy7"
                onChange={(e) => setSessionId(e.target.value)}
              />
            </label>
            <button type="submit">Join peer-to-peer</button>
          </form>
        </section>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    </main>
  );
}
