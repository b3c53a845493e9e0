// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FailingPeer } from '../../client/test/support/failing-peer.js';
import { guestToken } from '../../server/test/support/server.js';
import { RoomProvider, TandemProvider, usePeerChannel } from '../src/index.js';
import { clientWith, useServer } from './support.js';

const ctx = useServer();

function Pill() {
  const { status, reason } = usePeerChannel();
  return (
    <span data-testid="pill" title={reason}>
      {status}
    </span>
  );
}

describe('usePeerChannel', () => {
  it('follows the host’s channel: idle while waiting for a peer, failed with the reason when one cannot connect', async () => {
    const client = clientWith(ctx.server, {
      auth: { guest: 'Ada' },
      RTCPeerConnection: FailingPeer as never,
    });
    const session = await client.hostPeerToPeer({ policy: 'open' });
    render(
      <TandemProvider client={client}>
        <RoomProvider room={session.room}>
          <Pill />
        </RoomProvider>
      </TandemProvider>,
    );
    expect(screen.getByTestId('pill').textContent).toBe('idle');
    const { token } = await guestToken(ctx.server, 'Grace');
    const guest = new WebSocket(`${ctx.server.wsUrl}/p2p/${session.sessionId}?token=${token}`);
    guest.on('error', () => undefined);
    const pill = await screen.findByText('failed');
    expect(pill.title).toMatch(/could not offer a connection/);
    guest.close();
    session.end();
  });

  it('is idle in a room on the server', async () => {
    const client = clientWith(ctx.server, { auth: { guest: 'Ada' } });
    const { roomId } = await client.host({ policy: 'open' });
    const room = client.join({ roomId });
    render(
      <TandemProvider client={client}>
        <RoomProvider room={room}>
          <Pill />
        </RoomProvider>
      </TandemProvider>,
    );
    expect(screen.getByTestId('pill').textContent).toBe('idle');
    room.leave();
  });
});
