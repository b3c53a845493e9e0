/**
 * How a client proves who it is. A string is a fixed token; a function is called before every
 * (re)connect, so it can return a fresh token; `{ guest }` signs in with the server's guest tokens
 * (the embedded default), reusing the token until shortly before it expires and then renewing it
 * for the same user (`POST /auth/guest/refresh`), so locks and the host role stay with it.
 */
export type AuthOption = string | (() => string | Promise<string>) | { guest: string };

/** Tokens for each connection attempt. */
export interface TokenSource {
  token(): Promise<string>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function tokenSource(auth: AuthOption, baseUrl: string, fetchImpl: Fetch): TokenSource {
  if (typeof auth === 'string') return { token: async () => auth };
  if (typeof auth === 'function') return { token: async () => auth() };
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    async token() {
      if (cached && cached.expiresAt - Date.now() > 60_000) return cached.token;
      // Still valid: renewed as the same user. Expired (or never signed in): a new guest.
      const renew = cached && cached.expiresAt > Date.now();
      const res = await fetchImpl(`${baseUrl}/auth/guest${renew ? '/refresh' : ''}`, {
        method: 'POST',
        headers: renew
          ? { authorization: `Bearer ${cached?.token}` }
          : { 'content-type': 'application/json' },
        body: renew ? '{}' : JSON.stringify({ name: auth.guest }),
      });
      const body = (await res.json()) as { token?: string; expiresAt?: number; message?: string };
      if (!res.ok || !body.token) throw new Error(`guest sign-in failed: ${body.message ?? res.status}`);
      cached = { token: body.token, expiresAt: body.expiresAt ?? Date.now() + 3_600_000 };
      return body.token;
    },
  };
}
