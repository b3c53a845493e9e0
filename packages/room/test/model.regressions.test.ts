/**
 * Seeds the model property (`model.property.test.ts`) once failed with, each kept as a named case
 * that replays the counterexample fast-check shrank it to, so a failure once fixed stays fixed.
 *
 * To keep a new one: a failing run prints its replay parameters, e.g.
 * `{ seed: -1404468018, path: "47:3:1:0", endOnFailure: true }`. Add an entry to `KEPT` with a name
 * saying what went wrong, the document mode of the failing test, that seed and path, and the
 * `MODEL_STEPS` of the run when it was not the default (the path only means something for
 * sessions of the same length); commit it with the fix.
 *
 * The git history of the model and fuzz tests records no failing seed so far, so `KEPT` starts
 * empty; the replay itself is checked below on a property made to fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelProperty } from './support/model.js';

interface KeptSeed {
  /** What went wrong, as the test's name. */
  readonly name: string;
  readonly mode: 'lww' | 'ops';
  readonly seed: number;
  readonly path: string;
  /** `MODEL_STEPS` of the failing run; default 150, the suite's. */
  readonly steps?: number;
}

const KEPT: readonly KeptSeed[] = [];

/** Replays the one counterexample `seed` and `path` name, as fast-check printed them. */
function replay<T>(property: fc.IAsyncProperty<[T]>, seed: number, path: string): Promise<void> {
  return fc.assert(property, { seed, path, endOnFailure: true });
}

describe('room engine against a client model: kept seeds', () => {
  for (const kept of KEPT) {
    it(`${kept.name} (${kept.mode}, seed ${kept.seed})`, async () => {
      await replay(modelProperty(kept.mode, kept.steps ?? 150), kept.seed, kept.path);
    });
  }

  it('replays exactly the counterexample a failing run printed', async () => {
    const property = fc.asyncProperty(fc.array(fc.nat({ max: 99 })), async (xs) => {
      if (xs.some((x) => x > 90)) throw new Error(`too big: ${xs.join(',')}`);
    });
    const failed = await fc.check(property, { seed: 7 });
    expect(failed.failed).toBe(true);
    const seen: number[][] = [];
    const recording = fc.asyncProperty(fc.array(fc.nat({ max: 99 })), async (xs) => {
      seen.push(xs);
      if (xs.some((x) => x > 90)) throw new Error(`too big: ${xs.join(',')}`);
    });
    const path = failed.counterexamplePath!;
    // The one replayed run fails and prints the same parameters, ready to be kept.
    await expect(replay(recording, failed.seed, path)).rejects.toThrow(`path: "${path}"`);
    expect(seen).toEqual([failed.counterexample![0]]);
  });
});
