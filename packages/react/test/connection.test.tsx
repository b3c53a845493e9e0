// @vitest-environment jsdom
import {
  type ConnectionStatus,
  memoryOutbox,
  type Participant,
  type RoomConnection,
  type TandemClient,
} from '@tandem/client';
import { act, render, screen, within } from '@testing-library/react';
import { StrictMode, useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  ConnectionPill,
  RoomProvider,
  TandemProvider,
  useEvent,
  useOthers,
  usePresence,
  useSelf,
  useStatus,
} from '../src/index.js';
import {
  clientFor,
  clientWith,
  GrabRoom,
  hostSession,
  joinRaw,
  renderRoom,
  until,
  useServer,
} from './support.js';

const ctx = useServer();

/** Joins `roomId` through a RoomProvider under StrictMode; resolves with the spy on `join` once connected. */
async function connectUnderStrictMode(client: TandemClient, roomId: string) {
  const join = vi.spyOn(client, 'join');
  render(
    <StrictMode>
      <TandemProvider client={client}>
        <RoomProvider target={{ roomId }}>
          <ConnectionPill />
        </RoomProvider>
      </TandemProvider>
    </StrictMode>,
  );
  await screen.findByText('Connected');
  return join;
}

function StatusLog({ log }: { log: ConnectionStatus[] }) {
  const { status } = useStatus();
  if (log[log.length - 1] !== status) log.push(status);
  return <ConnectionPill />;
}

function Others() {
  const others = useOthers();
  const self = useSelf();
  return (
    <>
      <p>self: {self?.name ?? '…'}</p>
      <ul aria-label="others">
        {others.map((p) => (
          <li key={p.slot}>{p.name}</li>
        ))}
      </ul>
      <p>{others.length} others</p>
    </>
  );
}

describe('connection status', () => {
  it('goes connecting → connected, and ConnectionPill says so', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const log: ConnectionStatus[] = [];
    renderRoom(client, { roomId }, <StatusLog log={log} />);
    const pill = await screen.findByText('Connected');
    expect(pill.getAttribute('data-status')).toBe('connected');
    expect(pill.getAttribute('role')).toBe('status');
    expect(pill.className).toBe('tandem-connection');
    // `idle` first when the connection starts on the next microtask.
    expect(log.filter((s) => s !== 'idle')).toEqual(['connecting', 'connected']);
  });

  it('reports a disconnection with its cause', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const guest = clientFor(ctx.server, 'Bob');
    const host = joinRaw(client, { roomId });
    await until(host, () => host.status === 'connected');
    function Why() {
      const { status, error } = useStatus();
      return <p>{status === 'disconnected' ? `gone: ${error?.codeName}` : status}</p>;
    }
    let room: RoomConnection | undefined;
    renderRoom(
      guest,
      { roomId },
      <>
        <Why />
        <GrabRoom
          into={(r) => {
            room = r;
          }}
        />
      </>,
    );
    await screen.findByText('connected');
    const self = room!.self!;
    await until(host, () => host.others.some((p) => p.slot === self.slot));
    host.remove(self.slot);
    expect(await screen.findByText(/^gone: /)).toHaveProperty('textContent', 'gone: Removed');
  });
});

describe('roster', () => {
  it('useOthers sees a second client join and leave', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    renderRoom(client, { roomId }, <Others />);
    await screen.findByText('self: Ada');
    expect(screen.getByText('0 others')).toBeTruthy();

    const bob = joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
    expect(await within(screen.getByRole('list', { name: 'others' })).findByText('Bob')).toBeTruthy();
    screen.getByText('1 others');

    bob.leave();
    await screen.findByText('0 others');
    expect(screen.queryByText('Bob')).toBeNull();
  });

  it('useEvent calls the latest handler, attached once per connection', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const seen: string[] = [];
    function Joins() {
      const [count, setCount] = useState(0);
      // A new handler every render: it must not resubscribe, and the newest one must be called.
      useEvent('join', (p: Participant) => {
        seen.push(`${p.name}@${count}`);
        setCount(count + 1);
      });
      return <p>joins: {count}</p>;
    }
    renderRoom(client, { roomId }, <Joins />);
    await screen.findByText('joins: 0');
    joinRaw(client, { roomId }); // Ada's second tab
    await screen.findByText('joins: 1');
    joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
    await screen.findByText('joins: 2');
    joinRaw(clientFor(ctx.server, 'Cy'), { roomId });
    await screen.findByText('joins: 3');
    expect(seen).toEqual(['Ada@0', 'Bob@1', 'Cy@2']);
  });
});

