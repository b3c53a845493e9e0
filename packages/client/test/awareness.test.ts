import { describe, expect, it } from 'vitest';
import { awarenessWhen } from './support/awareness.js';
import { nodeClient, reach, until } from './support/clients.js';
import { useProxiedServer } from './support/proxied-server.js';

const env = useProxiedServer();

describe('Yjs awareness through the SDK', () => {
  it('hands a late joiner everyone’s states, drops them while the connection is down, and brings them back', async () => {
    const ada = nodeClient(env.proxy.url, { guest: 'Ada' });
    const { roomId } = await ada.host({ policy: 'open', docMode: 'yjs' });
    const adaRoom = ada.join({ roomId });
    env.rooms.push(adaRoom);
    await reach(adaRoom, 'connected');
    adaRoom.awareness.setLocalStateField('cursor', 42);

    const bo = nodeClient(env.server.url, { guest: 'Bo' });
    const boRoom = bo.join({ roomId });
    env.rooms.push(boRoom);
    await reach(boRoom, 'connected');
    // Asked for only now: what the room sent at admission is there, under Ada's verified name.
    const seen = await awarenessWhen(boRoom.awareness, adaRoom.yjs.clientID, (s) => s?.cursor === 42);
    expect(seen?.user?.name).toBe('Ada');
    expect(seen?.user?.color).toBe(adaRoom.self?.color);
    boRoom.awareness.setLocalStateField('cursor', 7);
    await awarenessWhen(adaRoom.awareness, boRoom.yjs.clientID, (s) => s?.cursor === 7);
    // Ada's own state names her as the room does, without the app saying so.
    expect((adaRoom.awareness.getLocalState() as { user?: unknown }).user).toEqual({
      name: 'Ada',
      color: adaRoom.self?.color,
    });

    // Ada's network drops: she no longer shows Bo's caret, and Bo no longer shows hers.
    const adaGone = awarenessWhen(boRoom.awareness, adaRoom.yjs.clientID, (s) => s === undefined);
    const dropped = until(adaRoom, 'status', () => adaRoom.status === 'reconnecting');
    env.proxy.reset();
    await dropped;
    expect(adaRoom.awareness.getStates().has(boRoom.yjs.clientID)).toBe(false);
    await adaGone;
    // Back: both see each other again, with what changed meanwhile.
    boRoom.awareness.setLocalStateField('cursor', 8);
    await reach(adaRoom, 'connected');
    await awarenessWhen(adaRoom.awareness, boRoom.yjs.clientID, (s) => s?.cursor === 8);
    await awarenessWhen(boRoom.awareness, adaRoom.yjs.clientID, (s) => s?.cursor === 42);

    adaRoom.leave();
    await awarenessWhen(boRoom.awareness, adaRoom.yjs.clientID, (s) => s === undefined);
  });

  it('is refused in a room that is not yjs, and sends nothing there', async () => {
    const ada = nodeClient(env.server.url, { guest: 'Ada' });
    const { roomId } = await ada.host({ policy: 'open', docMode: 'lww' });
    const room = ada.join({ roomId });
    env.rooms.push(room);
    await reach(room, 'connected');
    const errors: string[] = [];
    room.on('error', (e) => errors.push(e.message));
    room.awareness.setLocalStateField('cursor', 1);
    // A round trip the room answers, after which any refusal of awareness would have arrived.
    await room.sendChat('ping');
    expect(errors).toEqual([]);
  });
});
