// Workload 1 load generator: R rooms × N participants, each sending a 2D cursor at `hz` with spread
// phases. Every client lives in this one process (pinned by the runner). The sender's timestamp (ms
// since this process's t0) rides in the payload, so latency is measured on one clock.
// Prints one line `RESULT <json>`.
import { performance } from 'node:perf_hooks';
import { decode, encode, PROTOCOL_VERSION } from '@tandem/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { io } from 'socket.io-client';
import { Histogram } from '../lib/histogram.mjs';
import { cpuMicros, machineBusyMicros, memory } from '../lib/proc.mjs';
import { runSchedules } from '../lib/schedule.mjs';
import { openWs, postJson } from '../lib/wire.mjs';

const cfg = JSON.parse(process.argv[2]);
const { system, port, rooms, perRoom = 10, hz = 15, warmupMs, measureMs, drainMs = 1000, serverPid } = cfg;
const base = `127.0.0.1:${port}`;
const t0 = performance.now();
const now = () => performance.now() - t0;
const periodMs = 1000 / hz;

// ── measurement state ────────────────────────────────────────────────────────────────────────
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const hist = new Histogram();
let sentInWindow = 0;
let expectedInWindow = 0;
let deliveredInWindow = 0; // by send time
let bytesInWindow = 0; // by receive time: every payload byte the server sent to the clients
let updatesRecvInWindow = 0; // by receive time
let supersededInWindow = 0; // counted as delivered: a newer position from the same sender arrived instead
let maxSendLagMs = 0;
let errors = 0;

function onUpdate(sentAt) {
  const t = now();
  if (sentAt >= windowStart && sentAt < windowEnd) {
    deliveredInWindow++;
    hist.record(t - sentAt);
  }
  if (t >= windowStart && t < windowEnd) updatesRecvInWindow++;
}
function onBytes(n) {
  const t = now();
  if (t >= windowStart && t < windowEnd) bytesInWindow += n;
}

// Tandem sends each recipient only a sender's latest position per tick, so a position can be
// superseded before it goes out. Such an update counts as delivered when the newer position from
// the same sender arrives, with latency measured to that arrival: the recipient's view was then at
// least as fresh. Sends are logged per room and slot as the f32 the wire carries, so a received
// position matches its send exactly.

/** A Tandem recipient got `slot`'s position sent at `sentAt`; `seen` maps slot → last counted. */
function onTandemUpdate(rx, slot, sentAt) {
  const log = rx.logs.get(slot);
  const prev = rx.seen.get(slot) ?? Number.NEGATIVE_INFINITY;
  if (!log || sentAt <= prev) return onUpdate(sentAt);
  rx.seen.set(slot, sentAt);
  const t = now();
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid] <= prev) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < log.length && log[i] <= sentAt; i++) {
    const s = log[i];
    if (s < windowStart || s >= windowEnd) continue;
    deliveredInWindow++;
    hist.record(t - s);
    if (s !== sentAt) supersededInWindow++;
  }
  if (t >= windowStart && t < windowEnd) updatesRecvInWindow++;
}

/** Every cursor in a Tandem `peerCursors2d` frame; rooms of 10 keep the count to one varuint byte. */
function onPacked(rx, buf) {
  const n = buf[1];
  for (let i = 0; i < n; i++)
    onTandemUpdate(rx, buf.readUInt16LE(2 + i * 10), buf.readFloatLE(2 + i * 10 + 2));
}

const COLORS = ['#30bced', '#6eeb83', '#ffbc42', '#ecd444', '#ee6352', '#9ac2c9', '#8acb88', '#1be7ff'];
const rnd = (n) => Math.floor(Math.random() * n);
/** A timestamp that survives JSON at µs precision and stays short. */
const ts3 = (t) => Math.round(t * 1000) / 1000;

