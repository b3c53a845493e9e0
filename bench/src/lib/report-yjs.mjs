// The yjs-provider workload's summary, its tables for the terminal, and its section of RESULTS.md.

/** The start of the section's heading in RESULTS.md. */
export const YJS_HEADING = '## y-websocket providers';

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const MEDIANS = [
  'p50',
  'p99',
  'awarenessP50',
  'awarenessP99',
  'serverCpuPct',
  'serverCpuUsPerEdit',
  'serverCpuUsPerMessage',
  'framesPerEdit',
  'bytesPerEdit',
  'generatorCpuPct',
  'backgroundCpuPct',
];

/**
 * Per room size and variant, the medians over rounds (delivery: the lowest round); per room size
 * and Tandem variant, Tandem ÷ y-websocket of each round's CPU per delivered edit (median and
 * range) and of the median latencies.
 */
export function yjsSummary(report) {
  const rows = [];
  const ratios = [];
  for (const perRoom of report.config.sizes) {
    const at = (variant) => report.runs.filter((r) => r.variant === variant && r.perRoom === perRoom);
    for (const v of report.variants) {
      const mine = at(v.id);
      const ok = mine.filter((r) => !r.failed);
      const row = {
        variant: v.id,
        label: v.label,
        perRoom,
        rounds: mine.length,
        failed: mine.length - ok.length,
      };
      for (const key of MEDIANS) row[key] = median(ok.map((r) => r[key]));
      row.deliveryRatio = ok.length ? Math.min(...ok.map((r) => r.deliveryRatio)) : 0;
      row.awarenessDeliveryRatio = ok.length ? Math.min(...ok.map((r) => r.awarenessDeliveryRatio)) : 0;
      rows.push(row);
    }
    const peer = rows.find((r) => r.perRoom === perRoom && r.variant === 'ywebsocket');
    if (!peer) continue;
    for (const v of report.variants.filter((x) => x.id !== 'ywebsocket')) {
      const perRound = at(v.id)
        .map((r) => {
          const p = at('ywebsocket').find((x) => x.round === r.round && !x.failed);
          return r.failed || !p ? Number.NaN : r.serverCpuUsPerEdit / p.serverCpuUsPerEdit;
        })
        .filter(Number.isFinite);
      const mine = rows.find((r) => r.perRoom === perRoom && r.variant === v.id);
      ratios.push({
        variant: v.id,
        label: v.label,
        perRoom,
        cpu: median(perRound),
        cpuMin: Math.min(...perRound),
        cpuMax: Math.max(...perRound),
        p50: mine.p50 / peer.p50,
        p99: mine.p99 / peer.p99,
        bytes: mine.bytesPerEdit / peer.bytesPerEdit,
      });
    }
  }
  return { rows, ratios };
}

/** Markdown tables (readable in a terminal too; biome aligns them in RESULTS.md). */
export function yjsTables(report) {
  const { rows, ratios } = report.summary;
  const lines = [
    '| room | server | delivery % | edit p50 ms | edit p99 ms | awareness p50 ms | awareness p99 ms | server CPU % | CPU µs / delivered edit | frames / edit | bytes / edit | generator CPU % | background CPU % |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const failed = r.failed ? ` (${r.failed} of ${r.rounds} rounds failed)` : '';
    lines.push(
      `| ${r.perRoom} | ${r.label}${failed} | ${f(100 * r.deliveryRatio, 2)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.awarenessP50, 2)} | ${f(r.awarenessP99, 2)} | ${f(r.serverCpuPct)} | ${f(r.serverCpuUsPerEdit)} | ${f(r.framesPerEdit, 2)} | ${f(r.bytesPerEdit, 0)} | ${f(r.generatorCpuPct)}${r.generatorCpuPct > 85 ? ' ⚠' : ''} | ${f(r.backgroundCpuPct)} |`,
    );
  }
  lines.push(
    '',
    '| room | Tandem ÷ y-websocket | CPU µs / delivered edit (range over rounds) | edit p50 | edit p99 | bytes / edit | target: CPU ratio ≤ 1 |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const r of ratios) {
    lines.push(
      `| ${r.perRoom} | ${r.label} | ${f(r.cpu, 2)} (${f(r.cpuMin, 2)}–${f(r.cpuMax, 2)}) | ${f(r.p50, 1)} | ${f(r.p99, 1)} | ${f(r.bytes, 2)} | ${Number.isFinite(r.cpu) ? (r.cpu <= 1 ? 'met' : '**not met**') : '—'} |`,
    );
  }
  return lines.join('\n');
}

