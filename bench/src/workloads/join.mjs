// Workload 3: time from connect to the first full document, for a 500 KB lww document and a Yjs
// document built from 100,000 edits.
import { runLoad } from '../lib/workload.mjs';

const SYSTEMS = ['tandem', 'hocuspocus', 'ywebsocket'];

export async function joinTimes(systems, { repeats, edits }, log) {
  const runs = [];
  for (const system of systems.filter((s) => SYSTEMS.includes(s.id))) {
    for (const doc of ['lww', 'yjs']) {
      log(`join: ${system.id} ${doc}`);
      try {
        const r = await runLoad(
          system,
          'join.mjs',
          { system: system.id, doc, repeats, edits },
          { timeoutMs: 120_000 },
        );
        runs.push(r);
        log(`  ${r.bytes} bytes: median ${r.median.toFixed(1)} ms, p90 ${r.p90.toFixed(1)} ms`);
      } catch (error) {
        runs.push({ system: system.id, doc, failed: String(error.message ?? error).slice(0, 300) });
        log(`  failed: ${error.message}`);
      }
    }
  }
  return { runs, repeats, edits };
}
