// @vitest-environment jsdom
import { act, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  ConnectionPill,
  PresenceAvatars,
  useAdmission,
  useReadOnly,
  useStatus,
  WaitingRoomList,
} from '../src/index.js';
import { clientFor, hostSession, renderRoom, useServer } from './support.js';

const ctx = useServer();

function Policy() {
  const { isHost, settings, setPolicy } = useAdmission();
  const readOnly = useReadOnly();
  return (
    <>
      <p>
        {isHost ? 'host' : 'guest'}, policy: {settings?.policy ?? '…'}
      </p>
      <p>{readOnly ? 'viewing' : 'editing'}</p>
      {isHost ? (
        <button type="button" onClick={() => setPolicy('open')}>
          Open the room
        </button>
      ) : null}
    </>
  );
}

async function waitingGuest() {
  const { client, roomId, joinCode } = await hostSession(ctx.server, 'Ada', { policy: 'host-approval' });
  const host = within(
    renderRoom(
      client,
      { roomId },
      <>
        <ConnectionPill />
        <Policy />
        <WaitingRoomList />
        <PresenceAvatars />
      </>,
    ).container,
  );
  await host.findByText('Connected');
  host.getByText('Nobody is waiting.');
  const guest = within(
    renderRoom(
      clientFor(ctx.server, 'Bob'),
      { code: joinCode },
      <>
        <ConnectionPill />
        <Policy />
        <WaitingRoomList />
      </>,
    ).container,
  );
  const pill = await guest.findByText('Waiting for the host');
  expect(pill.getAttribute('data-status')).toBe('waiting');
  return { host, guest };
}

describe('WaitingRoomList', () => {
  it('shows the host who waits; Add lets the guest in', async () => {
    const { host, guest } = await waitingGuest();
    const waiting = host.getByRole('region', { name: 'Waiting to join' });
    const add = await within(waiting).findByRole('button', { name: 'Add Bob' });
    within(waiting).getByText('Bob');
    // Nothing of the room for the guest, and no host controls.
    expect(guest.queryByRole('region', { name: 'Waiting to join' })).toBeNull();

    act(() => add.click());
    await guest.findByText('Connected');
    await guest.findByText('guest, policy: host-approval');
    await within(waiting).findByText('Nobody is waiting.');
    expect(guest.queryByRole('region', { name: 'Waiting to join' })).toBeNull();
  });

  it('Viewer lets the guest in read-only, and everyone sees it as a viewer', async () => {
    const { host, guest } = await waitingGuest();
    const add = await host.findByRole('button', { name: 'Admit Bob as a viewer' });
    act(() => add.click());
    await guest.findByText('Connected');
    await guest.findByText('viewing');
    host.getByText('editing');
    const bob = await host.findByTitle('Bob (viewer)');
    expect(bob.getAttribute('data-viewer')).toBe('true');
  });

  it('Decline turns the guest away', async () => {
    const { host, guest } = await waitingGuest();
    const decline = await host.findByRole('button', { name: 'Decline Bob' });
    act(() => decline.click());
    expect((await guest.findByText('Disconnected')).getAttribute('data-status')).toBe('disconnected');
    await host.findByText('Nobody is waiting.');
  });
});

describe('useAdmission', () => {
  it('tells host from guest and lets the host change the policy', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada', { policy: 'host-approval' });
    renderRoom(client, { roomId }, <Policy />);
    await screen.findByText('host, policy: host-approval');
    act(() => screen.getByRole('button', { name: 'Open the room' }).click());
    await screen.findByText('host, policy: open');
  });
});

function EndSession() {
  const { isHost, endSession } = useAdmission();
  const { status, error } = useStatus();
  return (
    <>
      <p>
        {status}
        {error ? `: ${error.codeName}` : ''}
      </p>
      {isHost ? (
        <button type="button" onClick={() => void endSession()}>
          End session
        </button>
      ) : null}
    </>
  );
}

describe('useAdmission().endSession', () => {
  it('ends the session for the host and every guest', async () => {
    const { client, roomId, joinCode } = await hostSession(ctx.server, 'Ada', { policy: 'open' });
    const host = within(renderRoom(client, { roomId }, <EndSession />).container);
    await host.findByText('connected');
    const guest = within(
      renderRoom(clientFor(ctx.server, 'Bob'), { code: joinCode }, <EndSession />).container,
    );
    await guest.findByText('connected');
    expect(guest.queryByRole('button', { name: 'End session' })).toBeNull();
    act(() => host.getByRole('button', { name: 'End session' }).click());
    await guest.findByText('disconnected: SessionEnded');
    await host.findByText('disconnected: SessionEnded');
  });
});
