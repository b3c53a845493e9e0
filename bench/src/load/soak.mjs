// Soak load generator: `rooms` sessions, each created over the HTTP API, joined by a host and a
// guest over WebSockets, edited in its document mode (lww, ops, yjs in turn) with every edit's
// durable ack and its arrival at the other participant awaited, then a chat message and a cursor
// each way, then left; at most `concurrency` rooms at a time. The server's memory, rooms, handles
// and timers are read at a quiet baseline (after `warmupRooms` rooms of the same kind), sampled
// through the run, and read again once every room has been left and unloaded.
// Prints progress lines, then one line `RESULT <json>`.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { cpuMicros, machineBusyMicros, memory } from '../lib/proc.mjs';
import { hs256Token, postJson, tandemClient } from '../lib/wire.mjs';

const cfg = JSON.parse(process.argv[2]);
const { port, serverPid, rooms, warmupRooms, concurrency, edits, secret, probeFile } = cfg;
const { settleMs, unloadTimeoutMs, runMs, sampleMs = 1000 } = cfg;
const base = `127.0.0.1:${port}`;
const MODES = ['lww', 'ops', 'yjs'];
const t0 = performance.now();
const seconds = () => (performance.now() - t0) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => console.log(`[soak ${seconds().toFixed(0).padStart(4)} s] ${text}`);

/**
 * The server's /metrics as `{ 'name{labels}': value }`, over a connection of its own that closes
 * afterwards: a pooled keep-alive socket would linger among the handles being counted.
 */
function scrape() {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        const values = {};
        for (const line of text.split('\n')) {
          const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
          if (m) values[m[1]] = Number(m[2]);
        }
        resolve(values);
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('/metrics did not answer')));
  });
}

let probeSeq = 0;
/** Asks the server's probe (bench/src/lib/probe.mjs) for a reading after a full GC. */
async function probe() {
  process.kill(serverPid, 'SIGUSR2');
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    try {
      const reading = JSON.parse(readFileSync(probeFile, 'utf8'));
      if (reading.seq > probeSeq) {
        probeSeq = reading.seq;
        return reading;
      }
    } catch {}
    await sleep(50);
  }
  throw new Error('the server did not answer the probe');
}

/**
 * Waits until no room is loaded and nobody is connected, then `settleMs` more (so keep-alive
 * sockets from the sign-ups have timed out), and reads the server: memory after a full GC, rooms,
 * connections, handles, resources and every pending timer.
 */
async function quietReading(label) {
  const started = performance.now();
  let m = await scrape();
  while (m.tandem_rooms > 0 || m.tandem_connections > 0) {
    if (performance.now() - started > unloadTimeoutMs) {
      log(`${label}: ${m.tandem_rooms} rooms still loaded after ${unloadTimeoutMs / 1000} s`);
      break;
    }
    await sleep(100);
    m = await scrape();
  }
  const unloadedMs = performance.now() - started;
  await sleep(settleMs);
  const p = await probe();
  const rss = memory(serverPid).rss;
  m = await scrape();
  return {
    unloadedMs: Math.round(unloadedMs),
    rooms: m.tandem_rooms,
    connections: m.tandem_connections,
    heapUsed: p.memory.heapUsed,
    heapTotal: p.memory.heapTotal,
    external: p.memory.external,
    rss,
    // What /metrics reports (the scrape's own socket is one of the handles, at every reading)…
    activeHandles: m.nodejs_active_handles_total,
    activeResources: m.nodejs_active_resources_total,
    // …and what only the probe sees: pending timers, unref'd ones included.
    timers: p.timers.total,
    timersByName: p.timers.byName,
    resourcesByType: p.resourcesByType,
  };
}

// ── one room ────────────────────────────────────────────────────────────────────────────────
const errors = {};
const count = (key) => {
  errors[key] = (errors[key] ?? 0) + 1;
};
const body = (text) => new TextEncoder().encode(JSON.stringify({ text }));

