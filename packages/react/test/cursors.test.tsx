// @vitest-environment jsdom
import type { RoomConnection } from '@tandem/client';
import { act, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionPill, LiveCursors, PresenceAvatars } from '../src/index.js';
import { clientFor, GrabRoom, hostSession, joinRaw, renderRoom, until, useServer } from './support.js';

const ctx = useServer();

afterEach(() => {
  vi.restoreAllMocks();
});

describe('LiveCursors', () => {
  it('draws each other participant’s cursor with their name, and hides it when their page is hidden', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const view = renderRoom(
      client,
      { roomId },
      <>
        <ConnectionPill />
        <LiveCursors delayMs={0} />
      </>,
    );
    await screen.findByText('Connected');
    const bob = joinRaw(clientFor(ctx.server, 'Bob Stone'), { roomId });
    await until(bob, () => bob.status === 'connected');

    bob.updateCursor({ kind: '2d', x: 120, y: 45 });
    const label = await screen.findByText('Bob Stone');
    expect(label.className).toBe('tandem-cursor-label');
    const cursor = label.closest('.tandem-cursor') as HTMLElement;
    const overlay = view.container.querySelector('.tandem-cursors') as HTMLElement;
    expect(overlay.getAttribute('aria-hidden')).toBe('true');
    expect(overlay.style.position).toBe('absolute');
    await within(overlay).findByText(
      (_, el) => el === cursor && cursor.style.transform === 'translate(120px, 45px)',
    );

    bob.setHidden(true);
    await screen.findByText((_, el) => el === overlay && overlay.children.length === 0);
  });

  it('stops requesting animation frames once unmounted', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const raf = vi.spyOn(window, 'requestAnimationFrame');
    let room: RoomConnection | undefined;
    let hide: () => void = () => undefined;
    function Toggle() {
      const [shown, setShown] = useState(true);
      hide = () => setShown(false);
      return shown ? <LiveCursors /> : <p>no cursors</p>;
    }
    renderRoom(
      client,
      { roomId },
      <>
        <ConnectionPill />
        <GrabRoom into={(r) => (room = r)} />
        <Toggle />
      </>,
    );
    await screen.findByText('Connected');
    const bob = joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
    await until(bob, () => bob.status === 'connected');
    bob.updateCursor({ kind: '2d', x: 1, y: 1 });
    await screen.findByText('Bob');
    expect(raf).toHaveBeenCalled();

    act(() => hide());
    await screen.findByText('no cursors');
    const calls = raf.mock.calls.length;
    bob.updateCursor({ kind: '2d', x: 50, y: 50 });
    const slot = bob.self!.slot;
    await until(room!, () => {
      const c = room!.cursors.get(slot);
      return c?.kind === '2d' && c.x === 50;
    });
    expect(raf.mock.calls.length).toBe(calls);
  });
});

describe('PresenceAvatars', () => {
  it('shows initials in each participant’s colour with their name as title', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada Lovelace');
    renderRoom(client, { roomId }, <PresenceAvatars />);
    const me = await screen.findByTitle('Ada Lovelace (you)');
    expect(me.textContent).toContain('AL');
    const bob = joinRaw(clientFor(ctx.server, 'bob'), { roomId });
    await until(bob, () => bob.status === 'connected');
    const other = await screen.findByTitle('bob');
    expect(other.textContent).toBe('Bbob');
    expect(other.style.background).not.toBe('');
    expect(screen.getByRole('list', { name: 'People in the room' }).children).toHaveLength(2);
    bob.leave();
    await screen.findByText(
      (_, el) => el?.getAttribute('aria-label') === 'People in the room' && el.children.length === 1,
    );
  });
});
