import { createClient, indexedDbOutbox, type TandemClient } from '@tandem/client';
import { TandemProvider } from '@tandem/react';
import { DEFAULT_LIMITS } from '@tandem/room';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Brand } from './brand.js';
import {
  guestRefresh,
  guestSignIn,
  type Identity,
  loadIdentity,
  rememberedHostedPeerToPeer,
  rememberHostedPeerToPeer,
  saveIdentity,
  tokenSignIn,
} from './identity.js';
import type { Opening } from './opening.js';
import { Session } from './session.js';
import { Solo } from './solo.js';
import './styles.css';

// The server's and the rooms' cap, in code points; an input counts UTF-16 units, which are never
// fewer, so a name typed here is never refused for its length.
const NAME_CHARS = DEFAULT_LIMITS.maxNameChars;

/**
 * What the address bar opens: `?join=<code>` or `?p2p=<session id>` (a guest's invite); else the
 * peer-to-peer session this tab was hosting before it reloaded.
 */
function openingFromUrl(): Opening | undefined {
  const params = new URLSearchParams(location.search);
  const code = params.get('join')?.trim().toUpperCase();
  if (code) return { kind: 'code', code };
  const sessionId = params.get('p2p')?.trim().toLowerCase();
  if (sessionId) return { kind: 'p2p-guest', sessionId };
  const hosted = rememberedHostedPeerToPeer();
  // The room's own settings come back with it; the policy here is not used.
  if (hosted) return { kind: 'p2p-host', policy: 'host-approval', resume: hosted };
  return undefined;
}

function setUrlOpening(opening: Opening | undefined): void {
  const url = new URL(location.href);
  url.searchParams.delete('join');
  url.searchParams.delete('p2p');
  if (opening?.kind === 'code') url.searchParams.set('join', opening.code);
  if (opening?.kind === 'p2p-guest') url.searchParams.set('p2p', opening.sessionId);
  history.pushState(null, '', url);
}

/**
 * `?liveness=<ms>` shortens how long a silent connection is trusted (a ping after that much quiet,
 * given up after as much again without an answer), to watch the status on a flaky network.
 */
function livenessFromUrl(): { pingAfterMs: number; timeoutMs: number } | undefined {
  const ms = Number(new URLSearchParams(location.search).get('liveness'));
  return Number.isFinite(ms) && ms > 0 ? { pingAfterMs: ms, timeoutMs: ms } : undefined;
}

function clientFor(identity: Identity): TandemClient {
  let current = identity;
  const liveness = livenessFromUrl();
  return createClient({
    url: location.origin,
    ...(liveness ? { liveness } : {}),
    // Edits not yet acknowledged outlive a reload or a tab closed while offline, and are sent once.
    outbox: indexedDbOutbox(),
    auth: async () => {
      // Guest tokens are renewed for the same user before they expire, so locks and the host role stay.
      if (current.kind === 'guest' && (current.expiresAt ?? Number.POSITIVE_INFINITY) - Date.now() < 60_000) {
        current = await guestRefresh(current);
        saveIdentity(current);
      }
      return current.token;
    },
  });
}

function App() {
  const [identity, setIdentity] = useState<Identity | undefined>(loadIdentity);
  const [opening, setOpening] = useState<Opening | undefined>(openingFromUrl);
  const client = useMemo(() => (identity ? clientFor(identity) : undefined), [identity]);
  // Why the last session ended, told on the solo canvas it returned to.
  const [notice, setNotice] = useState<string | undefined>();

  const go = (next: Opening | undefined, why?: string) => {
    setUrlOpening(next);
    setOpening(next);
    setNotice(why);
  };
  const signOut = () => {
    saveIdentity(undefined);
    rememberHostedPeerToPeer(undefined);
    setIdentity(undefined);
  };

  if (!identity || !client) {
    return (
      <SignIn
        joining={
          opening?.kind === 'code'
            ? opening.code
            : opening?.kind === 'p2p-guest'
              ? opening.sessionId
              : undefined
        }
        onSignedIn={(id) => {
          saveIdentity(id);
          setIdentity(id);
        }}
      />
    );
  }
  return (
    <TandemProvider client={client}>
      {opening ? (
        <Session opening={opening} identity={identity} onLeave={(why) => go(undefined, why)} />
      ) : (
        <Solo identity={identity} notice={notice} onOpen={go} onSignOut={signOut} />
      )}
    </TandemProvider>
  );
}

function SignIn({
  joining,
  onSignedIn,
}: {
  joining: string | undefined;
  onSignedIn: (id: Identity) => void;
}) {
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const [useToken, setUseToken] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError('');
    setBusy(true);
    try {
      onSignedIn(useToken ? await tokenSignIn(token.trim()) : await guestSignIn(name.trim()));
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  return (
    <main className="centered">
      <form className="card signin" onSubmit={submit} aria-labelledby="signin-title">
        <Brand />
        <h1 id="signin-title">{joining ? `Join session ${joining}` : 'Edit together, live'}</h1>
        <p className="muted">
          A canvas you edit on your own, then share: Collaborate starts a live session from it, with lesson
          notes and chat. Sign in with a display name to open it, or to join someone's session.
        </p>
        {useToken ? (
          <label className="field">
            <span>Access token (JWT)</span>
            <textarea
              value={token}
              rows={4}
              required
              placeholder="eyJhbGciOi…"
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
        ) : (
          <label className="field">
            <span>Display name</span>
            <input
              value={name}
              required
              maxLength={NAME_CHARS}
              autoComplete="nickname"
              placeholder="e.g. Ada"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
        )}
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Continue'}
        </button>
        <button type="button" className="link" onClick={() => setUseToken(!useToken)}>
          {useToken ? 'Use a display name instead' : 'I have a token (JWT)'}
        </button>
      </form>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