describe('presence', () => {
  it('usePresence round trip: set here, seen by the other, merged by update', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    function Mine() {
      const [presence, setPresence, updatePresence] = usePresence<{ tool: string; page?: number }>();
      return (
        <>
          <p>mine: {presence ? `${presence.tool}/${presence.page ?? '-'}` : 'none'}</p>
          <button type="button" onClick={() => setPresence({ tool: 'pen' })}>
            Pen
          </button>
          <button type="button" onClick={() => updatePresence({ page: 3 })}>
            Page 3
          </button>
        </>
      );
    }
    function Theirs() {
      const others = useOthers();
      return (
        <ul>
          {others.map((p) => {
            const presence = p.presence as { tool?: string; page?: number } | undefined;
            return <li key={p.slot}>{`${p.name}: ${presence?.tool ?? 'none'}/${presence?.page ?? '-'}`}</li>;
          })}
        </ul>
      );
    }
    const ada = renderRoom(client, { roomId }, <Mine />);
    const bob = renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <Theirs />);
    await within(bob.container).findByText('Ada: none/-');

    act(() => within(ada.container).getByRole('button', { name: 'Pen' }).click());
    within(ada.container).getByText('mine: pen/-');
    await within(bob.container).findByText('Ada: pen/-');

    act(() => within(ada.container).getByRole('button', { name: 'Page 3' }).click());
    within(ada.container).getByText('mine: pen/3');
    await within(bob.container).findByText('Ada: pen/3');
  });
});

describe('RoomProvider', () => {
  it('keeps the connection for an equal target, makes a new one for a new room, leaves the old', async () => {
    const first = await hostSession(ctx.server, 'Ada');
    const second = await first.client.host({ policy: 'open' });
    const rooms: RoomConnection[] = [];
    const grab = (r: RoomConnection) => {
      if (rooms[rooms.length - 1] !== r) rooms.push(r);
    };
    const ui = (roomId: string) => (
      <TandemProvider client={first.client}>
        <RoomProvider target={{ roomId }}>
          <GrabRoom into={grab} />
          <ConnectionPill />
        </RoomProvider>
      </TandemProvider>
    );
    const view = render(ui(first.roomId));
    await screen.findByText('Connected');
    view.rerender(ui(first.roomId));
    expect(rooms).toHaveLength(1);

    view.rerender(ui(second.roomId));
    expect(rooms).toHaveLength(2);
    expect(rooms[0]!.status).toBe('disconnected');
    await screen.findByText('Connected');
    expect(rooms[1]!.settings?.joinCode).toBe(second.joinCode);
  });

  it('under StrictMode ends with one live connection; the one it left stays disconnected', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const join = await connectUnderStrictMode(client, roomId);
    const bob = joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
    await until(bob, () => bob.status === 'connected' && bob.others.length > 0);
    expect(bob.others.map((p) => p.name)).toEqual(['Ada']);
    // StrictMode joins, leaves and joins again in one tick: the first must not start afterwards.
    const [first, second] = join.mock.results.map((r) => r.value as RoomConnection);
    expect(join).toHaveBeenCalledTimes(2);
    expect(first!.status).toBe('disconnected');
    expect(second!.status).toBe('connected');
  });

  it('under StrictMode the live connection adopts the edits a previous page kept, and sends them', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada', { policy: 'open', docMode: 'ops' });
    const ada = joinRaw(client, { roomId });
    await until(ada, () => ada.status === 'connected');
    const outbox = memoryOutbox();
    await outbox.save({
      server: ctx.server.url,
      room: `room:${roomId}`,
      clientId: 'kept-by-a-previous-page',
      userId: ada.self!.userId,
      nextRid: 10,
      savedAt: Date.now(),
      ops: [{ id: 'previous.1', op: 'kept', resource: '', rid: 3 }],
    });
    const reloaded = clientWith(ctx.server, { auth: await client.token(), outbox });
    const join = await connectUnderStrictMode(reloaded, roomId);
    await until(ada, () => ada.ops.version === 1);
    const [first, second] = join.mock.results.map((r) => r.value as RoomConnection);
    expect(first!.status).toBe('disconnected');
    expect(second!.clientId).toBe('kept-by-a-previous-page');
  });

  it('shares a connection given as `room` and does not leave it on unmount', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const room = joinRaw(client, { roomId });
    const view = render(
      <RoomProvider room={room}>
        <ConnectionPill />
      </RoomProvider>,
    );
    await screen.findByText('Connected');
    view.unmount();
    expect(room.status).toBe('connected');
  });
});
