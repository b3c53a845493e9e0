// @vitest-environment jsdom
import { createClient, type WebSocketConstructor } from '@tandem/client';
import { cleanup, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import { ConnectionPill, RoomProvider, TandemProvider, useSelf } from '../src/index.js';

// Node's fetch and `ws`, never jsdom's (see support.tsx).
const nodeFetch = globalThis.fetch;
const NodeWebSocket: WebSocketConstructor = WebSocket;

let server: TandemServer;
beforeAll(async () => {
  // The app lets everyone write its lessons, through the server's authorize hook.
  server = await startServer({
    hooks: { authorize: (_identity, room) => (room.startsWith('lesson-') ? 'write' : undefined) },
  });
});
afterEach(() => cleanup());
afterAll(() => server.close());

function Me() {
  const self = useSelf();
  return <p>{self ? `in as ${self.name}` : 'not yet'}</p>;
}

describe('<RoomProvider target={{ room }}>', () => {
  it('connects to an app-named room by the name the app gives it', async () => {
    const client = createClient({
      url: server.url,
      auth: { guest: 'Ada' },
      WebSocket: NodeWebSocket,
      fetch: nodeFetch,
    });
    render(
      <TandemProvider client={client}>
        <RoomProvider target={{ room: 'lesson-42', mode: 'yjs' }}>
          <ConnectionPill />
          <Me />
        </RoomProvider>
      </TandemProvider>,
    );
    await screen.findByText('Connected');
    expect(await screen.findByText('in as Ada')).toBeTruthy();
  });
});