/** One row per phase, in the order run. */
function everyRun(report) {
  const label = (id) => report.variants.find((v) => v.id === id)?.label ?? id;
  const lines = [
    '| round | room | server | delivery % | edit p50 ms | edit p99 ms | server CPU % | CPU µs / delivered edit | generator CPU % | background CPU % |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of report.runs) {
    lines.push(
      r.failed
        ? `| ${r.round} | ${r.perRoom} | ${label(r.variant)} | failed: ${r.failed} | | | | | | |`
        : `| ${r.round} | ${r.perRoom} | ${label(r.variant)} | ${f(100 * r.deliveryRatio, 2)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.serverCpuPct)} | ${f(r.serverCpuUsPerEdit)} | ${f(r.generatorCpuPct)} | ${f(r.backgroundCpuPct)} |`,
    );
  }
  return lines.join('\n');
}

/** The section of RESULTS.md. */
export function renderYjs(report) {
  const { config: c, machine: m } = report;
  const version = (id) => report.variants.find((v) => v.id === id)?.version;
  return [
    `${YJS_HEADING}: Tandem's \`/yjs\` endpoint and the y-websocket server`,
    '',
    `Generated by \`bench/src/yjs.mjs\` (\`npm run bench:yjs\`) on ${report.date} in ${report.durationS} s${report.quick ? ' (quick run)' : ''}. Every client is the official \`WebsocketProvider\` of \`y-websocket\` ${report.providerVersion}, unmodified, over Node's \`ws\` (BroadcastChannel off, so every update goes through the server), one Y.Doc each. Servers: ${version('tandem-memory')}, at \`/yjs/rooms/<roomId>\` of an \`open\` \`yjs\` session per room (created over the HTTP API, a guest token per participant), with its default document budget (8 edits a second per connection; other limits raised as in the workloads above), once with \`--data :memory:\` and once with SQLite in a temporary directory (the default store, every edit committed to disk before it is acknowledged); ${version('ywebsocket')}, \`setupWSConnection\` as in its own bin, documents in memory. Each server runs alone in its own process on CPU 0, the load generator on CPU 1; the machine has ${m.nproc} cores shared with other work, Node ${m.node}.`,
    '',
    `Each phase: ${c.rooms} rooms of N participants (N = ${c.sizes.join(' and ')}); in each room ${c.typists} type at ${c.hz} keystrokes a second each (one \`Y.Text\` insert at the end of the shared text, and an awareness cursor update with it, as an editor binding sends), the others read; ${c.warmupMs / 1000} s warm-up, ${c.measureMs / 1000} s measured, ${c.drainMs / 1000} s drain. ${c.rounds} round${c.rounds > 1 ? 's' : ''}, each running every server once per room size, in alternating order; the figures are medians over rounds (delivery: the lowest). Edit latency: the author's insert → the update applied in each other participant's document (the insert carries its time; the generator's one clock). Delivery = edits each other participant received ÷ (edits sent in the window × (N − 1)). Server CPU is utime + stime from \`/proc/<pid>/stat\` over the window (all of the process's threads, SQLite's included), per delivered edit: awareness is part of the load, so it is in that CPU. Frames and bytes: WebSocket messages (payloads) the clients received in the window, documents and awareness, per delivered edit.`,
    '',
    yjsTables(report),
    '',
    '<details><summary>Every phase</summary>',
    '',
    everyRun(report),
    '',
    '</details>',
    '',
    "Tandem's bridge merges a connection's updates and passes them to the room at most every 150 ms, so a provider's update per keystroke stays within the document budget: that is most of its edit latency (with a keystroke every 125 ms, an update waits up to 150 ms for the next send), and it trades that latency for fewer, larger messages. The y-websocket server relays each update as it comes.",
    '',
  ].join('\n');
}
