import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { skipPostgres } from '../support/postgres.js';
import { skipRedis } from '../support/redis.js';
import { type ChaosReport, runChaos } from './run.js';

/** Seeds that once failed, kept so they are run again on every change (see `npm run chaos`). */
const REGRESSIONS = JSON.parse(readFileSync(new URL('./seeds.json', import.meta.url), 'utf8')) as {
  seed: number;
  faults: number;
  note: string;
  /** A failure this seed still finds, not yet fixed: reported as skipped, run when asked for. */
  open?: string;
}[];

/** The schedule `npm test` runs: one fault of each kind, in an order drawn from the seed. */
const DEFAULT = { seed: 20261207, faults: 6 };

const asked = process.env.TANDEM_CHAOS_SEED;
const runs: { seed: number; faults: number; note: string; open?: string }[] = asked
  ? [{ seed: Number(asked), faults: Number(process.env.TANDEM_CHAOS_FAULTS ?? 6), note: 'asked for' }]
  : [{ ...DEFAULT, note: 'every fault kind once' }, ...REGRESSIONS];

function explain(report: ChaosReport): string {
  const steps = report.steps.map(
    (s) => `  ${s.fault}: every room available ${s.availableAfterMs} ms after it healed`,
  );
  return [
    `chaos seed ${report.seed}: ${report.violations.length} violation(s); ${report.done.edits} edits, ${report.done.grants} lock grants, ${report.done.chats} chat messages`,
    ...report.violations.map((v) => `  ✗ ${v}`),
    ...steps,
    `again: npm run chaos -- --seed ${report.seed} --faults ${report.steps.length}`,
  ].join('\n');
}

describe.skipIf(skipRedis || skipPostgres)(
  'chaos: a cluster under faults loses, doubles and strands nothing',
  () => {
    for (const run of runs) {
      // A seed that still finds a known, unfixed failure is listed, with what it finds, but not
      // run by `npm test`; `npm run chaos -- --seed N` runs it.
      const known = run.open === undefined ? it : it.skip;
      const name = run.open === undefined ? run.note : `${run.note}; still open: ${run.open}`;
      known(
        `seed ${run.seed}, ${run.faults} faults (${name})`,
        {
          timeout: 120_000 + run.faults * 45_000,
        },
        async () => {
          const report = await runChaos({
            seed: run.seed,
            faults: run.faults,
            log: process.env.TANDEM_CHAOS_VERBOSE ? (line) => console.log(line) : undefined,
          });
          if (report.violations.length > 0 || process.env.TANDEM_CHAOS_VERBOSE) console.log(explain(report));
          expect(report.violations, explain(report)).toEqual([]);
        },
      );
    }
  },
);
