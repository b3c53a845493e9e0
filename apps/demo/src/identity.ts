import type { CanvasMeta } from './canvas.js';

/** Who this tab is signed in as. Kept in sessionStorage so a reload keeps the same user (and its locks). */
export interface Identity {
  name: string;
  token: string;
  /** ms since epoch; guest tokens are renewed shortly before. */
  expiresAt: number;
  kind: 'guest' | 'jwt';
}

const KEY = 'tandem-demo:identity';

export function loadIdentity(): Identity | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const id = JSON.parse(raw) as Identity;
    // A guest close to expiry is kept: it is refreshed (same user) before it connects.
    return id.expiresAt > Date.now() || id.kind === 'guest' ? id : undefined;
  } catch {
    return undefined;
  }
}

export function saveIdentity(identity: Identity | undefined): void {
  if (identity) sessionStorage.setItem(KEY, JSON.stringify(identity));
  else sessionStorage.removeItem(KEY);
}

/** Signs in with the server's guest tokens (`POST /auth/guest`). */
export function guestSignIn(name: string): Promise<Identity> {
  return guestToken('/auth/guest', name, { 'content-type': 'application/json' }, JSON.stringify({ name }));
}

/**
 * Renews a guest token that is still valid (`POST /auth/guest/refresh`): same user id, so the
 * guest keeps its locks, host role and admissions. Falls back to a new sign-in once it has expired.
 */
export function guestRefresh(identity: Identity): Promise<Identity> {
  if (identity.expiresAt <= Date.now()) return guestSignIn(identity.name);
  return guestToken(
    '/auth/guest/refresh',
    identity.name,
    { authorization: `Bearer ${identity.token}` },
    '{}',
  );
}

async function guestToken(
  path: string,
  name: string,
  headers: Record<string, string>,
  body: string,
): Promise<Identity> {
  const res = await fetch(path, { method: 'POST', headers, body });
  const answer = (await res.json().catch(() => ({}))) as {
    token?: string;
    name?: string;
    expiresAt?: number;
    message?: string;
  };
  if (!res.ok || !answer.token) {
    throw new Error(
      res.status === 404
        ? 'Guest sign-in is turned off on this server: paste a token instead.'
        : `Sign-in failed: ${answer.message ?? res.status}`,
    );
  }
  return {
    name: answer.name ?? name,
    token: answer.token,
    expiresAt: answer.expiresAt ?? Date.now() + 3_600_000,
    kind: 'guest',
  };
}

/** Reads the name and expiry of a pasted JWT (the server verifies it; this is only for display). */
export function jwtIdentity(token: string): Identity {
  const part = token.split('.')[1];
  if (!part) throw new Error('That does not look like a JWT (header.payload.signature).');
  let claims: {
    exp?: number;
    name?: string;
    email?: string;
    user_metadata?: { name?: string; full_name?: string };
  };
  try {
    claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw new Error('That token could not be read: paste the whole JWT.');
  }
  const name =
    claims.user_metadata?.name ??
    claims.user_metadata?.full_name ??
    claims.name ??
    claims.email?.split('@')[0] ??
    'Signed-in user';
  const expiresAt = (claims.exp ?? 0) * 1000;
  if (expiresAt <= Date.now()) throw new Error('That token has expired.');
  return { name, token, expiresAt, kind: 'jwt' };
}

/** The companion rooms the host created for a session, by join code, until they are published. */
export function rememberCompanions(code: string, rooms: CanvasMeta): void {
  sessionStorage.setItem(`tandem-demo:companions:${code.toUpperCase()}`, JSON.stringify(rooms));
}

export function rememberedCompanions(code: string): CanvasMeta | undefined {
  const raw = sessionStorage.getItem(`tandem-demo:companions:${code.toUpperCase()}`);
  return raw ? (JSON.parse(raw) as CanvasMeta) : undefined;
}

export function rememberSelection(code: string, layer: string | undefined): void {
  const key = `tandem-demo:selected:${code.toUpperCase()}`;
  if (layer) sessionStorage.setItem(key, layer);
  else sessionStorage.removeItem(key);
}

export function rememberedSelection(code: string): string | undefined {
  return sessionStorage.getItem(`tandem-demo:selected:${code.toUpperCase()}`) ?? undefined;
}

const HOSTED_P2P = 'tandem-demo:p2p-host';

/** The peer-to-peer session this tab hosts, so a reload hosts it again; undefined forgets it. */
export function rememberHostedPeerToPeer(sessionId: string | undefined): void {
  if (sessionId) sessionStorage.setItem(HOSTED_P2P, sessionId);
  else sessionStorage.removeItem(HOSTED_P2P);
}

export function rememberedHostedPeerToPeer(): string | undefined {
  return sessionStorage.getItem(HOSTED_P2P) ?? undefined;
}
