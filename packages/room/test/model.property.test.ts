/**
 * The room engine against its client model (`support/model.ts` says what is checked), over random
 * sessions from fixed seeds. A seed that fails here is kept in `model.regressions.test.ts`.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { modelProperty } from './support/model.js';

/**
 * Fixed seeds keep the suite deterministic. For a longer soak, override them:
 * `MODEL_SEED=7 MODEL_RUNS=2000 MODEL_STEPS=300 npx vitest run packages/room/test/model.property.test.ts`.
 */
const SEEDS: Record<'lww' | 'ops', number> = { lww: 0x7a4d_e301, ops: 0x7a4d_e302 };
const env = (name: string): number | undefined => {
  const value = process.env[name];
  return value === undefined ? undefined : Number(value);
};
const NUM_RUNS = env('MODEL_RUNS') ?? 200;
const MAX_STEPS = env('MODEL_STEPS') ?? 150;

describe('room engine against a client model', () => {
  for (const mode of ['lww', 'ops'] as const) {
    it(`keeps locks, admission and the ${mode} document consistent over random sessions`, async () => {
      await fc.assert(modelProperty(mode, MAX_STEPS), {
        seed: env('MODEL_SEED') ?? SEEDS[mode],
        numRuns: NUM_RUNS,
      });
    });
  }
});
