import { createClient, type TandemClient } from '@tandem/client';
import { TandemProvider } from '@tandem/react';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Brand } from './brand.js';
import {
  guestRefresh,
  guestSignIn,
  type Identity,
  jwtIdentity,
  loadIdentity,
  saveIdentity,
} from './identity.js';
import { Landing } from './landing.js';
import { Session } from './session.js';
import './styles.css';

function codeFromUrl(): string | undefined {
  const code = new URLSearchParams(location.search).get('join')?.trim().toUpperCase();
  return code || undefined;
}

function setUrlCode(code: string | undefined): void {
  const url = new URL(location.href);
  if (code) url.searchParams.set('join', code);
  else url.searchParams.delete('join');
  history.pushState(null, '', url);
}

function clientFor(identity: Identity): TandemClient {
  let current = identity;
  return createClient({
    url: location.origin,
    auth: async () => {
      // Guest tokens are renewed for the same user before they expire, so locks and the host role stay.
      if (current.kind === 'guest' && current.expiresAt - Date.now() < 60_000) {
        current = await guestRefresh(current);
        saveIdentity(current);
      }
      return current.token;
    },
  });
}

function App() {
  const [identity, setIdentity] = useState<Identity | undefined>(loadIdentity);
  const [code, setCode] = useState<string | undefined>(codeFromUrl);
  const client = useMemo(() => (identity ? clientFor(identity) : undefined), [identity]);

  const go = (next: string | undefined) => {
    setUrlCode(next);
    setCode(next);
  };
  const signOut = () => {
    saveIdentity(undefined);
    setIdentity(undefined);
  };

  if (!identity || !client) {
    return (
      <SignIn
        joining={code}
        onSignedIn={(id) => {
          saveIdentity(id);
          setIdentity(id);
        }}
      />
    );
  }
  return (
    <TandemProvider client={client}>
      {code ? (
        <Session key={code} code={code} identity={identity} onLeave={() => go(undefined)} />
      ) : (
        <Landing identity={identity} onOpen={go} onSignOut={signOut} />
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
      onSignedIn(useToken ? jwtIdentity(token.trim()) : await guestSignIn(name.trim()));
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
          A collaborative canvas with lesson notes and chat. Sign in with a display name to start or join a
          session.
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
              maxLength={40}
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