/** A participant: its client, its slot, its request ids, and for yjs its own document. */
async function participant(roomId, token, mode) {
  const me = { slot: -1, rid: 0, synced: mode !== 'yjs', doc: mode === 'yjs' ? new Y.Doc() : undefined };
  me.client = await tandemClient(base, roomId, token, {
    onMessage(m, client) {
      if (m.type === 'welcome') me.slot = m.slot;
      else if (m.type === 'error') count(`error frame ${m.code}`);
      else if (m.type === 'yjs' && m.step === 'state-vector') {
        // The room's half of the Yjs handshake: say what this client has; the room sends the rest.
        client.send({ type: 'yjs', step: 'state-vector', rid: ++me.rid, data: Y.encodeStateVector(me.doc) });
      } else if (m.type === 'yjs' && m.step === 'diff') me.synced = true;
    },
  });
  if (!me.synced) await me.client.until((m) => m.type === 'yjs' && m.step === 'diff', 'the yjs diff');
  return me;
}

/** The frame an edit of `mode` by `author` arrives as at the others. */
const arrivalOf = {
  lww: (author) => (m) => m.type === 'lwwDoc' && m.slot === author.slot,
  ops: (author) => (m) => m.type === 'op' && m.slot === author.slot,
  yjs: () => (m) => m.type === 'yjs' && m.step === 'update',
};

function editMessage(mode, author, rid, k) {
  if (mode === 'lww') return { type: 'lwwSet', rid, resource: '', doc: body(`edit ${k} by ${author.slot}`) };
  if (mode === 'ops') return { type: 'opSubmit', rid, resource: '', op: body(`op ${k} by ${author.slot}`) };
  let update;
  const capture = (u) => {
    update = u;
  };
  author.doc.on('update', capture);
  author.doc.getText('text').insert(0, `edit ${k} `);
  author.doc.off('update', capture);
  return { type: 'yjs', step: 'update', rid, data: update };
}

/** Sends `message` from `author` and awaits `mine` at the author and `theirs` at every other participant. */
async function exchange(people, author, message, mine, theirs, what) {
  const waits = [];
  if (mine) waits.push(author.client.until(mine, `${what} (author)`));
  for (const other of people) if (other !== author) waits.push(other.client.until(theirs, `${what} (peer)`));
  author.client.send(message);
  await Promise.all(waits);
}

async function room(k) {
  const mode = MODES[k % MODES.length];
  // Fresh users for every room, as guests would be: the server's default limits on hosted rooms
  // and joins per user then hold without being raised. Their tokens were minted up to 50 minutes
  // ago (an hour's lifetime, as a sign-in's), so each has its own time left, as in real use.
  const [hostToken, guestToken] = ['host', 'guest'].map((who) =>
    hs256Token(secret, {
      sub: `soak-${k}-${who}`,
      name: `${who} ${k}`,
      exp: Math.floor(Date.now() / 1000) + 600 + ((k * 7919) % 3000),
    }),
  );
  const { roomId } = await postJson(base, '/sessions', { policy: 'open', docMode: mode }, hostToken);
  const people = [];
  try {
    for (const token of [hostToken, guestToken]) people.push(await participant(roomId, token, mode));
    for (const author of people) {
      for (let e = 0; e < edits; e++) {
        const rid = ++author.rid;
        await exchange(
          people,
          author,
          editMessage(mode, author, rid, e),
          (m) => m.type === 'docAck' && m.rid === rid,
          arrivalOf[mode](author),
          `${mode} edit`,
        );
      }
    }
    const [host, guest] = people;
    const rid = ++host.rid;
    await exchange(
      people,
      host,
      { type: 'chatSend', rid, body: body(`hello from room ${k}`) },
      (m) => m.type === 'chat' && m.rid === rid && m.slot === host.slot,
      (m) => m.type === 'chat' && m.slot === host.slot,
      'chat',
    );
    for (const [from, x] of [
      [guest, 0.25],
      [host, 0.75],
    ]) {
      await exchange(
        people,
        from,
        { type: 'cursor2d', x, y: 0.5 },
        undefined,
        (m) => m.type === 'peerCursor2d' || m.type === 'peerCursors2d',
        'cursor',
      );
    }
  } finally {
    await Promise.all(people.map((p) => p.client.leave()));
    for (const p of people) p.doc?.destroy();
  }
}

