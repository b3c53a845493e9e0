// Workload 1: cursor fanout. Every system at R = 10 and R = 50 (the CPU-per-update points), then a
// capacity search per system within what is left of the suite's time budget: up from 50 for
// systems that passed it, between 10 and 50 for those that did not.
import { upperBound } from '../lib/capacity.mjs';
import { runLoad } from '../lib/workload.mjs';

const UP = [80, 100, 120, 160, 200, 250, 320];
const BELOW = [20, 30, 40];
/** Every level a full run may measure: a capacity lies between a passed level and the next failed one. */
export const CAPACITY_LEVELS = [10, ...BELOW, 50, ...UP];
/**
 * The order systems run in at each fixed R: the floor, then Tandem (compared with the floor's CPU
 * per update at the same R, on a machine whose speed drifts over minutes), then Hocuspocus; the
 * other peers after them.
 */
const ORDER = ['relay', 'tandem', 'hocuspocus', 'socketio', 'ywebsocket'];
/** The capacity search's order: the peers Tandem's capacity targets are set against, then Tandem. */
const SEARCH_ORDER = ['relay', 'hocuspocus', 'tandem', 'socketio', 'ywebsocket'];
/** Tandem's capacity targets: at least this many times each peer's. */
const TARGETS = { relay: 2, hocuspocus: 4 };
const inOrder = (systems, order = ORDER) =>
  [...systems].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

/** Why a run's window may not measure the server alone, or '' when it is clean. */
function disturbed(r) {
  // A server at the end of its core failed on its own account, whatever else was busy.
  if (r.serverCpuPct >= 95) return '';
  const why = [];
  if (r.generatorCpuPct > 85) why.push(`generator CPU ${r.generatorCpuPct.toFixed(0)} %`);
  if (r.maxSendLagMs > 50) why.push(`generator send lag ${r.maxSendLagMs.toFixed(0)} ms`);
  if (r.backgroundCpuPct > 20) why.push(`background CPU ${r.backgroundCpuPct.toFixed(0)} %`);
  return why.join(', ');
}

export function cursorFanout(settings, log) {
  const { warmupMs, measureMs, drainMs, pass } = settings;
  const runs = [];
  const passed = new Map(); // system → largest passing R
  const failed = new Map(); // system → smallest failing R
  let cut = false;

  /**
   * One level for one system (retried once when its window was disturbed and `mayRetry()` says the
   * time is there); true when it passed.
   */
  async function level(system, rooms, mayRetry = () => true) {
    let result;
    for (let attempt = 1; attempt <= 2; attempt++) {
      log(`cursor fanout: ${system.id} R=${rooms}${attempt > 1 ? ' (retry)' : ''}`);
      try {
        result = await runLoad(system, 'cursors.mjs', {
          system: system.id,
          rooms,
          perRoom: 10,
          hz: 15,
          warmupMs,
          measureMs,
          drainMs,
        });
        result.pass = result.deliveryRatio >= pass.delivery && result.p99 <= pass.p99Ms;
      } catch (error) {
        result = {
          system: system.id,
          rooms,
          failed: String(error.message ?? error).slice(0, 300),
          pass: false,
        };
      }
      result.attempt = attempt;
      runs.push(result);
      log(
        result.failed
          ? `  failed: ${result.failed}`
          : `  delivery ${(100 * result.deliveryRatio).toFixed(3)} %, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, server CPU ${result.serverCpuPct.toFixed(0)} %, generator CPU ${result.generatorCpuPct.toFixed(0)} % (send lag ${result.maxSendLagMs.toFixed(0)} ms), background CPU ${result.backgroundCpuPct.toFixed(0)} %${result.pass ? '' : ' → FAIL'}`,
      );
      // One retry when a failure may not be the server's: the generator stalled or was saturated,
      // or other processes were busy on the machine during the window.
      if (result.pass || result.failed || attempt === 2 || !disturbed(result) || !mayRetry()) break;
      result.retried = true;
      log(`  the window was disturbed (${disturbed(result)}); retrying once`);
    }
    if (result.pass) passed.set(system.id, Math.max(passed.get(system.id) ?? 0, rooms));
    else failed.set(system.id, Math.min(failed.get(system.id) ?? Number.POSITIVE_INFINITY, rooms));
    return result.pass;
  }

  /** Setup grows with connections (Tandem also signs a guest token per participant). */
  const estimateMs = (rooms) => warmupMs + measureMs + 3000 + rooms * 10 * 5;

  return {
    /** R = `points` for every system, lowest first; a system stops at its first failure. */
    async points(systems, points) {
      for (const rooms of points)
        for (const system of inOrder(systems)) if (!failed.has(system.id)) await level(system, rooms);
    },
    /**
     * Capacity search while `hasTime(estimateMs)` says a run still fits the budget. The peers that
     * Tandem's capacity targets are set against go first, each of their levels run only if the time
     * for Tandem's deciding run is left after it; then Tandem's ladder starts at the first level
     * that would decide both targets (stepping back one level only if that one fails), so the budget
     * is spent where the targets are decided; the other peers get what time is left.
     */
    async capacity(systems, hasTime) {
      const present = new Set(systems.map((s) => s.id));
      const searchTandem = present.has('tandem');
      /** The most a system can hold as measured so far (its capacity is in [passed, this]). */
      const most = (id) => upperBound(passed.get(id) ?? 0, failed.get(id), CAPACITY_LEVELS);
      /** Tandem's capacity that meets every target against what the peers may hold. */
      const tandemNeeds = (assumed = {}) =>
        Math.max(
          0,
          ...Object.entries(TARGETS)
            .filter(([id]) => present.has(id))
            .map(([id, factor]) => factor * (assumed[id] ?? most(id))),
        );
      const levelFor = (rooms) => UP.find((l) => l >= rooms) ?? UP[UP.length - 1];
      let tandemDone = false;
      for (const system of inOrder(systems, SEARCH_ORDER)) {
        const top = passed.get(system.id) ?? 0;
        const ladder = (failed.has(system.id) ? BELOW : UP).filter(
          (r) => r > top && r < (failed.get(system.id) ?? Number.POSITIVE_INFINITY),
        );
        const skipped = [];
        if (system.id === 'tandem') {
          const needs = tandemNeeds();
          while (ladder.length > 1 && ladder[0] < needs) skipped.push(ladder.shift());
        }
        for (const rooms of ladder) {
          // A target peer's level, if passed, could raise what Tandem must hold: keep its time.
          const keep =
            searchTandem && !tandemDone && system.id in TARGETS
              ? estimateMs(levelFor(tandemNeeds({ [system.id]: rooms })))
              : 0;
          if (!hasTime(estimateMs(rooms) + keep)) {
            cut = true;
            break;
          }
          // A retry, too, must leave the time kept for Tandem's deciding run.
          if (await level(system, rooms, () => hasTime(estimateMs(rooms) + keep))) continue;
          const below = skipped.pop();
          if (rooms === ladder[0] && below !== undefined && hasTime(estimateMs(below)))
            await level(system, below);
          break;
        }
        if (system.id === 'tandem') tandemDone = true;
      }
    },
    result: () => ({
      runs,
      levels: [...new Set(runs.map((r) => r.rooms))].sort((a, b) => a - b),
      cutByBudget: cut,
      warmupMs,
      measureMs,
      pass,
    }),
  };
}
