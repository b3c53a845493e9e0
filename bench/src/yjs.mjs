// `npm run bench:yjs [-- --quick]`: the yjs-provider workload. The official y-websocket
// `WebsocketProvider` against Tandem's `/yjs` endpoint (in-memory store and SQLite on disk) and
// against the y-websocket server, in alternating rounds of one run, each phase with a fresh server
// on CPU 0 and one load generator on CPU 1. A full run (the defaults) records its figures in
// bench/RESULTS.md and bench/yjs.json; any other run in bench/out/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/report.mjs';
import { renderYjs, YJS_HEADING, yjsSummary, yjsTables } from './lib/report-yjs.mjs';
import { withSection } from './lib/sections.mjs';
import { benchDir, SYSTEMS, versionOf } from './lib/systems.mjs';
import { runLoad } from './lib/workload.mjs';

const DEFAULTS = { rounds: '4', rooms: '10', sizes: '5,10', typists: '3', hz: '8', 'measure-ms': '12000' };
const USAGE = `usage: npm run bench:yjs -- [--rounds=4] [--rooms=10] [--sizes=5,10] [--typists=3] [--hz=8] [--measure-ms=12000] [--quick]
  --rounds      rounds; each runs every system once per room size, in alternating order
  --rooms       rooms per phase
  --sizes       participants per room, one phase each (comma-separated)
  --typists     participants per room who type (the others read)
  --hz          keystrokes a second per typist, each with an awareness (cursor) update
  --measure-ms  measured window per phase (after a 3 s warm-up)
  --variants    only these (tandem-memory, tandem-sqlite, ywebsocket; comma-separated)
  --quick       smoke run: 1 round, 2 rooms of 5, 3 s measured; reports to bench/out/
  --report-only re-render the section of bench/RESULTS.md from bench/yjs.json
With BENCH_CPU_PROF=<dir>, every server runs under \`node --cpu-prof\` and writes its profile there.`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, { type: 'string', default: v }])),
      variants: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.log(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const quick = values.quick;
const config = {
  rounds: quick ? 1 : Number(values.rounds),
  rooms: quick ? 2 : Number(values.rooms),
  sizes: quick ? [5] : values.sizes.split(',').map(Number),
  typists: Number(values.typists),
  hz: Number(values.hz),
  warmupMs: quick ? 1000 : 3000,
  measureMs: quick ? 3000 : Number(values['measure-ms']),
  drainMs: 2000,
};
const system = (id) => SYSTEMS.find((s) => s.id === id);
/**
 * What runs: Tandem with the default document budget (8 edits a second per connection, which the
 * other workloads raise) in memory and on SQLite, and the y-websocket server.
 */
const VARIANTS = [
  { id: 'tandem-memory', label: 'Tandem, in memory', system: system('tandem'), store: 'memory' },
  { id: 'tandem-sqlite', label: 'Tandem, SQLite', system: system('tandem'), store: 'sqlite' },
  { id: 'ywebsocket', label: 'y-websocket server', system: system('ywebsocket') },
].filter((v) => !values.variants || values.variants.split(',').includes(v.id));

const valid =
  config.rounds >= 1 &&
  config.rooms >= 1 &&
  config.sizes.every((n) => n >= 2 && n >= config.typists) &&
  config.typists >= 1 &&
  config.hz > 0 &&
  config.measureMs >= 1000 &&
  VARIANTS.length > 0;
if (values.help || !valid) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
// Only the defaults are the recorded figures; anything else is a smoke test or an experiment.
const full = !quick && !values.variants && Object.entries(DEFAULTS).every(([k, v]) => values[k] === v);
const outDir = full ? benchDir : join(benchDir, 'out');
mkdirSync(outDir, { recursive: true });

const began = Date.now();
const log = (...args) =>
  console.log(`[bench:yjs ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s]`, ...args);

async function phase(variant, perRoom, round) {
  const data = variant.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'tandem-yjs-')) : undefined;
  const start = variant.system.id === 'tandem' ? { data: data ?? ':memory:', args: ['--doc-rate', '8'] } : {};
  try {
    const r = await runLoad(
      variant.system,
      'yjs-provider.mjs',
      { system: variant.system.id, ...config, perRoom },
      { start },
    );
    return { variant: variant.id, round, ...r };
  } catch (error) {
    return { variant: variant.id, round, perRoom, failed: String(error.message ?? error).slice(0, 300) };
  } finally {
    if (data) rmSync(data, { recursive: true, force: true });
  }
}

async function measure() {
  const runs = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const perRoom of config.sizes) {
      // Alternating order, so a machine that slows down over a round weighs on every variant alike.
      const order = round % 2 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        log(`round ${round}, ${config.rooms} rooms of ${perRoom}: ${variant.label}`);
        const r = await phase(variant, perRoom, round);
        runs.push(r);
        log(
          r.failed
            ? `  failed: ${r.failed}`
            : `  delivery ${(100 * r.deliveryRatio).toFixed(2)} %, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, server CPU ${r.serverCpuPct.toFixed(1)} %, ${r.serverCpuUsPerEdit.toFixed(1)} µs per delivered edit`,
        );
      }
    }
  }
  const report = {
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - began) / 1000),
    quick,
    machine: machineInfo(),
    config,
    variants: VARIANTS.map((v) => ({ id: v.id, label: v.label, version: v.system.version() })),
    providerVersion: versionOf('y-websocket'),
    runs,
  };
  report.summary = yjsSummary(report);
  writeFileSync(join(outDir, 'yjs.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

// --report-only: the last full run's figures, rendered again (after a change to the text).
const report = values['report-only']
  ? JSON.parse(readFileSync(join(outDir, 'yjs.json'), 'utf8'))
  : await measure();
console.log(`\n${yjsTables(report)}\n`);

const resultsMd = join(outDir, full ? 'RESULTS.md' : 'yjs.md');
const before = full && existsSync(resultsMd) ? readFileSync(resultsMd, 'utf8') : '';
writeFileSync(resultsMd, full ? withSection(before, YJS_HEADING, renderYjs(report)) : renderYjs(report));
// Formatted as the repository's lint expects, so a fresh run never breaks `npm test`.
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
execFileSync(process.execPath, [biome, 'format', '--write', resultsMd, join(outDir, 'yjs.json')], {
  stdio: 'ignore',
});
log(`wrote ${relative(process.cwd(), resultsMd)} and yjs.json`);
process.exit(0);
