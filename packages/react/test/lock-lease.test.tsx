// @vitest-environment jsdom
import { act, fireEvent, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../server/test/support/tcp-proxy.js';
import {
  AccessRequestToasts,
  ConnectionPill,
  PresenceAvatars,
  RequestAccessDialog,
  useLock,
} from '../src/index.js';
import { clientWith, hostSession, renderRoom, twoPeople, useServer } from './support.js';

// Requests time out after 2 s here, so a missed one is seen without a long wait.
const ctx = useServer({ accessTimeoutSeconds: 2 });

function Layer({ id }: { id: string }) {
  const { state, select, lost } = useLock(id);
  return (
    <>
      <p>lock: {state.kind}</p>
      <p>lost: {lost ?? 'none'}</p>
      <button type="button" onClick={() => void select()}>
        Select
      </button>
    </>
  );
}

/** Ada holds layer-1 with her access-request toasts; Bob sees it with the request dialog open. */
function holderAndAsker() {
  return twoPeople(
    ctx.server,
    <>
      <Layer id="layer-1" />
      <AccessRequestToasts />
    </>,
    <>
      <Layer id="layer-1" />
      <RequestAccessDialog resource="layer-1" onClose={() => undefined} />
    </>,
  );
}

describe('access requests with a deadline', () => {
  it('show both sides the seconds left, and tell the holder of a request it missed', async () => {
    const { a, b, aRoot } = await holderAndAsker();
    act(() => a.getByRole('button', { name: 'Select' }).click());
    await b.findByText('lock: held');
    fireEvent.change(b.getByLabelText('Message'), { target: { value: 'may I?' } });
    act(() => b.getByRole('button', { name: 'Send request' }).click());

    await b.findByText(/^[12] s left for an answer$/);
    await a.findByText(/^[12] s left to answer$/);

    // Nobody answers: the requester is told, and the holder learns what it missed.
    await b.findByText('No answer in time: the request lapsed. You can ask again.', {}, { timeout: 5_000 });
    await waitFor(() =>
      expect(aRoot.querySelector('.tandem-access-missed')?.textContent).toContain(
        "You missed Bob's request for layer-1",
      ),
    );
    expect(aRoot.querySelector('.tandem-access-request')).toBeNull();
    act(() => a.getByRole('button', { name: 'Dismiss' }).click());
    expect(aRoot.querySelector('.tandem-access-missed')).toBeNull();
    a.getByText('lock: mine');
  });

  it('useLock says why a hold ended: handed to the one who asked', async () => {
    const { a, b } = await holderAndAsker();
    act(() => a.getByRole('button', { name: 'Select' }).click());
    await a.findByText('lock: mine');
    a.getByText('lost: none');
    await b.findByText('lock: held');
    act(() => b.getByRole('button', { name: 'Send request' }).click());
    const release = await a.findByRole('button', { name: 'Release layer-1 to Bob' });
    act(() => release.click());
    await a.findByText('lost: released-to-requester');
    await b.findByText('lock: mine');
    a.getByText('lock: held');
    b.getByText('lost: none');
  });
});

describe('PresenceAvatars while the connection is down', () => {
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
  });

  it('dims everyone and says reconnecting, until the connection is back', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    proxy = await TcpProxy.start(ctx.server.url);
    const bob = clientWith(ctx.server, {
      auth: { guest: 'Bob' },
      url: proxy.url,
      backoff: { baseMs: 20, maxMs: 200 },
    });
    renderRoom(client, { roomId }, <p>Ada is here</p>);
    const view = renderRoom(
      bob,
      { roomId },
      <>
        <ConnectionPill />
        <PresenceAvatars />
      </>,
    );
    const b = within(view.container);
    await b.findByText('Connected');
    await b.findByText('Ada');
    const list = b.getByRole('list', { name: 'People in the room' });
    expect(list.getAttribute('data-stale')).toBeNull();

    proxy.cut('refuse');
    await b.findByText('reconnecting…');
    expect(list.getAttribute('data-stale')).toBe('true');
    proxy.restore();
    await b.findByText('Connected', {}, { timeout: 5_000 });
    expect(b.queryByText('reconnecting…')).toBeNull();
    expect(list.getAttribute('data-stale')).toBeNull();
  });
});
