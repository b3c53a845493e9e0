// Runs the cluster chaos suite on a schedule of your choosing:
//
//   npm run chaos -- --seed 42 --minutes 5      (about ten faults a minute)
//   npm run chaos -- --seed 42 --faults 12
//
// A seed that fails is printed with what broke, and added to packages/server/test/chaos/seeds.json,
// so `npm test` runs it again from then on.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    minutes: { type: 'string' },
    faults: { type: 'string' },
  },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const faults =
  values.faults !== undefined
    ? Number(values.faults)
    : Math.max(6, Math.round(Number(values.minutes ?? 1) * 10));
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(faults) || faults < 1) {
  console.error('usage: npm run chaos -- [--seed N] [--minutes M | --faults F]');
  process.exit(2);
}

console.log(`chaos: seed ${seed}, ${faults} faults`);
const result = spawnSync('npx', ['vitest', 'run', 'packages/server/test/chaos/chaos.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    TANDEM_CHAOS_SEED: String(seed),
    TANDEM_CHAOS_FAULTS: String(faults),
    TANDEM_CHAOS_VERBOSE: '1',
  },
});
if (result.status !== 0) {
  const file = fileURLToPath(new URL('../packages/server/test/chaos/seeds.json', import.meta.url));
  const seeds = JSON.parse(readFileSync(file, 'utf8'));
  if (!seeds.some((s) => s.seed === seed && s.faults === faults)) {
    seeds.push({ seed, faults, note: `failed on ${new Date().toISOString().slice(0, 10)}` });
    writeFileSync(file, `${JSON.stringify(seeds, null, 2)}\n`);
    console.log(`chaos: seed ${seed} kept in ${file} as a regression case`);
  }
}
process.exit(result.status ?? 1);
