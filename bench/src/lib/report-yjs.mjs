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

/** How busy the rest of the machine was: what makes this run's tails and absolute figures its own. */
function background(report) {
  const pct = report.runs.filter((r) => !r.failed).map((r) => r.backgroundCpuPct);
  if (!pct.length) return '';
  return `Background CPU (every other process on the machine, % of one core, during each window) ranged from ${f(Math.min(...pct), 0)} to ${f(Math.max(...pct), 0)} %: other work shared both cores, the server's and the generator's, so the latency tails (p99) and the absolute CPU figures of this run are disturbed, for every server; the ratios, taken within each round from phases a minute apart, less so.`;
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
    background(report),
    '',
    '<details><summary>Every phase</summary>',
    '',
    everyRun(report),
    '',
    '</details>',
    '',
    "Tandem's bridge merges a connection's updates and passes them to the room at most every 150 ms, so a provider's update per keystroke stays within the document budget: that is most of its edit latency (with a keystroke every 125 ms, an update waits up to 150 ms for the next send), and it trades that latency for fewer messages (frames per edit above). The y-websocket server relays each update as it comes.",
    '',
    FINDINGS,
    '',
  ].join('\n');
}

/** What the workload and the profiles have shown, from the runs that led to this code (not from the run above). */
const FINDINGS = [
  "**What the workload found.** y-websocket's provider sends the server every awareness update it applies, the other clients' included (its handler does not look at where an update came from); y-websocket's server drops those by their clock. Tandem's relay took each for the sender's own: it relayed it again (three frames per cursor move in a room of three), under the re-sender's name and colour, and counted the client ids against the sender's limit of 8, so in a room of more than 8 providers every connection was closed with 4418, which the provider takes as final (rooms of 10 never synced), and a reader that left removed the others' states. The relay now drops a state at a clock the room already has from another connection, and takes a removal only from the connection that announced the client (`packages/server/src/transport/y-websocket/awareness-hub.ts`; a room of ten providers in `packages/server/test/y-websocket.test.ts`).",
  '',
  "**Where the server CPU goes** (`node --cpu-prof` of Tandem in memory, 10 rooms of 5, a 10 s window; shares of the process's busy time over its life, setup included). Awareness goes through the room as every Tandem client's does: the bridge reads a provider's update, paces it (100 ms), and the room writes the verified name and colour into each state (a JSON parse and stringify per update) before relaying it; each receiving bridge hands the room's frame on with one copy. The states a provider sends back of its peers (one per peer per move) are dropped after their client ids are read, without decoding the states. The largest single cost is the store: SQLite applies and commits each merged update, in memory too (`apply` and the transaction, about 11 %), the price of acknowledging an edit only once it is stored, which the y-websocket server (documents in memory, nothing stored) does not pay. Then garbage collection (6 %), socket writes (5 %), and the hop through the room, spread thin: encoding a Tandem message that the room decodes, the room's checks and budgets, and the per-connection state of a participant (roster, slots, budgets) that the y-websocket server does not keep. Its pacing works the other way: fewer updates reach the room and go out (frames per edit above). The CPU target is not met in this run: Tandem in memory takes 1.3 to 1.6 times the y-websocket server's CPU per delivered edit, on SQLite 1.7 to 2.3 times; the gap is widest in small rooms, where each edit's fixed cost (the store write, the room hop) is shared among fewer deliveries.",
].join('\n');
