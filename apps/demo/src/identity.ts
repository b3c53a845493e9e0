import type { CanvasMeta } from './canvas.js';

/** Who this tab is signed in as. Kept in sessionStorage so a reload keeps the same user (and its locks). */
export interface Identity {
  /** As the server verified it, never read from the token by the page. */
  name: string;
  token: string;
  /** ms since epoch; guest tokens are renewed shortly before. Absent: the token does not expire. */
  expiresAt?: number;
  kind: 'guest' | 'jwt';
  /** The verified email, which the trusted list admits by; guests have none. */
  email?: string;
}

const KEY = 'tandem-demo:identity';

export function loadIdentity(): Identity | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const id = JSON.parse(raw) as Identity;
    // A guest close to expiry is kept: it is refreshed (same user) before it connects.
    return id.expiresAt === undefined || id.expiresAt > Date.now() || id.kind === 'guest' ? id : undefined;
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
  if (identity.expiresAt !== undefined && identity.expiresAt <= Date.now()) return guestSignIn(identity.name);
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

/**
 * Signs in with a pasted JWT: the server verifies it (`GET /auth/me`: signature, issuer, audience,
 * expiry) and says whose it is. Nothing is read from the token here, so a forged one never shows
 * as signed in.
 */
export async function tokenSignIn(token: string): Promise<Identity> {
  if (token.split('.').length !== 3)
    throw new Error('That does not look like a JWT (header.payload.signature).');
  let res: Response;
  try {
    res = await fetch('/auth/me', { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new Error('The server could not be reached to check that token. Try again.');
  }
  const answer = (await res.json().catch(() => ({}))) as {
    name?: string;
    email?: string;
    expiresAt?: number | null;
    message?: string;
  };
  if (res.status === 401)
    throw new Error(`That token is not valid here: ${answer.message ?? 'it was refused'}.`);
  if (!res.ok || typeof answer.name !== 'string')
    throw new Error(`That token could not be checked: ${answer.message ?? res.status}.`);
  return {
    name: answer.name,
    token,
    kind: 'jwt',
    ...(typeof answer.expiresAt === 'number' ? { expiresAt: answer.expiresAt } : {}),
    ...(answer.email ? { email: answer.email } : {}),
  };
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
