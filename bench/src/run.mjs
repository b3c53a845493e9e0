// `npm run bench` (full, ≤ 10 min) or `npm run bench -- --quick` (≈ 1–2 min smoke).
// Runs every system side by side and writes bench/RESULTS.md and bench/results.svg.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { machineInfo, renderReport, renderSvg } from './lib/report.mjs';
import { benchDir, SYSTEMS } from './lib/systems.mjs';
import { runLoad } from './lib/workload.mjs';

const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--systems='))
  ?.slice('--systems='.length)
  .split(',');
const systems = only ? SYSTEMS.filter((s) => only.includes(s.id)) : SYSTEMS;
// A run of some systems only is an experiment: it reports to bench/out/ (not versioned), never
// over the side-by-side results in bench/.
const outDir = only ? join(benchDir, 'out') : benchDir;
mkdirSync(outDir, { recursive: true });

/** Workload 1 settings. Full: a sweep until a system fails, bounded by levels and by a time budget. */
const W1 = quick
  ? { levels: [10, 20], warmupMs: 1000, measureMs: 5000, budgetMs: 150_000 }
  : { levels: [10, 20, 50, 80, 120, 160, 200, 250], warmupMs: 3000, measureMs: 20_000, budgetMs: 540_000 };
const PASS = { delivery: 0.999, p99Ms: 100 };

const log = (...args) =>
  console.log(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s]`, ...args);
const began = Date.now();

/** Why a run's window may not measure the server alone, or '' when it is clean. */
function disturbed(r) {
  const why = [];
  if (r.generatorCpuPct > 85) why.push(`generator CPU ${r.generatorCpuPct.toFixed(0)} %`);
  if (r.maxSendLagMs > 50) why.push(`generator send lag ${r.maxSendLagMs.toFixed(0)} ms`);
  if (r.backgroundCpuPct > 20) why.push(`background CPU ${r.backgroundCpuPct.toFixed(0)} %`);
  return why.join(', ');
}

function passes(r) {
  return r.deliveryRatio >= PASS.delivery && r.p99 <= PASS.p99Ms;
}

async function cursorFanout() {
  const runs = [];
  const alive = new Set(systems.map((s) => s.id));
  let cut = false;
  for (const rooms of W1.levels) {
    for (const system of systems) {
      if (!alive.has(system.id)) continue;
      // setup grows with connections (Tandem also signs a guest token per participant)
      const estimateMs = W1.warmupMs + W1.measureMs + 2500 + rooms * 10 * 4;
      if (Date.now() - began + estimateMs > W1.budgetMs) {
        cut = true;
        continue;
      }
      log(`cursor fanout: ${system.id} R=${rooms}`);
      let result;
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          result = await runLoad(system, 'cursors.mjs', {
            system: system.id,
            rooms,
            perRoom: 10,
            hz: 15,
            warmupMs: W1.warmupMs,
            measureMs: W1.measureMs,
          });
          result.pass = passes(result);
        } catch (error) {
          result = {
            system: system.id,
            rooms,
            failed: String(error.message ?? error).slice(0, 300),
            pass: false,
          };
        }
        result.attempt = attempt;
        runs.push(result);
        log(
          result.failed
            ? `  failed: ${result.failed}`
            : `  delivery ${(100 * result.deliveryRatio).toFixed(3)} %, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, server CPU ${result.serverCpuPct.toFixed(0)} %, generator CPU ${result.generatorCpuPct.toFixed(0)} % (send lag ${result.maxSendLagMs.toFixed(0)} ms), background CPU ${result.backgroundCpuPct.toFixed(0)} %${result.pass ? '' : ' → FAIL'}`,
        );
        // One retry when a failure may not be the server's: the generator stalled or was saturated,
        // or other processes were busy on the machine during the window.
        if (result.pass || result.failed || attempt === 2 || !disturbed(result)) break;
        result.retried = true;
        log(`  the window was disturbed (${disturbed(result)}); retrying once`);
      }
      if (!result.pass) alive.delete(system.id);
    }
  }
  return { runs, cutByBudget: cut, ...W1, pass: PASS };
}

function writeReport(results) {
  writeFileSync(join(outDir, 'results.svg'), renderSvg(results));
  writeFileSync(join(outDir, 'RESULTS.md'), renderReport(results));
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
  const w1 = await cursorFanout();
  const results = {
    quick,
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - began) / 1000),
    machine: machineInfo(),
    systems: systems.map((s) => ({ id: s.id, label: s.label, version: s.version() })),
    cursorFanout: w1,
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
