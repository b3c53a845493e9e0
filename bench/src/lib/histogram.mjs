// Latency histogram: 10 µs buckets up to 2 s, exact max; percentiles from bucket upper bounds.
const BUCKET_MS = 0.01;
const BUCKETS = 200_000;

export class Histogram {
  counts = new Uint32Array(BUCKETS + 1);
  n = 0;
  max = 0;

  record(ms) {
    const v = Math.max(ms, 0);
    this.counts[Math.min(BUCKETS, Math.floor(v / BUCKET_MS))]++;
    this.n++;
    if (v > this.max) this.max = v;
  }

  percentile(p) {
    if (this.n === 0) return Number.NaN;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i === BUCKETS ? this.max : Math.min(this.max, (i + 1) * BUCKET_MS);
    }
    return this.max;
  }
}
