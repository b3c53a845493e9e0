// Workload 2: document edits in rooms of 10 at 8 edits/s each, per system and document mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../lib/workload.mjs';

/** Which system runs which modes: the relay as the floor for lww/ops, the Yjs servers for typing. */
const MODES = {
  relay: ['lww', 'ops'],
  tandem: ['lww', 'ops', 'yjs'],
  hocuspocus: ['yjs'],
  ywebsocket: ['yjs'],
};

export async function documentEdits(systems, { rooms, warmupMs, measureMs, drainMs }, log) {
  const runs = [];
  for (const system of systems) {
    for (const mode of MODES[system.id] ?? []) {
      log(`document edits: ${system.id} ${mode}`);
      // Tandem stores to SQLite on disk (the default store), so acks are durable ones.
      const data = system.id === 'tandem' ? mkdtempSync(join(tmpdir(), 'tandem-bench-')) : undefined;
      try {
        const r = await runLoad(
          system,
          'edits.mjs',
          {
            system: system.id,
            mode,
            rooms,
            perRoom: 10,
            hz: 8,
            docBytes: 10_240,
            warmupMs,
            measureMs,
            drainMs,
          },
          { start: data ? { data } : {} },
        );
        runs.push(r);
        log(
          `  delivery ${(100 * r.deliveryRatio).toFixed(2)} %, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.ackP99 === undefined ? '' : `, durable ack p50 ${r.ackP50.toFixed(2)} ms, p99 ${r.ackP99.toFixed(2)} ms`}`,
        );
      } catch (error) {
        runs.push({ system: system.id, mode, rooms, failed: String(error.message ?? error).slice(0, 300) });
        log(`  failed: ${error.message}`);
      } finally {
        if (data) rmSync(data, { recursive: true, force: true });
      }
    }
  }
  return { runs, rooms, warmupMs, measureMs };
}
