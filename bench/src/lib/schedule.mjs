// Senders on drift-free schedules: each fires every `periodMs` at its own phase until `endMs`,
// skipping slots it has missed rather than bursting to catch up.

/**
 * Calls `fire(sender, t, lateMs)` for every slot of every sender, from `startMs` until `endMs`
 * (times from `now()`); `phaseOf(k)` places sender k within the period.
 */
export function runSchedules(senders, { now, startMs, endMs, periodMs, phaseOf, fire }) {
  senders.forEach((sender, k) => {
    const phase = phaseOf(k);
    let n = 0;
    const tick = () => {
      const t = now();
      if (t >= endMs) return;
      fire(sender, t, t - (startMs + phase + n * periodMs));
      n++;
      while (startMs + phase + n * periodMs < t) n++;
      setTimeout(tick, startMs + phase + n * periodMs - now());
    };
    setTimeout(tick, startMs + phase - now());
  });
}
