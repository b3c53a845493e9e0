/**
 * Frames that once broke the decoder's contract (`support/decode-contract.ts`), each kept as a
 * named case so a failure once fixed stays fixed.
 *
 * To keep a new one: a failing fuzz run lists each offending frame in hex before its violation,
 * e.g. `0a03ff…: threw RangeError: …`. Add an entry to `KEPT` with a name saying what went wrong and
 * that hex, and commit it with the fix.
 *
 * The git history of the fuzz and model tests records no failing frame or seed so far, so `KEPT`
 * starts empty; the check itself is shown below to flag what the fuzz run reports.
 */
import { describe, expect, it } from 'vitest';
import { checkFrame, newOutcome } from './support/decode-contract.js';
import { fromHex } from './support/frames.js';

interface KeptFrame {
  /** What went wrong, as the test's name. */
  readonly name: string;
  /** The frame, in hex as the fuzz run printed it. */
  readonly hex: string;
}

const KEPT: readonly KeptFrame[] = [];

describe('decoding hostile input: kept frames', () => {
  for (const kept of KEPT) {
    it(kept.name, () => {
      const outcome = newOutcome();
      checkFrame(fromHex(kept.hex), outcome);
      expect(outcome.violations).toEqual([]);
    });
  }

  it('accepts a rejection that names a known reason and an offset in the frame', () => {
    const outcome = newOutcome();
    checkFrame(fromHex('ff'), outcome);
    expect(outcome).toMatchObject({ rejected: 1, violations: [] });
  });
});
