// Workload 2 load generator: R rooms × N participants, each editing at `hz`. Modes: `lww` (the whole
// document, `docBytes`, per edit), `ops` (a small operation per edit) and `yjs` (typing into a
// Y.Text). The sender's timestamp rides in every edit; receivers measure edit→delivery, and Tandem
// authors measure edit→durable ack (`docAck`). Prints one line `RESULT <json>`.
import { performance } from 'node:perf_hooks';
import { encode } from '@tandem/protocol';
import * as Y from 'yjs';
import { Histogram } from '../lib/histogram.mjs';
import { cpuMicros } from '../lib/proc.mjs';
import { runSchedules } from '../lib/schedule.mjs';
import { guest, openWs, tandemJoin, tandemSession, Y_STEP1, Y_STEP2, Y_UPDATE, yJoin } from '../lib/wire.mjs';
import { stampsIn, typedStamp } from '../lib/yjs-stamps.mjs';

const cfg = JSON.parse(process.argv[2]);
const { system, mode, port, rooms, perRoom = 10, hz = 8, docBytes = 10_240, warmupMs, measureMs } = cfg;
const { drainMs = 1500, serverPid } = cfg;
const base = `127.0.0.1:${port}`;
const t0 = performance.now();
const now = () => performance.now() - t0;
const periodMs = 1000 / hz;

let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const delivery = new Histogram();
const acks = new Histogram();
let sentInWindow = 0;
let deliveredInWindow = 0;
let ackedInWindow = 0;
let refused = 0;

const inWindow = (t) => t >= windowStart && t < windowEnd;
function delivered(sentAt) {
  if (!inWindow(sentAt)) return;
  deliveredInWindow++;
  delivery.record(now() - sentAt);
}

// lww and ops payloads carry the send time as a float64 in their first 8 bytes.
const stamp = (bytes, t) => {
  new DataView(bytes.buffer, bytes.byteOffset, 8).setFloat64(0, t, true);
  return bytes;
};
const stampOf = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
const payload = () => new Uint8Array(mode === 'lww' ? docBytes : 64);

// yjs: each edit types its time as a stamp into the Y.Text; receivers find it in the update's bytes.
const yjsStamps = (bytes, each) => stampsIn(bytes, (text) => each(Number(text)));

/** A local Y.Doc that types timestamps; `onUpdate` gets each local update's bytes. */
function typist(onUpdate) {
  const doc = new Y.Doc();
  const text = doc.getText('text');
  doc.on('update', (update, origin) => {
    if (origin !== 'remote') onUpdate(update);
  });
  return { doc, type: (t) => text.insert(text.length, typedStamp(t.toFixed(3))) };
}

// ── clients per system: each resolves to { edit(t) } once in its room ─────────────────────────
const clients = {
  async relay(room) {
    const ws = await openWs(`ws://${base}/edits-${room.r}`, (data) => delivered(stampOf(data)));
    return { edit: (t) => ws.send(stamp(payload(), t)), close: () => ws.terminate() };
  },

  async tandem(room, i) {
    const token = i === 0 ? room.hostToken : await guest(base, `P${i}`);
    const pending = new Map(); // rid → send time, for the durable ack
    let rid = 0;
    let yjs;
    const onMessage = (m, _bytes, ws) => {
      switch (m.type) {
        case 'lwwDoc':
          if (m.version > 0 && m.doc.length >= 8) delivered(stampOf(m.doc));
          break;
        case 'op':
          if (m.slot !== mySlot) delivered(stampOf(m.op));
          break;
        case 'yjs':
          if (m.step === 'update') yjsStamps(m.data, delivered);
          else if (m.step === 'state-vector') {
            // Admission handshake: say what this client has, so the room sends what it lacks.
            const sv = yjs ? Y.encodeStateVector(yjs.doc) : new Uint8Array([0]);
            ws.send(encode({ type: 'yjs', step: 'state-vector', rid: ++rid, data: sv }));
          }
          break;
        case 'docAck': {
          const sentAt = pending.get(m.rid);
          if (sentAt === undefined) break;
          pending.delete(m.rid);
          if (inWindow(sentAt)) {
            ackedInWindow++;
            acks.record(now() - sentAt);
          }
          break;
        }
        case 'welcome':
          mySlot = m.slot;
          break;
        case 'error':
          refused++;
          break;
      }
    };
    let mySlot = -1;
    const ws = await tandemJoin(base, room.roomId, token, onMessage);
    const send = (t, message) => {
      pending.set(message.rid, t);
      ws.send(encode(message));
    };
    if (mode === 'yjs') {
      let sentAt = 0;
      yjs = typist((update) => send(sentAt, { type: 'yjs', step: 'update', rid: ++rid, data: update }));
      return {
        edit: (t) => {
          sentAt = t;
          yjs.type(t);
        },
        close: () => ws.terminate(),
      };
    }
    return {
      edit: (t) =>
        mode === 'lww'
          ? send(t, { type: 'lwwSet', rid: ++rid, resource: '', doc: stamp(payload(), t) })
          : send(t, { type: 'opSubmit', rid: ++rid, resource: `layer-${i}`, op: stamp(payload(), t) }),
      close: () => ws.terminate(),
    };
  },

  hocuspocus: (room, i) => yTypist(room, i, true),
  ywebsocket: (room, i) => yTypist(room, i, false),
};

