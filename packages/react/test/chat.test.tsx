// @vitest-environment jsdom
import type { RoomConnection } from '@tandem/client';
import { act, fireEvent, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ConnectionPill, useChat, useOthers, useOthersCursors } from '../src/index.js';
import { clientFor, GrabRoom, hostSession, joinRaw, renderRoom, until, useServer } from './support.js';

const ctx = useServer();

function ChatBox() {
  const { messages, unread, send, markRead } = useChat();
  const [draft, setDraft] = useState('');
  return (
    <section>
      <ul aria-label="messages">
        {messages.map((m) => (
          <li key={m.id}>{`${m.mine ? 'me' : (m.author?.name ?? '?')}: ${m.text}`}</li>
        ))}
      </ul>
      <p>unread: {unread}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send(draft);
          setDraft('');
        }}
      >
        <label>
          Message
          <input value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
        <button type="submit">Send</button>
      </form>
      <button type="button" onClick={markRead}>
        Mark read
      </button>
    </section>
  );
}

function say(view: ReturnType<typeof within>, text: string) {
  fireEvent.change(view.getByLabelText('Message'), { target: { value: text } });
  act(() => view.getByRole('button', { name: 'Send' }).click());
}

describe('useChat', () => {
  it('sends, counts unread messages from others, and marks them read', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const a = within(
      renderRoom(client, { roomId }, [<ConnectionPill key="p" />, <ChatBox key="c" />]).container,
    );
    await a.findByText('Connected');
    const b = within(
      renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, [<ConnectionPill key="p" />, <ChatBox key="c" />])
        .container,
    );
    await b.findByText('Connected');

    say(b, 'hello Ada');
    await b.findByText('me: hello Ada');
    await a.findByText('Bob: hello Ada');
    a.getByText('unread: 1');
    b.getByText('unread: 0');

    say(b, 'are you there?');
    await a.findByText('unread: 2');

    act(() => a.getByRole('button', { name: 'Mark read' }).click());
    a.getByText('unread: 0');

    say(a, 'yes');
    await b.findByText('Ada: yes');
    await b.findByText('unread: 1');
    a.getByText('unread: 0');
  });

  it('gives a late joiner the transcript', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const ada = joinRaw(client, { roomId });
    await until(ada, () => ada.status === 'connected');
    await ada.sendChat('before you came');
    const b = within(renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <ChatBox />).container);
    await b.findByText('Ada: before you came');
  });
});

describe('re-render isolation', () => {
  it('a cursor move or a presence change does not re-render a useChat component; a message does', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    let chatRenders = 0;
    function CountedChat() {
      chatRenders++;
      const { messages } = useChat();
      return <p>messages: {messages.length}</p>;
    }
    function Cursors() {
      const cursors = useOthersCursors({ delayMs: 0 });
      const c = [...cursors.values()][0];
      return <p>cursor: {c?.kind === '2d' ? `${c.x},${c.y}` : 'none'}</p>;
    }
    function Presence() {
      const others = useOthers();
      return <p>presence: {JSON.stringify(others[0]?.presence ?? null)}</p>;
    }
    let room: RoomConnection | undefined;
    const a = within(
      renderRoom(
        client,
        { roomId },
        <>
          <ConnectionPill />
          <CountedChat />
          <Cursors />
          <Presence />
          <GrabRoom into={(r) => (room = r)} />
        </>,
      ).container,
    );
    await a.findByText('Connected');
    const bob = joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
    await until(bob, () => bob.status === 'connected');
    await a.findByText('presence: null');
    const settled = chatRenders;

    bob.updateCursor({ kind: '2d', x: 10, y: 20 });
    await a.findByText('cursor: 10,20');
    bob.updateCursor({ kind: '2d', x: 30, y: 40 });
    await a.findByText('cursor: 30,40');
    bob.setPresence({ tool: 'pen' });
    await a.findByText('presence: {"tool":"pen"}');
    expect(room?.cursors.size).toBe(1);
    expect(chatRenders).toBe(settled);

    await bob.sendChat('hi');
    await a.findByText('messages: 1');
    expect(chatRenders).toBe(settled + 1);
  });
});
