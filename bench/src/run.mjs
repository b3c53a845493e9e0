// `npm run bench` (full, ≤ 10 min) or `npm run bench -- --quick` (≈ 1 min smoke, to bench/out/).
// Runs every system side by side and writes bench/RESULTS.md and bench/results.svg.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { machineInfo, renderReport, renderSvg } from './lib/report.mjs';
import { renderSoak, withSoakSection } from './lib/report-soak.mjs';
import { renderYjs, YJS_HEADING } from './lib/report-yjs.mjs';
import { withSection } from './lib/sections.mjs';
import { benchDir, SYSTEMS } from './lib/systems.mjs';
import { cursorFanout } from './workloads/cursors.mjs';
import { documentEdits } from './workloads/edits.mjs';
import { idleConnections } from './workloads/idle.mjs';
import { joinTimes } from './workloads/join.mjs';

const USAGE = `usage: npm run bench [-- --quick] [--systems=relay,socketio,hocuspocus,ywebsocket,tandem] [--workloads=1,2,3,4] [--report-only]
  --quick        smoke run of every workload in about a minute; reports to bench/out/
  --systems=…    only these systems; reports to bench/out/, never over bench/RESULTS.md
  --workloads=…  only these workloads (1 cursors, 2 edits, 3 join, 4 idle); reports to bench/out/
  --report-only  re-render RESULTS.md and results.svg from results.json`;
const args = process.argv.slice(2);
if (args.some((a) => !/^--(quick|report-only|systems=.+|workloads=.+)$/.test(a))) {
  console.log(USAGE);
  process.exit(args.includes('--help') || args.includes('-h') ? 0 : 2);
}
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--systems='))
  ?.slice('--systems='.length)
  .split(',');
const systems = only ? SYSTEMS.filter((s) => only.includes(s.id)) : SYSTEMS;
// A quick run, or a run of some systems or workloads only, is a smoke test or an experiment: it
// reports to bench/out/ (not versioned), never over the full side-by-side results in bench/.
const partial = quick || only || args.some((a) => a.startsWith('--workloads='));
const outDir = partial ? join(benchDir, 'out') : benchDir;
mkdirSync(outDir, { recursive: true });

/** Per-workload settings. The full suite stays within `budgetMs`; workload 1's capacity search takes what is left. */
const SETTINGS = quick
  ? {
      budgetMs: 90_000,
      w1: { points: [10], warmupMs: 500, measureMs: 2000, drainMs: 500, search: false },
      w2: { rooms: 2, warmupMs: 300, measureMs: 1500, drainMs: 500 },
      w3: { repeats: 3, edits: 20_000 },
      w4: { connections: 500, settleMs: 300 },
    }
  : {
      budgetMs: 565_000,
      w1: { points: [10, 50], warmupMs: 3000, measureMs: 20_000, search: true },
      w2: { rooms: 10, warmupMs: 2000, measureMs: 8000 },
      w3: { repeats: 31, edits: 100_000 },
      w4: { connections: 5000, settleMs: 1000 },
    };
const PASS = { delivery: 0.999, p99Ms: 100 };
const workloads = new Set(
  (process.argv.find((a) => a.startsWith('--workloads='))?.slice('--workloads='.length) ?? '1,2,3,4').split(
    ',',
  ),
);

const log = (...args) =>
  console.log(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s]`, ...args);
const began = Date.now();

function writeReport(results) {
  writeFileSync(join(outDir, 'results.svg'), renderSvg(results));
  // The sections of the soak and of the y-websocket providers (`npm run bench:soak`,
  // `npm run bench:yjs`, their own runs) are kept from their last figures.
  const last = (name) => {
    const file = join(outDir, name);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  };
  let report = renderReport(results);
  const soak = last('soak.json');
  if (soak) report = withSoakSection(report, renderSoak(soak));
  const yjs = last('yjs.json');
  if (yjs) report = withSection(report, YJS_HEADING, renderYjs(yjs));
  writeFileSync(join(outDir, 'RESULTS.md'), report);
  // Formatted as the repository's lint expects, so a fresh run never breaks `npm test`.
  execFileSync(
    process.execPath,
    [biome, 'format', '--write', join(outDir, 'RESULTS.md'), join(outDir, 'results.json')],
    {
      stdio: 'ignore',
    },
  );
  log(`wrote ${relative(process.cwd(), join(outDir, 'RESULTS.md'))} and results.svg`);
}

async function main() {
  // --report-only: re-render RESULTS.md and results.svg from the last run's raw results
  if (process.argv.includes('--report-only')) {
    return writeReport(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')));
  }
  log(`${quick ? 'quick' : 'full'} run; systems: ${systems.map((s) => s.id).join(', ')}`);
  const { w1, w2, w3, w4, budgetMs } = SETTINGS;
  const cursors = cursorFanout({ ...w1, pass: PASS }, log);
  if (workloads.has('1')) await cursors.points(systems, w1.points);
  const edits = workloads.has('2') ? await documentEdits(systems, w2, log) : undefined;
  const joins = workloads.has('3') ? await joinTimes(systems, w3, log) : undefined;
  const idle = workloads.has('4') ? await idleConnections(systems, w4, log) : undefined;
  if (workloads.has('1') && w1.search) {
    await cursors.capacity(systems, (ms) => Date.now() - began + ms <= budgetMs);
  }
  const results = {
    quick,
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - began) / 1000),
    machine: machineInfo(),
    systems: systems.map((s) => ({ id: s.id, label: s.label, version: s.version() })),
    cursorFanout: cursors.result(),
    documentEdits: edits,
    joins,
    idle,
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeReport(results);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
