// @vitest-environment jsdom
import { act, render, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, it } from 'vitest';
import { RoomProvider, TandemProvider, useHost, useLww } from '../src/index.js';
import { clientFor, useServer } from './support.js';

const ctx = useServer();

function Title() {
  const [lesson] = useLww<{ title: string }>();
  return <p>title: {lesson?.title ?? 'none'}</p>;
}

/** Shares the lesson being edited: the session starts from it. */
function Share({ lesson }: { lesson: { title: string } }) {
  const host = useHost();
  const [roomId, setRoomId] = useState('');
  const share = async () =>
    setRoomId((await host({ policy: 'open', docMode: 'lww', initialDocument: { json: lesson } })).roomId);
  return (
    <>
      <button type="button" onClick={() => void share()}>
        Collaborate
      </button>
      {roomId && (
        <RoomProvider target={{ roomId }}>
          <Title />
        </RoomProvider>
      )}
    </>
  );
}

describe('useHost', () => {
  it('starts a session from the document in hand', async () => {
    const client = clientFor(ctx.server, 'Ada');
    const view = within(
      render(
        <TandemProvider client={client}>
          <Share lesson={{ title: 'Fractions' }} />
        </TandemProvider>,
      ).container,
    );
    await act(async () => view.getByText('Collaborate').click());
    await view.findByText('title: Fractions');
  });
});