// ── per-system clients: connect() resolves once the client is in its room; send(t) sends a cursor ──
const systems = {
  relay: {
    async setupRoom(r) {
      return { path: `/room-${r}` };
    },
    async client(room, i) {
      const ws = await openWs(`ws://${base}${room.path}`, (data) => {
        onBytes(data.length);
        onUpdate(data.readFloatLE(3));
      });
      const frame = Buffer.alloc(11);
      frame[0] = 0x34;
      frame.writeUInt16LE(i, 1);
      return {
        ws,
        send(t) {
          frame.writeFloatLE(t, 3);
          frame.writeFloatLE(rnd(1000), 7);
          ws.send(frame);
        },
        close: () => ws.terminate(),
      };
    },
  },

  tandem: {
    async setupRoom() {
      const host = await postJson(base, '/auth/guest', { name: 'Host' });
      const session = await postJson(base, '/sessions', { policy: 'open' }, host.token);
      return { roomId: session.roomId, hostToken: host.token, sendLogs: new Map() };
    },
    async client(room, i) {
      const token = i === 0 ? room.hostToken : (await postJson(base, '/auth/guest', { name: `P${i}` })).token;
      let resolve;
      let reject;
      const admitted = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const rx = { logs: room.sendLogs, seen: new Map() };
      let log;
      const ws = await openWs(
        `ws://${base}/rooms/${room.roomId}?token=${encodeURIComponent(token)}`,
        (data) => {
          onBytes(data.length);
          const tag = data[0];
          if (tag === 0x34) return onTandemUpdate(rx, data.readUInt16LE(1), data.readFloatLE(3));
          // peerCursors2d: tag, varuint count, then 10-byte entries (u16 slot, f32 x, f32 y).
          if (tag === 0x38) return onPacked(rx, data);
          if (tag === 0x0f) {
            for (const { frame } of decode(new Uint8Array(data)).frames) {
              const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
              if (frame[0] === 0x34) onTandemUpdate(rx, buf.readUInt16LE(1), buf.readFloatLE(3));
              else if (frame[0] === 0x38) onPacked(rx, buf);
            }
            return;
          }
          const m = decode(new Uint8Array(data));
          if (m.type === 'welcome') {
            log = [];
            room.sendLogs.set(m.slot, log);
          } else if (m.type === 'admission' && m.state === 'admitted') resolve();
          else if (m.type === 'error') {
            errors++;
            reject(new Error(`tandem error ${m.code}: ${m.message}`));
          }
        },
      );
      ws.send(encode({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 }));
      await admitted;
      return {
        ws,
        send(t) {
          log.push(Math.fround(t));
          ws.send(encode({ type: 'cursor2d', x: t, y: rnd(1000) }));
        },
        close: () => ws.terminate(),
      };
    },
  },

  socketio: {
    async setupRoom(r) {
      return { name: `room-${r}` };
    },
    async client(room, i) {
      const socket = io(`http://${base}`, {
        transports: ['websocket'],
        query: { room: room.name },
        forceNew: true,
        reconnection: false,
      });
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      // Engine.IO packet as sent on the wire: one type character, then the Socket.IO packet text.
      socket.io.engine.on('packet', (p) => {
        if (p.type === 'message') onBytes(1 + Buffer.byteLength(p.data));
      });
      socket.on('c', (c) => onUpdate(c.x));
      return {
        send(t) {
          socket.emit('c', { id: i, x: ts3(t), y: rnd(1000) });
        },
        close: () => socket.disconnect(),
      };
    },
  },
};

/** Awareness update for one client: count, clientID, clock, JSON state (y-protocols encoding). */
function awarenessUpdate(clientId, clock, state) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, clientId);
  encoding.writeVarUint(e, clock);
  encoding.writeVarString(e, JSON.stringify(state));
  return encoding.toUint8Array(e);
}

function readAwareness(bytes, self) {
  const d = decoding.createDecoder(bytes);
  const count = decoding.readVarUint(d);
  for (let k = 0; k < count; k++) {
    const clientId = decoding.readVarUint(d);
    decoding.readVarUint(d);
    const json = decoding.readVarString(d);
    if (clientId === self || json === 'null') continue;
    const state = JSON.parse(json);
    if (state?.cursor) onUpdate(state.cursor.x);
  }
}

