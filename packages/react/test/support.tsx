import {
  type ClientOptions,
  createClient,
  type HostOptions,
  type RoomConnection,
  type RoomTarget,
  type TandemClient,
  type WebSocketConstructor,
} from '@tandem/client';
import { cleanup, type RenderResult, render, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer, TandemServerConfig } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import { ConnectionPill, RoomProvider, TandemProvider, useRoom } from '../src/index.js';

// Node's fetch: vitest's jsdom environment leaves it in place (jsdom has none of its own).
const nodeFetch = globalThis.fetch;
// Node's `ws`, never jsdom's WebSocket. The cast: `ws`'s handler types (`(event: ws.Event) => void`)
// are not assignable to the client's `WebSocketLike` (`(event: unknown) => void`); see the report.
const NodeWebSocket: WebSocketConstructor = WebSocket;

/** One real server per test file; every tree and connection is torn down after each test. */
export function useServer(config: TandemServerConfig = {}): { readonly server: TandemServer } {
  const holder: { server?: TandemServer } = {};
  const rooms: RoomConnection[] = [];
  beforeAll(async () => {
    holder.server = await startServer(config);
  });
  afterEach(() => {
    cleanup();
    for (const room of rooms.splice(0)) room.leave();
  });
  afterAll(async () => {
    await holder.server?.close();
  });
  openRooms = rooms;
  return {
    get server() {
      if (!holder.server) throw new Error('server not started');
      return holder.server;
    },
  };
}

let openRooms: RoomConnection[] = [];

/** A client signed in as a new guest, on Node's `ws` (never jsdom's WebSocket). */
export function clientFor(server: TandemServer, name: string): TandemClient {
  return clientWith(server, { auth: { guest: name } });
}

/** A client with `options` (its auth among them), on Node's `ws` and Node's fetch. */
export function clientWith(
  server: TandemServer,
  options: Omit<ClientOptions, 'url' | 'WebSocket' | 'fetch'> & { url?: string },
): TandemClient {
  return createClient({ url: server.url, WebSocket: NodeWebSocket, fetch: nodeFetch, ...options });
}

/** A new session hosted by a new guest. */
export async function hostSession(
  server: TandemServer,
  name: string,
  options: HostOptions = { policy: 'open' },
): Promise<{ client: TandemClient; roomId: string; joinCode: string }> {
  const client = clientFor(server, name);
  const { roomId, joinCode } = await client.host(options);
  return { client, roomId, joinCode };
}

/** A connection outside React (torn down after the test). */
export function joinRaw(client: TandemClient, target: RoomTarget): RoomConnection {
  const room = client.join(target);
  openRooms.push(room);
  return room;
}

/** Renders `ui` inside a TandemProvider and a RoomProvider joining `target`. */
export function renderRoom(client: TandemClient, target: RoomTarget, ui: ReactNode): RenderResult {
  return render(
    <TandemProvider client={client}>
      <RoomProvider target={target}>{ui}</RoomProvider>
    </TandemProvider>,
  );
}

/** Hands the provider's connection to the test. */
export function GrabRoom({ into }: { into: (room: RoomConnection) => void }): null {
  into(useRoom());
  return null;
}

/** Resolves once `check()` holds, tested again on every change the connection reports. */
export function until(room: RoomConnection, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const offs: (() => void)[] = [];
    const test = () => {
      if (!check()) return;
      for (const off of offs) off();
      resolve();
    };
    for (const name of [
      'status',
      'others',
      'self',
      'cursor',
      'locks',
      'accessRequest',
      'accessRequestClosed',
      'chat',
      'admission',
      'settings',
    ] as const) {
      offs.push(room.on(name, test));
    }
    offs.push(room.lww.subscribe(test), room.ops.subscribeState(test));
  });
}

/**
 * Ada hosts an open session and Bob joins it, each rendering their own tree (under a connection
 * pill), both connected. The queries are scoped to each one's tree; `*Root` are the trees.
 */
export async function twoPeople(server: TandemServer, ada: ReactNode, bob: ReactNode) {
  const { client, roomId } = await hostSession(server, 'Ada');
  const a = renderRoom(
    client,
    { roomId },
    <>
      <ConnectionPill />
      {ada}
    </>,
  );
  await within(a.container).findByText('Connected');
  const b = renderRoom(
    clientFor(server, 'Bob'),
    { roomId },
    <>
      <ConnectionPill />
      {bob}
    </>,
  );
  await within(b.container).findByText('Connected');
  return { a: within(a.container), b: within(b.container), aRoot: a.container, bRoot: b.container };
}
