/**
 * How a client proves who it is. A string is a fixed token; a function is called before every
 * (re)connect, so it can return a fresh token; `{ guest }` signs in with the server's guest tokens
 * (the embedded default), reusing the token until shortly before it expires and then renewing it
 * for the same user (`POST /auth/guest/refresh`), so locks and the host role stay with it.
 */
export type AuthOption = string | (() => string | Promise<string>) | { guest: string };

/** Credentials for each connection attempt. */
export interface TokenSource {
  /** A token for HTTP requests' `Authorization` header. */
  token(): Promise<string>;
  /**
   * A single-use connection ticket for a fresh token (`POST /tickets`), for a WebSocket URL: the
   * token itself never goes in a URL, where proxies and access logs would keep it.
   */
  ticket(): Promise<string>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function tokenSource(auth: AuthOption, baseUrl: string, fetchImpl: Fetch): TokenSource {
  const token = tokens(auth, baseUrl, fetchImpl);
  return { token, ticket: async () => connectionTicket(baseUrl, await token(), fetchImpl) };
}

/**
 * Exchanges `token` for a single-use connection ticket (`?ticket=` on a WebSocket URL), valid for
 * a few seconds: the token travels only in a request header.
 *
 * @throws Error saying why when the server refuses (an invalid or expired token, too many tickets).
 */
export async function connectionTicket(baseUrl: string, token: string, fetchImpl: Fetch): Promise<string> {
  const res = await fetchImpl(`${baseUrl}/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json().catch(() => ({}))) as { ticket?: unknown; message?: string };
  if (!res.ok || typeof body.ticket !== 'string') {
    throw new Error(`no connection ticket: ${body.message ?? `the server answered ${res.status}`}`);
  }
  return body.ticket;
}

function tokens(auth: AuthOption, baseUrl: string, fetchImpl: Fetch): () => Promise<string> {
  if (typeof auth === 'string') return async () => auth;
  if (typeof auth === 'function') return async () => auth();
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && cached.expiresAt - Date.now() > 60_000) return cached.token;
    // Still valid: renewed as the same user. Expired (or never signed in): a new guest.
    const renew = cached && cached.expiresAt > Date.now();
    const res = await fetchImpl(`${baseUrl}/auth/guest${renew ? '/refresh' : ''}`, {
      method: 'POST',
      headers: renew ? { authorization: `Bearer ${cached?.token}` } : { 'content-type': 'application/json' },
      body: renew ? '{}' : JSON.stringify({ name: auth.guest }),
    });
    const body = (await res.json()) as { token?: string; expiresAt?: number; message?: string };
    if (!res.ok || !body.token) throw new Error(`guest sign-in failed: ${body.message ?? res.status}`);
    cached = { token: body.token, expiresAt: body.expiresAt ?? Date.now() + 3_600_000 };
    return body.token;
  };
}
