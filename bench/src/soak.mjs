// `npm run bench:soak [-- --rooms N] [--quick]`: rooms created, joined, edited and left over time
// against one Tandem server, and whether the server comes back to its baseline afterwards (heap,
// rooms, connections, handles, timers). Prints a table and a JSON summary; a full run (the default
// 10,000 rooms) records its figures in bench/RESULTS.md and bench/soak.json, any other run in
// bench/out/. The verdict is a report, not a test: the exit code is 0 whenever the run completed.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/report.mjs';
import { renderSoak, soakChecks, soakTables, withSoakSection } from './lib/report-soak.mjs';
import { benchDir, SYSTEMS } from './lib/systems.mjs';
import { runLoad } from './lib/workload.mjs';

const USAGE = `usage: npm run bench:soak -- [--rooms=10000] [--concurrency=50] [--edits=2] [--quick]
  --rooms        rooms to create, join, edit and leave (default 10000)
  --concurrency  rooms in flight at once (default 50)
  --edits        durable edits per participant (default 2)
  --quick        smoke run: 300 rooms after 30 warm-up rooms, shorter waits; reports to bench/out/`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      rooms: { type: 'string' },
      concurrency: { type: 'string', default: '50' },
      edits: { type: 'string', default: '2' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.log(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const quick = values.quick;
const rooms = Number(values.rooms ?? (quick ? 300 : 10_000));
const concurrency = Number(values.concurrency);
const edits = Number(values.edits);
if (values.help || !(rooms >= 1 && concurrency >= 1 && edits >= 1)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
// Only the full default run is the recorded figure; anything else is a smoke test or an experiment.
const full = !quick && rooms === 10_000 && concurrency === 50 && edits === 2;
const outDir = full ? benchDir : join(benchDir, 'out');
mkdirSync(outDir, { recursive: true });

const ROOM_IDLE_S = 1;
const config = {
  system: 'tandem',
  rooms,
  concurrency,
  edits,
  warmupRooms: quick ? 30 : Math.min(500, Math.max(30, Math.round(rooms / 20))),
  // Longer than the sign-up connections' keep-alive (5 s on the server), so none is counted.
  settleMs: quick ? 6000 : 8000,
  // Every room is left by then; the server unloads each `--room-idle-seconds` after its last leaves.
  unloadTimeoutMs: 60_000,
  // The run stops starting rooms after this: the soak ends by itself on a slow machine too.
  runMs: quick ? 60_000 : 300_000,
  secret: randomBytes(32).toString('hex'),
};

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-soak-'));
const probeFile = join(dataDir, 'probe.json');
const tandem = SYSTEMS.find((s) => s.id === 'tandem');
const began = Date.now();
let result;
try {
  result = await runLoad(
    tandem,
    'soak.mjs',
    { ...config, probeFile },
    {
      timeoutMs: config.runMs + 4 * config.unloadTimeoutMs + 60_000,
      onLine: (line) => line.startsWith('[soak') && console.log(line),
      start: {
        data: dataDir,
        node: ['--expose-gc', '--import', pathToFileURL(join(benchDir, 'src/lib/probe.mjs')).href],
        // The server takes its secret from the environment, as docs/server.md advises. (The
        // generator, which mints the tokens, gets it in its config: a random secret of this run
        // only, for a server on 127.0.0.1 that lives as long as the run.)
        env: {
          BENCH_PROBE_FILE: probeFile,
          TANDEM_JWT_SECRET: config.secret,
          BENCH_PROBE_SNAPSHOTS: process.env.BENCH_PROBE_SNAPSHOTS ?? '',
        },
        args: [
          '--room-idle-seconds',
          String(ROOM_IDLE_S),
          '--session-grace-seconds',
          '2',
          // The defaults, which the other workloads raise: the soak's users are fresh per room.
          '--joins-per-minute',
          '5',
          '--max-hosted-rooms',
          '6',
        ],
      },
    },
  );
} finally {
  // Kept when heap snapshots were asked for: they are written there.
  if (process.env.BENCH_PROBE_SNAPSHOTS) console.log(`heap snapshots in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

const { timeline, ...summary } = result;
const report = {
  date: new Date().toISOString(),
  durationS: Math.round((Date.now() - began) / 1000),
  machine: machineInfo(),
  settleMs: config.settleMs,
  roomIdleS: ROOM_IDLE_S,
  ...summary,
  verdict: soakChecks(result).every((c) => c.pass) ? 'pass' : 'fail',
  timeline,
};
console.log(`\n${soakTables(report)}\n`);
console.log(JSON.stringify({ ...report, timeline: undefined }, null, 2));

writeFileSync(join(outDir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
const resultsMd = join(outDir, full ? 'RESULTS.md' : 'soak.md');
const before = existsSync(resultsMd) && full ? readFileSync(resultsMd, 'utf8') : '';
writeFileSync(resultsMd, full ? withSoakSection(before, renderSoak(report)) : renderSoak(report));
// Formatted as the repository's lint expects, so a fresh run never breaks `npm test`.
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
execFileSync(process.execPath, [biome, 'format', '--write', resultsMd, join(outDir, 'soak.json')], {
  stdio: 'ignore',
});
console.log(`\nverdict: ${report.verdict}; wrote ${relative(process.cwd(), resultsMd)} and soak.json`);
process.exit(0);
