// Hosts a session with the public API of @tandem/server and @tandem/client, joins it as a guest
// and sees the host's edit arrive. Prints "edit received" and exits 0, or throws.
import { createClient } from '@tandem/client';
import { TandemServer } from '@tandem/server';
import { WebSocket } from 'ws';

const server = await TandemServer.start({ port: 0, data: ':memory:', logLevel: 'warn' });
try {
  const host = createClient({ url: server.url, auth: { guest: 'Ada' }, WebSocket });
  const guest = createClient({ url: server.url, auth: { guest: 'Grace' }, WebSocket });
  const session = await host.host({ policy: 'open' });
  const hostRoom = host.join({ roomId: session.roomId });
  const guestRoom = guest.join({ code: session.joinCode });

  /** @type {Promise<unknown>} */
  const received = new Promise((resolve) => {
    const off = guestRoom.lww.subscribe(() => {
      const doc = guestRoom.lww.json();
      if (doc !== undefined) {
        off();
        resolve(doc);
      }
    });
  });
  await hostRoom.lww.set({ title: 'Fractions' });
  const doc = await received;
  if (JSON.stringify(doc) !== '{"title":"Fractions"}')
    throw new Error(`unexpected document ${JSON.stringify(doc)}`);
  hostRoom.leave();
  guestRoom.leave();
  console.log('edit received');
} finally {
  await server.close();
}
