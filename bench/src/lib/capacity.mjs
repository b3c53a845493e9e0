// Capacities as the search measured them, and ratios between them that claim no more than that.
const f2 = (x) => x.toFixed(2);

/**
 * The most a system can hold given the largest level it passed and the smallest it failed: the
 * largest of `levels` below that failure (levels between the two may not have been run), or the
 * passed level when it never failed.
 */
export function upperBound(passedLevel, failedLevel, levels) {
  if (failedLevel === undefined || !Number.isFinite(failedLevel)) return passedLevel;
  return Math.max(passedLevel, ...levels.filter((l) => l < failedLevel));
}

/** "≥ 200" (never failed), "10–40" (between a pass and a failure, levels between not run) or "50". */
export const capText = (s) =>
  s.atLeast ? `≥ ${s.capacity}` : s.upTo > s.capacity ? `${s.capacity}–${s.upTo}` : String(s.capacity);

/** Tandem's capacity ÷ a peer's, as bounds: `lo` the least and `hi` the most the two allow. */
export function capacityRatio(tandem, peer) {
  return {
    lo: peer.upTo > 0 ? tandem.capacity / peer.upTo : Number.NaN,
    hi: peer.capacity > 0 ? tandem.upTo / peer.capacity : Number.POSITIVE_INFINITY,
  };
}

/** The ratio, its bound or its range ("≥ 4.00×"), or why there is none. */
export function ratioText({ lo, hi }) {
  if (Number.isNaN(lo)) return '–';
  if (lo === 0 && hi === Number.POSITIVE_INFINITY) return 'not a ratio (neither failed)';
  if (lo === hi) return `${f2(lo)}×`;
  if (hi === Number.POSITIVE_INFINITY) return `≥ ${f2(lo)}×`;
  if (lo === 0) return `≤ ${f2(hi)}×`;
  return `${f2(lo)}–${f2(hi)}×`;
}

/** Met when even the least ratio the bounds allow reaches `need`; not met when even the most falls short. */
export function capacityVerdict(tandem, peer, need) {
  const { lo, hi } = capacityRatio(tandem, peer);
  if (Number.isNaN(lo) || (lo === 0 && hi === Number.POSITIVE_INFINITY)) return undefined;
  if (lo >= need) return true;
  if (hi < need) return false;
  return 'undecided';
}
