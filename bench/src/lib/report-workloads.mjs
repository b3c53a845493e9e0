// RESULTS.md sections for workloads 2–4 and the targets, each a list of lines.
import { capacityRatio, capacityVerdict, capText, ratioText } from './capacity.mjs';

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const labelOf = (results, id) => results.systems.find((s) => s.id === id)?.label ?? id;
const MODE_TEXT = {
  lww: 'lww, 10 KB document',
  ops: 'ops, 64-byte operation',
  yjs: 'yjs, typing into a Y.Text',
};

export function renderEdits(results) {
  const w2 = results.documentEdits;
  if (!w2) return [];
  const out = [
    '## Workload 2: document edits',
    '',
    `${w2.rooms} rooms × 10 participants, each editing at 8/s (${w2.rooms * 80} edits/s in all); ${w2.warmupMs / 1000} s warm-up, ${w2.measureMs / 1000} s measured. Delivery latency is edit → arrival at each other participant; the durable ack is Tandem's \`docAck\`, sent once the edit is committed to SQLite on disk (\`synchronous=FULL\`, the default store). The relay is the floor (it stores nothing and relays the same bytes); Hocuspocus and y-websocket keep documents in memory only.`,
    '',
    '| system | mode | delivery % | p50 ms | p99 ms | durable ack p50 ms | durable ack p99 ms | server CPU % | generator CPU % |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of w2.runs) {
    if (r.failed) {
      out.push(`| ${labelOf(results, r.system)} | ${r.mode} | error: ${r.failed} | | | | | | |`);
      continue;
    }
    out.push(
      `| ${labelOf(results, r.system)} | ${MODE_TEXT[r.mode]} | ${f(100 * r.deliveryRatio, 2)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.ackP50 === undefined ? '–' : f(r.ackP50, 2)} | ${r.ackP99 === undefined ? '–' : f(r.ackP99, 2)} | ${f(r.serverCpuPct)} | ${r.generatorCpuPct === undefined ? '–' : f(r.generatorCpuPct)}${r.generatorCpuPct > 85 ? ' ⚠' : ''} |`,
    );
  }
  out.push('');
  return out;
}

export function renderJoins(results) {
  const w3 = results.joins;
  if (!w3) return [];
  const out = [
    '## Workload 3: join',
    '',
    `Time from opening the socket to holding the whole document, ${w3.repeats} joins each, one at a time, while the writer that put the document there stays connected. **lww**: 500,000 bytes (Tandem: an \`lww\` room; Hocuspocus and y-websocket: a Y.Doc whose map holds those bytes). **yjs**: a Y.Text built from ${w3.edits.toLocaleString('en')} typing edits (runs at a cursor that jumps now and then, one edit in ten a deletion), the same document for every system. Tandem's joiner signs in (token minted before the clock starts), is admitted to an \`open\` room and asks for the document with an empty state vector; the Yjs servers' joiner sends sync step 1 with an empty state vector.`,
    '',
    '| system | document | bytes | median ms | p90 ms | min ms | max ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of w3.runs) {
    if (r.failed) {
      out.push(`| ${labelOf(results, r.system)} | ${r.doc} | error: ${r.failed} | | | | |`);
      continue;
    }
    out.push(
      `| ${labelOf(results, r.system)} | ${r.doc} | ${r.bytes.toLocaleString('en')} | ${f(r.median, 1)} | ${f(r.p90, 1)} | ${f(r.min, 1)} | ${f(r.max, 1)} |`,
    );
  }
  out.push('');
  return out;
}

export function renderIdle(results) {
  const w4 = results.idle;
  if (!w4) return [];
  const out = [
    '## Workload 4: idle connections',
    '',
    `Server RSS per idle connection: (RSS with ${w4.connections.toLocaleString('en')} joined connections in rooms of 10 − RSS with one) ÷ connections, each RSS the lowest of three reads a second apart once setup is done. Joined means: Tandem admitted to an \`open\` room (one session per room), Socket.IO connected to its room, Hocuspocus and y-websocket synced, the relay connected.`,
    '',
    '| system | connections | RSS before (MiB) | RSS after (MiB) | KiB per connection |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of w4.runs) {
    if (r.failed) {
      out.push(`| ${labelOf(results, r.system)} | ${w4.connections} | error: ${r.failed} | | |`);
      continue;
    }
    out.push(
      `| ${labelOf(results, r.system)} | ${r.connections} | ${f(r.baselineRss / 2 ** 20)} | ${f(r.rss / 2 ** 20)} | ${f(r.bytesPerConnection / 1024)} |`,
    );
  }
  out.push('');
  return out;
}

