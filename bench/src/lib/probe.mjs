// Loaded into the server under test by the soak (`node --expose-gc --import <this file>`), never by
// the server itself. On SIGUSR2 it collects garbage and writes, to the file named by
// BENCH_PROBE_FILE, the process's memory after that collection and what it holds open.
//
// Why inside the server: a heap figure after a full collection needs `gc()` in that process; and
// the server unrefs every timer it sets (room ticks, leases, idle unloads), so neither
// `process.getActiveResourcesInfo()` nor the `nodejs_active_resources` metric sees them. Counting
// pending timers means watching them being set: the global timer functions are wrapped here,
// before any server module has been loaded.
import { renameSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';

const file = process.env.BENCH_PROBE_FILE;
const pending = new Set();
const { setTimeout: set, setInterval: every, clearTimeout: clear, clearInterval: clearEvery } = globalThis;

globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
  const timer = set(
    (...a) => {
      pending.delete(timer);
      fn(...a);
    },
    ms,
    ...args,
  );
  track(timer, fn);
  return timer;
};
// `promisify(setTimeout)` keeps working (untracked: such a timer holds no callback of the server's).
globalThis.setTimeout[promisify.custom] = set[promisify.custom];
globalThis.setInterval = function setInterval(fn, ms, ...args) {
  const timer = every(fn, ms, ...args);
  track(timer, fn);
  return timer;
};
globalThis.clearTimeout = function clearTimeout(timer) {
  pending.delete(timer);
  clear(timer);
};
globalThis.clearInterval = function clearInterval(timer) {
  pending.delete(timer);
  clearEvery(timer);
};

let added = 0;
function track(timer, fn) {
  timer.probeName = fn.name || 'anonymous';
  pending.add(timer);
  // Timers cleared by their number or closed are never seen leaving: sweep them now and then.
  if (++added % 10_000 === 0) pendingTimers();
}

/** Timers still to fire, by the name of their callback (a timer cleared by its number, or closed, has `_destroyed` set). */
function pendingTimers() {
  const byName = {};
  let refed = 0;
  let total = 0;
  for (const timer of pending) {
    if (timer._destroyed) {
      pending.delete(timer);
      continue;
    }
    total++;
    if (timer.hasRef()) refed++;
    byName[timer.probeName] = (byName[timer.probeName] ?? 0) + 1;
  }
  return { total, refed, byName };
}

function countBy(list) {
  const out = {};
  for (const item of list) out[item] = (out[item] ?? 0) + 1;
  return out;
}

let seq = 0;
process.on('SIGUSR2', () => {
  // Counted first: counting forgets timers that are done, which the collection may then free.
  const timers = pendingTimers();
  // Twice: the first collection runs finalizers whose objects the second one frees.
  globalThis.gc?.();
  globalThis.gc?.();
  const resources = process.getActiveResourcesInfo();
  const report = {
    seq: ++seq,
    gc: typeof globalThis.gc === 'function',
    memory: process.memoryUsage(),
    activeHandles: process._getActiveHandles().length,
    activeResources: resources.length,
    resourcesByType: countBy(resources),
    timers,
  };
  if (!file) return;
  // BENCH_PROBE_SNAPSHOTS=1: a heap snapshot beside each reading, to find what a growth is made of.
  if (process.env.BENCH_PROBE_SNAPSHOTS) report.snapshot = writeHeapSnapshot(`${file}.${seq}.heapsnapshot`);
  writeFileSync(`${file}.tmp`, JSON.stringify(report));
  renameSync(`${file}.tmp`, file);
});
