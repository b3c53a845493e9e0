// `npm run bench:ab -- [options]`: two Tandem servers under workload 1 at the same time, to tell
// whether a change to the hot path (or a setting) lowers server CPU per delivered update.
//
// Sequential runs on this machine drift by ±20 % from one run to the next, for every system, which
// hides any change smaller than that. Here A and B run side by side in each round (both servers
// pinned to CPU 0, both load generators to CPU 1), so a slower or faster minute reaches both, and
// the ratio B ÷ A per round is what is reported: A against itself gives 1.00 ± 0.02. The absolute
// figures are not comparable with RESULTS.md (two servers share one core); only the ratio is.
import { parseArgs } from 'node:util';
import { repoDir, SYSTEMS } from './lib/systems.mjs';
import { runLoad } from './lib/workload.mjs';

const USAGE = `usage: npm run bench:ab -- [--a=<dir>] [--b=<dir>] [--a-args="…"] [--b-args="…"] [--rooms=25] [--rounds=4] [--measure-ms=10000]
  --a, --b            repository whose built server runs as A or B (default: this one); e.g. the
                      commit before a change: cp -a . /tmp/before && cd /tmp/before &&
                      git checkout <commit> && npx tsc -b (the copy keeps node_modules)
  --a-args, --b-args  further \`serve\` options for A or B, e.g. --b-args="--cursor-tick-ms 24"
  --rooms             rooms of 10 participants per server (default 25)
  --rounds            rounds, each A and B together (default 4)
  --measure-ms        measured window per round (default 10000; 3 s warm-up before it)`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      a: { type: 'string', default: repoDir },
      b: { type: 'string', default: repoDir },
      'a-args': { type: 'string', default: '' },
      'b-args': { type: 'string', default: '' },
      rooms: { type: 'string', default: '25' },
      rounds: { type: 'string', default: '4' },
      'measure-ms': { type: 'string', default: '10000' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.log(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const rooms = Number(values.rooms);
const rounds = Number(values.rounds);
const measureMs = Number(values['measure-ms']);
if (values.help || !(rooms >= 1 && rounds >= 1 && measureMs >= 1000)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const tandem = SYSTEMS.find((s) => s.id === 'tandem');
const side = (root, args) => ({
  root,
  args: args.split(/\s+/).filter(Boolean),
  label: `${root === repoDir ? 'this repository' : root}${args ? ` ${args}` : ''}`,
});
const A = side(values.a, values['a-args']);
const B = side(values.b, values['b-args']);
const config = { system: 'tandem', rooms, perRoom: 10, hz: 15, warmupMs: 3000, measureMs, drainMs: 1000 };
const run = (s) =>
  runLoad(tandem, 'cursors.mjs', config, {
    start: { root: s.root, args: s.args },
  });

console.log(`A: ${A.label}\nB: ${B.label}\n${rooms} rooms each, ${rounds} rounds of ${measureMs / 1000} s`);
const ratios = [];
for (let round = 1; round <= rounds; round++) {
  const [a, b] = await Promise.all([run(A), run(B)]);
  const ratio = b.serverCpuUsPerUpdate / a.serverCpuUsPerUpdate;
  ratios.push(ratio);
  const line = (r) =>
    `${r.serverCpuUsPerUpdate.toFixed(2)} µs/update (delivery ${(100 * r.deliveryRatio).toFixed(2)} %, p99 ${r.p99.toFixed(1)} ms)`;
  console.log(`round ${round}: A ${line(a)}; B ${line(b)}; B ÷ A ${ratio.toFixed(3)}`);
}
ratios.sort((x, y) => x - y);
const median =
  ratios.length % 2
    ? ratios[(ratios.length - 1) / 2]
    : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
console.log(
  `B ÷ A server CPU per delivered update: median ${median.toFixed(3)} (from ${ratios[0].toFixed(3)} to ${ratios[ratios.length - 1].toFixed(3)})`,
);
