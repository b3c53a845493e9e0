type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Whether the server knows the join code `code`, asked over HTTP (`GET /sessions/<code>`): a
 * browser is never told why a WebSocket upgrade failed, so a refused upgrade is followed by this
 * question. `unknown` only on the server's own 404 (`RoomNotFound`); anything else (a 503 while it restarts, a
 * rate limit, no network) is `unsure`, and the connection keeps trying.
 */
export async function lookUpJoinCode(
  baseUrl: string,
  code: string,
  token: () => Promise<string>,
  fetchImpl: Fetch,
): Promise<'found' | 'unknown' | 'unsure'> {
  try {
    const res = await fetchImpl(`${baseUrl}/sessions/${encodeURIComponent(code)}`, {
      headers: { authorization: `Bearer ${await token()}` },
    });
    const body = (await res.json().catch(() => ({}))) as { error?: unknown };
    // The server's own answer, not a 404 of some proxy in front of it that does not route the API.
    if (res.status === 404 && body.error === 'RoomNotFound') return 'unknown';
    return res.ok ? 'found' : 'unsure';
  } catch {
    return 'unsure';
  }
}
