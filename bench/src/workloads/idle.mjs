// Workload 4: server RSS per idle connection.
import { runLoad } from '../lib/workload.mjs';

export async function idleConnections(systems, { connections, settleMs }, log) {
  const runs = [];
  for (const system of systems) {
    log(`idle connections: ${system.id} × ${connections}`);
    try {
      const r = await runLoad(
        system,
        'idle.mjs',
        { system: system.id, connections, settleMs },
        { timeoutMs: 180_000 },
      );
      runs.push(r);
      log(`  ${(r.bytesPerConnection / 1024).toFixed(1)} KiB per connection`);
    } catch (error) {
      runs.push({ system: system.id, connections, failed: String(error.message ?? error).slice(0, 300) });
      log(`  failed: ${error.message}`);
    }
  }
  return { runs, connections };
}
