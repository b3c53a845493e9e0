import WebSocket from 'ws';
import {
  type ClientOptions,
  createClient,
  type RoomConnection,
  type RoomEvents,
  type TandemClient,
} from '../../src/index.js';

/** A client on Node: `ws` as the WebSocket implementation. */
export function nodeClient(
  url: string,
  auth: ClientOptions['auth'],
  extra: Partial<ClientOptions> = {},
): TandemClient {
  return createClient({
    url,
    auth,
    WebSocket,
    backoff: { baseMs: 20, maxMs: 200 },
    ...extra,
  });
}

/**
 * Resolves once `check()` holds, re-checking whenever the room emits `event` (or any listed
 * event). Waits on events, never on time.
 */
export function until<K extends keyof RoomEvents>(
  room: RoomConnection,
  events: K | K[],
  check: () => boolean,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const offs = (Array.isArray(events) ? events : [events]).map((e) =>
      room.on(e, () => {
        if (!check()) return;
        for (const off of offs) off();
        resolve();
      }),
    );
  });
}

/** Resolves when the room reaches `status`. */
export function reach(room: RoomConnection, status: RoomConnection['status']): Promise<void> {
  return until(room, 'status', () => room.status === status);
}