function yjsAwarenessClient({ url, prefix }) {
  return async (room, i) => {
    const clientId = 1 + rnd(0x7fffffff);
    let clock = 0;
    const user = { name: `User ${i}`, color: COLORS[i % COLORS.length] };
    let resolve;
    const ready = new Promise((res) => {
      resolve = res;
    });
    const ws = await openWs(url(room), (data) => {
      onBytes(data.length);
      const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (prefix) decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      if (type === 1) readAwareness(decoding.readVarUint8Array(d), clientId);
      resolve();
    });
    const head = (type) => {
      const e = encoding.createEncoder();
      if (prefix) encoding.writeVarString(e, room.name);
      encoding.writeVarUint(e, type);
      return e;
    };
    if (prefix) {
      // Hocuspocus: an auth message (token '') opens the document on this socket.
      const e = head(2);
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, '');
      ws.send(encoding.toUint8Array(e));
    }
    await ready;
    return {
      ws,
      send(t) {
        const e = head(1);
        encoding.writeVarUint8Array(
          e,
          awarenessUpdate(clientId, ++clock, { user, cursor: { x: ts3(t), y: rnd(1000) } }),
        );
        ws.send(encoding.toUint8Array(e));
      },
      close: () => ws.terminate(),
    };
  };
}

systems.hocuspocus = {
  async setupRoom(r) {
    return { name: `room-${r}` };
  },
  client: yjsAwarenessClient({ url: () => `ws://${base}/`, prefix: true }),
};
systems.ywebsocket = {
  async setupRoom(r) {
    return { name: `room-${r}` };
  },
  client: yjsAwarenessClient({ url: (room) => `ws://${base}/${room.name}`, prefix: false }),
};

// ── run ─────────────────────────────────────────────────────────────────────────────────────
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await fn(items[k], k);
      }
    }),
  );
  return out;
}

const impl = systems[system];
if (!impl) throw new Error(`unknown system ${system}`);
const setupStart = now();
const roomInfos = await pool(
  Array.from({ length: rooms }, (_, r) => r),
  16,
  (r) => impl.setupRoom(r),
);
const slots = roomInfos.flatMap((room) => Array.from({ length: perRoom }, (_, i) => ({ room, i })));
const clients = await pool(slots, 32, ({ room, i }) => impl.client(room, i));
const setupMs = now() - setupStart;

// Senders: each on its own drift-free schedule, phases spread over one period.
const start = now() + 100;
windowStart = start + warmupMs;
windowEnd = windowStart + measureMs;
runSchedules(clients, {
  now,
  startMs: start,
  endMs: windowEnd,
  periodMs,
  phaseOf: () => Math.random() * periodMs,
  fire(client, t, lateMs) {
    if (t >= windowStart) maxSendLagMs = Math.max(maxSendLagMs, lateMs);
    client.send(t);
    if (t >= windowStart) {
      sentInWindow++;
      expectedInWindow += perRoom - 1;
    }
  },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
await sleep(windowStart - now());
const cpu0 = cpuMicros(serverPid);
const busy0 = machineBusyMicros();
const gen0 = process.cpuUsage();
const w0 = now();
await sleep(windowEnd - now());
const cpu1 = cpuMicros(serverPid);
const busy1 = machineBusyMicros();
const gen1 = process.cpuUsage(gen0);
const w1 = now();
await sleep(drainMs);
const mem = memory(serverPid);
for (const c of clients) c.close();

const elapsedUs = (w1 - w0) * 1000;
const serverCpuUs = cpu1 - cpu0;
const result = {
  system,
  rooms,
  connections: clients.length,
  setupMs: Math.round(setupMs),
  sentInWindow,
  expectedInWindow,
  deliveredInWindow,
  deliveryRatio: expectedInWindow ? deliveredInWindow / expectedInWindow : 0,
  supersededRatio: expectedInWindow ? supersededInWindow / expectedInWindow : 0,
  p50: hist.percentile(50),
  p99: hist.percentile(99),
  max: hist.max,
  serverCpuPct: (100 * serverCpuUs) / elapsedUs,
  serverCpuUsPerUpdate: deliveredInWindow ? serverCpuUs / deliveredInWindow : Number.NaN,
  peakRssBytes: mem.peakRss,
  bytesPerUpdate: updatesRecvInWindow ? bytesInWindow / updatesRecvInWindow : Number.NaN,
  generatorCpuPct: (100 * (gen1.user + gen1.system)) / elapsedUs,
  maxSendLagMs,
  // CPU used by everything else on the machine during the window, % of one core
  backgroundCpuPct: Math.max(
    0,
    (100 * (busy1 - busy0 - serverCpuUs - (gen1.user + gen1.system))) / elapsedUs,
  ),
  errors,
};
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
