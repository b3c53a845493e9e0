// Workload 4 load generator: server RSS per idle connection. Opens `connections` sockets in rooms
// of 10, each joined as its system expects (Tandem: hello and admitted; Socket.IO: connected to its
// room; Hocuspocus and y-websocket: synced), then reads the server's RSS once it settles.
// Prints one line `RESULT <json>`.

import { io } from 'socket.io-client';
import * as Y from 'yjs';
import { memory } from '../lib/proc.mjs';
import { guest, openWs, tandemJoin, tandemSession, Y_STEP1, Y_STEP2, yJoin } from '../lib/wire.mjs';

const cfg = JSON.parse(process.argv[2]);
const { system, port, connections, perRoom = 10, serverPid, settleMs = 1000 } = cfg;
const base = `127.0.0.1:${port}`;
const emptySv = Y.encodeStateVector(new Y.Doc());

const joiners = {
  relay: async (room) => {
    const ws = await openWs(`ws://${base}/idle-${room.r}`, () => {});
    return () => ws.terminate();
  },
  tandem: async (room, i) => {
    const token = i === 0 ? room.hostToken : await guest(base, `P${i}`);
    const ws = await tandemJoin(base, room.roomId, token);
    return () => ws.terminate();
  },
  socketio: async (room) => {
    const socket = io(`http://${base}`, {
      transports: ['websocket'],
      query: { room: `idle-${room.r}` },
      forceNew: true,
      reconnection: false,
    });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return () => socket.disconnect();
  },
  hocuspocus: (room) => ySynced(room, true),
  ywebsocket: (room) => ySynced(room, false),
};

async function ySynced(room, hocuspocus) {
  let synced;
  const done = new Promise((resolve) => {
    synced = resolve;
  });
  const peer = await yJoin(base, `idle-${room.r}`, {
    hocuspocus,
    onSync: (step) => step === Y_STEP2 && synced(),
  });
  peer.send(Y_STEP1, emptySv);
  await done;
  return () => peer.ws.terminate();
}

/** RSS after the server has been quiet for a moment: the lowest of a few reads `settleMs` apart. */
async function settledRss() {
  let low = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 3; k++) {
    await new Promise((r) => setTimeout(r, settleMs));
    low = Math.min(low, memory(serverPid).rss);
  }
  return low;
}

const join = joiners[system];
if (!join) throw new Error(`workload 4 does not run ${system}`);
const rooms = Math.ceil(connections / perRoom);
const roomOf = async (r) => (system === 'tandem' ? { r, ...(await tandemSession(base, 'lww')) } : { r });

// One warm room first, so the baseline includes the server's first-connection costs (modules,
// pools) and the slope measures connections only.
const warm = await roomOf(rooms);
const warmClose = await join(warm, 0);
const baseline = await settledRss();
const closers = [];
const started = performance.now();
for (let r = 0; r < rooms; r++) {
  const room = await roomOf(r);
  const batch = [];
  for (let i = 0; i < perRoom && closers.length + batch.length < connections; i++) batch.push(join(room, i));
  closers.push(...(await Promise.all(batch)));
}
const setupMs = performance.now() - started;
const loaded = await settledRss();
for (const close of [...closers, warmClose]) close();
console.log(
  `RESULT ${JSON.stringify({
    system,
    connections: closers.length,
    setupMs: Math.round(setupMs),
    baselineRss: baseline,
    rss: loaded,
    bytesPerConnection: (loaded - baseline) / closers.length,
  })}`,
);
process.exit(0);
