/** One STUN or TURN server, as `RTCPeerConnection`'s `iceServers` takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

const ICE_URL = /^(stun|turns?):[^\s]+$/;

/**
 * The `iceServers` option: a comma-separated list of `stun:`/`turn:` URLs, or a JSON array of
 * `{ urls, username?, credential? }` (TURN servers need credentials). `none` (or empty): none, so
 * peers connect only where host candidates reach (one network). Throws a message saying what is wrong.
 */
export function parseIceServers(raw: string): IceServer[] {
  const text = raw.trim();
  if (text === '' || text === 'none') return [];
  const servers: unknown = text.startsWith('[')
    ? (() => {
        try {
          return JSON.parse(text);
        } catch {
          throw new Error('not valid JSON');
        }
      })()
    : text.split(',').map((urls) => ({ urls: urls.trim() }));
  if (!Array.isArray(servers)) throw new Error('expected an array of ICE servers');
  return servers.map((server, i) => {
    const s = server as Partial<IceServer> | null;
    const urls = typeof s?.urls === 'string' ? [s.urls] : s?.urls;
    if (
      !Array.isArray(urls) ||
      urls.length === 0 ||
      !urls.every((u) => typeof u === 'string' && ICE_URL.test(u))
    )
      throw new Error(`server ${i + 1}: urls must be stun:, turn: or turns: URLs`);
    for (const key of ['username', 'credential'] as const)
      if (s?.[key] !== undefined && typeof s[key] !== 'string')
        throw new Error(`server ${i + 1}: ${key} must be a string`);
    return {
      urls: s!.urls!,
      ...(s?.username !== undefined ? { username: s.username } : {}),
      ...(s?.credential !== undefined ? { credential: s.credential } : {}),
    };
  });
}
