import { afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/src/server.js';
import { startServer } from '../../server/test/support/server.js';
import type { RoomConnection, TandemError } from '../src/index.js';
import { nodeClient, reach } from './support/clients.js';

let server: TandemServer;
const open: RoomConnection[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) r.leave();
  await server.close();
});

function track(room: RoomConnection): RoomConnection {
  open.push(room);
  return room;
}

/** Resolves once the room's `notes` text reads `expected`, re-checking on every document update. */
function textReads(room: RoomConnection, expected: string): Promise<void> {
  const text = room.yjs.getText('notes');
  if (text.toString() === expected) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (text.toString() !== expected) return;
      room.yjs.off('update', check);
      resolve();
    };
    room.yjs.on('update', check);
  });
}

async function yjsSession(policy: 'open' | 'host-approval') {
  const hostClient = nodeClient(server.url, { guest: 'Ada' });
  const hosted = await hostClient.host({ policy, docMode: 'yjs' });
  const host = track(hostClient.join({ roomId: hosted.roomId }));
  await reach(host, 'connected');
  return { hosted, host };
}

describe('yjs documents over the client', () => {
  it('gives a guest admitted from the waiting room the document written before it came', async () => {
    server = await startServer({ joinsPerMinute: 1000 });
    const { hosted, host } = await yjsSession('host-approval');
    host.yjs.getText('notes').insert(0, 'Written before anyone came.');
    const bob = track(nodeClient(server.url, { guest: 'Bob' }).join({ code: hosted.joinCode }));
    await reach(bob, 'waiting');
    expect(bob.yjs.getText('notes').toString()).toBe('');
    const waiting = new Promise<void>((resolve) => {
      const check = () => host.waitingList.length === 1 && resolve();
      host.on('admission', check);
      check();
    });
    await waiting;
    host.admit(host.waitingList[0]!.slot);
    await textReads(bob, 'Written before anyone came.');
    // And the other way: the guest's edit reaches the host.
    bob.yjs.getText('notes').insert(0, '> ');
    await textReads(host, '> Written before anyone came.');
  });

  it('gives a late joiner of an open room the document', async () => {
    server = await startServer({ joinsPerMinute: 1000 });
    const { hosted, host } = await yjsSession('open');
    host.yjs.getText('notes').insert(0, 'Already here.');
    const bob = track(nodeClient(server.url, { guest: 'Bob' }).join({ roomId: hosted.roomId }));
    await textReads(bob, 'Already here.');
  });

  it('paces typing under the room budget and sends again what the room refused, losing nothing', async () => {
    // One document message a second: typing at 20 keys a second is far over it.
    server = await startServer({ joinsPerMinute: 1000, docRate: 1 });
    const { hosted, host } = await yjsSession('open');
    const bob = track(nodeClient(server.url, { guest: 'Bob' }).join({ roomId: hosted.roomId }));
    await reach(bob, 'connected');
    const errors: TandemError[] = [];
    host.on('error', (e) => errors.push(e));
    const typed = 'the quick brown fox';
    const text = host.yjs.getText('notes');
    // Keystrokes at a typist's pace; the assertion below waits on document events, not on time.
    await new Promise<void>((resolve) => {
      let i = 0;
      const key = setInterval(() => {
        text.insert(i, typed[i]!);
        if (++i === typed.length) {
          clearInterval(key);
          resolve();
        }
      }, 50);
    });
    await textReads(bob, typed);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const dropped = /tandem_drops_total\{reason="rate_limited"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(dropped)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(host.activity.some((a) => a.message.includes('queued again'))).toBe(true);
  });
});