/** Each target of Tandem against this run's numbers, met or not. */
export function renderTargets(results, summary) {
  const tandem = summary.find((s) => s.id === 'tandem');
  const relay = summary.find((s) => s.id === 'relay');
  const hocus = summary.find((s) => s.id === 'hocuspocus');
  const rows = [];
  const row = (target, measured, met) =>
    rows.push(
      `| ${target} | ${measured} | ${met === undefined ? 'not measured' : met === 'undecided' ? 'undecided (the bounds straddle it)' : met ? 'met' : '**not met**'} |`,
    );
  if (tandem && relay) {
    row(
      'cursor capacity ≥ 2 × the floor relay',
      `${capText(tandem)} vs ${capText(relay)} rooms (${ratioText(capacityRatio(tandem, relay))})`,
      capacityVerdict(tandem, relay, 2),
    );
    const t50 = tandem.at(50)?.serverCpuUsPerUpdate;
    const r50 = relay.at(50)?.serverCpuUsPerUpdate;
    row(
      'server CPU per delivered cursor update at R = 50 ≤ 0.5 × the floor',
      `${f(t50, 2)} vs ${f(r50, 2)} µs (${f(t50 / r50, 2)}×)`,
      Number.isFinite(t50 / r50) ? t50 / r50 <= 0.5 : undefined,
    );
  }
  if (tandem && hocus) {
    row(
      'cursor capacity ≥ 4 × Hocuspocus',
      `${capText(tandem)} vs ${capText(hocus)} rooms (${ratioText(capacityRatio(tandem, hocus))})`,
      capacityVerdict(tandem, hocus, 4),
    );
  }
  if (tandem) {
    const bytes = tandem.at(10)?.bytesPerUpdate;
    row(
      'wire bytes per 2D cursor update ≤ 12',
      `${f(bytes)} B`,
      Number.isFinite(bytes) ? bytes <= 12 : undefined,
    );
  }
  const lww = results.documentEdits?.runs.find((r) => r.system === 'tandem' && r.mode === 'lww' && !r.failed);
  if (lww) {
    row(
      `durable edit ack p99 ≤ 20 ms (${results.documentEdits.rooms} rooms × 10 users × 8 edits/s, SQLite)`,
      `${f(lww.ackP99, 2)} ms (lww 10 KB); ${results.documentEdits.runs
        .filter((r) => r.system === 'tandem' && r.mode !== 'lww' && !r.failed)
        .map((r) => `${f(r.ackP99, 2)} ms (${r.mode})`)
        .join('; ')}`,
      results.documentEdits.runs
        .filter((r) => r.system === 'tandem')
        .every((r) => !r.failed && r.ackP99 <= 20),
    );
  }
  const idle = results.idle?.runs.find((r) => r.system === 'tandem' && !r.failed);
  if (idle) {
    const kb = idle.bytesPerConnection / 1000;
    row(
      `idle connection ≤ 20 KB RSS (${idle.connections.toLocaleString('en')} connections)`,
      `${f(kb)} KB`,
      kb <= 20,
    );
  }
  const joinOf = (system) =>
    results.joins?.runs.find((r) => r.system === system && r.doc === 'lww' && !r.failed);
  if (joinOf('tandem') && joinOf('hocuspocus')) {
    const t = joinOf('tandem').median;
    const h = joinOf('hocuspocus').median;
    row(
      'a 500 KB document reaches a joiner no slower than on Hocuspocus (median)',
      `${f(t, 1)} vs ${f(h, 1)} ms`,
      t <= h,
    );
  }
  if (rows.length === 0) return [];
  return ['## Targets', '', '| target | this run | verdict |', '| --- | --- | --- |', ...rows, ''];
}