/** Rooms `from` … `to - 1`, at most `concurrency` at a time, none started after `deadline`. */
async function drive(from, to, deadline, progress) {
  let next = from;
  const tally = { completed: 0, failed: 0, skipped: 0 };
  const worker = async () => {
    while (next < to) {
      if (performance.now() > deadline) {
        tally.skipped = to - next;
        next = to;
        return;
      }
      const k = next++;
      try {
        await room(k);
        tally.completed++;
      } catch (error) {
        tally.failed++;
        count(String(error.message ?? error).slice(0, 120));
      }
      progress?.(tally);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}

// ── run ─────────────────────────────────────────────────────────────────────────────────────
log(`warm-up: ${warmupRooms} rooms`);
const warm = await drive(0, warmupRooms, Number.POSITIVE_INFINITY);
if (warm.failed) log(`warm-up: ${warm.failed} rooms failed: ${JSON.stringify(errors)}`);
const baseline = await quietReading('baseline');
log(
  `baseline: heap ${(baseline.heapUsed / 2 ** 20).toFixed(1)} MiB, RSS ${(baseline.rss / 2 ** 20).toFixed(1)} MiB, ${baseline.activeHandles} handles, ${baseline.timers} timers`,
);

const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed, rooms: 0, connections: 0 };
const timeline = [];
let running = true;
let done = 0;
const sampler = (async () => {
  while (running) {
    try {
      const m = await scrape();
      const rss = memory(serverPid).rss;
      peak.rss = Math.max(peak.rss, rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.nodejs_heap_size_used_bytes);
      peak.rooms = Math.max(peak.rooms, m.tandem_rooms);
      peak.connections = Math.max(peak.connections, m.tandem_connections);
      timeline.push({
        t: Number(seconds().toFixed(1)),
        done,
        rooms: m.tandem_rooms,
        connections: m.tandem_connections,
        rss,
        heapUsed: m.nodejs_heap_size_used_bytes,
      });
    } catch (error) {
      count(`scrape: ${error.message}`);
    }
    await sleep(sampleMs);
  }
})();

log(`soak: ${rooms} rooms, ${concurrency} at a time`);
const cpu0 = { server: cpuMicros(serverPid), generator: process.cpuUsage(), machine: machineBusyMicros() };
const started = performance.now();
let lastLog = started;
const tally = await drive(warmupRooms, warmupRooms + rooms, started + runMs, (t) => {
  done = t.completed + t.failed;
  if (performance.now() - lastLog < 5000) return;
  lastLog = performance.now();
  log(`${done} / ${rooms} rooms (${t.failed} failed)`);
});
const runS = (performance.now() - started) / 1000;
const generatorCpu = process.cpuUsage(cpu0.generator);
const cpu = {
  server: cpuMicros(serverPid) - cpu0.server,
  generator: generatorCpu.user + generatorCpu.system,
  machine: machineBusyMicros() - cpu0.machine,
};
log(`${tally.completed} rooms done in ${runS.toFixed(1)} s; waiting for the server to unload them`);
running = false;
await sampler;
const after = await quietReading('after');
peak.vmHwm = memory(serverPid).peakRss;

const pct = (micros) => (100 * micros) / (runS * 1e6);
console.log(
  `RESULT ${JSON.stringify({
    rooms,
    warmupRooms,
    concurrency,
    editsPerParticipant: edits,
    ...tally,
    warmupFailed: warm.failed,
    errors,
    runS,
    roomsPerSecond: tally.completed / runS,
    serverCpuPct: pct(cpu.server),
    generatorCpuPct: pct(cpu.generator),
    // Everything else the machine did meanwhile (it is shared), in % of one core.
    backgroundCpuPct: pct(cpu.machine - cpu.server - cpu.generator),
    baseline,
    peak,
    after,
    timeline,
  })}`,
);
process.exit(0);
