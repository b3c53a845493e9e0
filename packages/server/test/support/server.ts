import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TandemServer, type TandemServerConfig } from '../../src/server.js';
import { TestClient } from './client.js';

/** Starts a server on 127.0.0.1, port 0, silent, with the given overrides. */
export function startServer(config: TandemServerConfig = {}): Promise<TandemServer> {
  // Rooms unload as soon as they empty (roomIdleSeconds 0) unless a test says otherwise, so tests that wait
  // for unloads spend no idle time. Every test client comes from 127.0.0.1, as if behind one NAT:
  // the per-address allowances are as large as allowed unless a test sets them.
  return TandemServer.start({
    port: 0,
    host: '127.0.0.1',
    data: ':memory:',
    roomIdleSeconds: 0,
    guestsPerMinute: 100_000,
    sessionsPerMinute: 100_000,
    logger: pino({ level: 'silent' }),
    // Tests have no internet: no STUN server, peers connect over their local addresses.
    iceServers: 'none',
    ...config,
  });
}

/** A fresh temporary data directory and its cleanup. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Anything with the server's base URLs: an in-process server or a spawned one. */
export interface Endpoint {
  url: string;
  wsUrl: string;
}

export async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A guest token from the server's own issuer. */
export async function guestToken(server: Endpoint, name: string): Promise<{ token: string; userId: string }> {
  const res = await postJson(`${server.url}/auth/guest`, { name });
  if (res.status !== 201) throw new Error(`guest login failed: ${JSON.stringify(res.body)}`);
  return { token: res.body.token as string, userId: res.body.userId as string };
}

export interface Session {
  roomId: string;
  joinCode: string;
  inviteUrl: string;
}

export async function createSession(
  server: Endpoint,
  token: string,
  body: Record<string, unknown> = {},
): Promise<Session> {
  const res = await postJson(`${server.url}/sessions`, body, token);
  if (res.status !== 201) throw new Error(`create session failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown as Session;
}

export function roomUrl(server: Endpoint, roomId: string, token: string): string {
  return `${server.wsUrl}/rooms/${roomId}?token=${encodeURIComponent(token)}`;
}

/** A new guest named `name`, connected to `roomId` and admitted (the room must admit them). */
export async function joinAs(server: Endpoint, roomId: string, name: string): Promise<TestClient> {
  const { token } = await guestToken(server, name);
  return (await TestClient.join(roomUrl(server, roomId, token))).admitted();
}

/** Host with a guest token, a session, and the host connected and admitted. */
export async function hostSession(
  server: Endpoint,
  body: Record<string, unknown> = {},
  name = 'Host',
): Promise<{ host: TestClient; token: string; userId: string; session: Session }> {
  const { token, userId } = await guestToken(server, name);
  const session = await createSession(server, token, body);
  const host = await (await TestClient.join(roomUrl(server, session.roomId, token))).admitted();
  return { host, token, userId, session };
}
