// The yjs-provider load generator: R rooms × N official y-websocket `WebsocketProvider`s (Node `ws`
// as their WebSocket), against Tandem's `/yjs/rooms/<id>` endpoint or the y-websocket server. The
// first `typists` of each room type `⟦<author>:<time>⟧` at the end of a shared Y.Text at `hz` and
// move their awareness cursor with each keystroke, as an editor binding does; the others read.
// Receivers find the stamps in the updates their document applies and the times in the awareness
// states they receive. Every phase ends by itself; a server that dies shows as missing deliveries.
// Prints one line `RESULT <json>`.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { Histogram } from '../lib/histogram.mjs';
import { cpuMicros, machineBusyMicros } from '../lib/proc.mjs';
import { runSchedules } from '../lib/schedule.mjs';
import { guest, tandemSession } from '../lib/wire.mjs';
import { stampsIn, typedStamp } from '../lib/yjs-stamps.mjs';

const cfg = JSON.parse(process.argv[2]);
const { system, port, serverPid, rooms, perRoom, typists, hz, warmupMs, measureMs } = cfg;
const { drainMs = 2000, syncTimeoutMs = 30_000 } = cfg;
const t0 = performance.now();
const now = () => performance.now() - t0;
/** The measured window, from once every provider has synced and the warm-up is over. */
const win = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
const inWindow = (t) => t >= win.start && t < win.end;
const edits = { latency: new Histogram(), sent: 0, delivered: 0 };
const awareness = { latency: new Histogram(), sent: 0, delivered: 0 };
let maxSendLagMs = 0;
// What the server sent the clients during the window (WebSocket payloads, headers excluded).
const wire = { frames: 0, bytes: 0 };

/** `ws` counting what it receives, handed to the provider as its WebSocket. */
class CountingWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    this.on('message', (data) => {
      const t = now();
      if (!inWindow(t)) return;
      wire.frames++;
      wire.bytes += data.length ?? data.byteLength;
    });
  }
}

function record(kind, sentAt) {
  if (!inWindow(sentAt)) return;
  kind.delivered++;
  kind.latency.record(now() - sentAt);
}

/** Where each system serves a room, and what its providers send along. */
async function roomTarget(r) {
  const base = `127.0.0.1:${port}`;
  if (system !== 'tandem') return { url: `ws://${base}`, name: `yjs-provider-${r}`, token: () => undefined };
  const { roomId, hostToken } = await tandemSession(base, 'yjs');
  return {
    url: `ws://${base}/yjs`,
    name: `rooms/${roomId}`,
    token: (i) => (i === 0 ? hostToken : guest(base, `P${i}`)),
  };
}

/** One participant: its document, its provider, and (for a typist) a keystroke. */
async function participant(target, id, i) {
  const doc = new Y.Doc();
  const token = await target.token(i);
  const provider = new WebsocketProvider(target.url, target.name, doc, {
    params: token ? { token } : {},
    WebSocketPolyfill: CountingWebSocket,
    // Every provider lives in this one process: without this they would sync among themselves.
    disableBc: true,
  });
  provider.awareness.setLocalStateField('user', { name: `P${id}`, color: '#30bced' });
  doc.on('update', (update, origin) => {
    if (origin !== provider) return;
    stampsIn(update, (text) => {
      const [author, sentAt] = text.split(':').map(Number);
      if (author !== id) record(edits, sentAt);
    });
  });
  provider.awareness.on('change', ({ added, updated }, origin) => {
    if (origin === 'local') return;
    const states = provider.awareness.getStates();
    for (const clientId of [...added, ...updated]) {
      const at = states.get(clientId)?.cursor?.at;
      if (typeof at === 'number') record(awareness, at);
    }
  });
  const text = doc.getText('text');
  return {
    id,
    provider,
    type(t) {
      text.insert(text.length, typedStamp(`${id}:${t.toFixed(3)}`));
      provider.awareness.setLocalStateField('cursor', { at: t, index: text.length });
    },
  };
}

function synced(p) {
  return new Promise((resolve) => {
    if (p.synced) return resolve();
    const on = (state) => {
      if (!state) return;
      p.off('sync', on);
      resolve();
    };
    p.on('sync', on);
  });
}

/** Server CPU in µs, or NaN once the server is gone. */
function serverCpu() {
  try {
    return cpuMicros(serverPid);
  } catch {
    return Number.NaN;
  }
}

// ── run ─────────────────────────────────────────────────────────────────────────────────────
const people = [];
let setupError;
try {
  for (let r = 0; r < rooms; r++) {
    const target = await roomTarget(r);
    for (let i = 0; i < perRoom; i++) people.push(await participant(target, people.length, i));
  }
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not synced within ${syncTimeoutMs} ms`)), syncTimeoutMs);
  });
  await Promise.race([Promise.all(people.map((p) => synced(p.provider))), timeout]);
  clearTimeout(timer);
} catch (error) {
  setupError = String(error.message ?? error);
}

const typing = people.filter((_, k) => k % perRoom < typists);
const start = now() + 100;
win.start = start + warmupMs;
win.end = win.start + measureMs;
if (!setupError) {
  runSchedules(typing, {
    now,
    startMs: start,
    endMs: win.end,
    periodMs: 1000 / hz,
    phaseOf: (k) => (k / typing.length) * (1000 / hz),
    fire(person, t, lateMs) {
      person.type(t);
      if (!inWindow(t)) return;
      edits.sent++;
      awareness.sent++;
      maxSendLagMs = Math.max(maxSendLagMs, lateMs);
    },
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
await sleep(win.start - now());
const cpu0 = serverCpu();
const busy0 = machineBusyMicros();
const gen0 = process.cpuUsage();
await sleep(win.end - now());
const cpu1 = serverCpu();
const busy1 = machineBusyMicros();
const gen1 = process.cpuUsage(gen0);
await sleep(drainMs);
for (const p of people) p.provider.destroy();

const expected = (sent) => sent * (perRoom - 1);
const serverCpuUs = cpu1 - cpu0;
console.log(
  `RESULT ${JSON.stringify({
    system,
    rooms,
    perRoom,
    typists,
    hz,
    failed: setupError,
    serverGone: Number.isNaN(serverCpuUs) || undefined,
    editsSent: edits.sent,
    editsDelivered: edits.delivered,
    deliveryRatio: edits.sent ? edits.delivered / expected(edits.sent) : 0,
    p50: edits.latency.percentile(50),
    p99: edits.latency.percentile(99),
    max: edits.latency.max,
    awarenessDeliveryRatio: awareness.sent ? awareness.delivered / expected(awareness.sent) : 0,
    awarenessP50: awareness.latency.percentile(50),
    awarenessP99: awareness.latency.percentile(99),
    serverCpuPct: (100 * serverCpuUs) / (measureMs * 1000),
    serverCpuUsPerEdit: serverCpuUs / edits.delivered,
    serverCpuUsPerMessage: serverCpuUs / (edits.delivered + awareness.delivered),
    framesPerEdit: wire.frames / edits.delivered,
    bytesPerEdit: wire.bytes / edits.delivered,
    generatorCpuPct: (100 * (gen1.user + gen1.system)) / (measureMs * 1000),
    maxSendLagMs,
    // CPU used by everything else on the machine during the window, % of one core
    backgroundCpuPct: Math.max(
      0,
      (100 * (busy1 - busy0 - serverCpuUs - (gen1.user + gen1.system))) / (measureMs * 1000),
    ),
  })}`,
);
process.exit(0);