async function yTypist(room, _i, hocuspocus) {
  // Both servers send each update back to its author too: skip this client's own stamps.
  const own = new Set();
  const fromOthers = (t) => {
    if (!own.delete(t)) delivered(t);
  };
  const peer = await yJoin(base, `edits-${room.r}`, {
    hocuspocus,
    onSync: (step, data) => {
      if (step === Y_STEP2 || step === Y_UPDATE) yjsStamps(data, fromOthers);
    },
  });
  peer.send(Y_STEP1, Y.encodeStateVector(new Y.Doc()));
  const yjs = typist((update) => peer.send(Y_UPDATE, update));
  return {
    edit: (t) => {
      own.add(Number(t.toFixed(3)));
      yjs.type(t);
    },
    close: () => peer.ws.terminate(),
  };
}

// ── run ─────────────────────────────────────────────────────────────────────────────────────
const join = clients[system];
if (!join) throw new Error(`unknown system ${system}`);
const roomInfos = [];
for (let r = 0; r < rooms; r++)
  roomInfos.push(system === 'tandem' ? { r, ...(await tandemSession(base, mode)) } : { r });
const people = [];
for (const room of roomInfos) for (let i = 0; i < perRoom; i++) people.push(await join(room, i));

const start = now() + 100;
windowStart = start + warmupMs;
windowEnd = windowStart + measureMs;
runSchedules(people, {
  now,
  startMs: start,
  endMs: windowEnd,
  periodMs,
  phaseOf: (k) => (k / people.length) * periodMs,
  fire(person, t) {
    person.edit(t);
    if (inWindow(t)) sentInWindow++;
  },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
await sleep(windowStart - now());
const cpu0 = cpuMicros(serverPid);
const gen0 = process.cpuUsage();
await sleep(windowEnd - now());
const cpu1 = cpuMicros(serverPid);
const gen1 = process.cpuUsage(gen0);
await sleep(drainMs);
for (const person of people) person.close();

const expected = sentInWindow * (perRoom - 1);
console.log(
  `RESULT ${JSON.stringify({
    system,
    mode,
    rooms,
    perRoom,
    hz,
    docBytes: mode === 'lww' ? docBytes : undefined,
    sentInWindow,
    deliveryRatio: expected ? deliveredInWindow / expected : 0,
    p50: delivery.percentile(50),
    p99: delivery.percentile(99),
    ackRatio: system === 'tandem' && sentInWindow ? ackedInWindow / sentInWindow : undefined,
    ackP50: system === 'tandem' ? acks.percentile(50) : undefined,
    ackP99: system === 'tandem' ? acks.percentile(99) : undefined,
    serverCpuPct: (100 * (cpu1 - cpu0)) / (measureMs * 1000),
    generatorCpuPct: (100 * (gen1.user + gen1.system)) / (measureMs * 1000),
    refused,
  })}`,
);
process.exit(0);
