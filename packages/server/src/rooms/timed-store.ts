import type { RoomStore } from '@tandem/room';
import type { Metrics } from '../observability/metrics.js';
import type { OwnerClaim, ServerStore } from './server-store.js';

/**
 * The store as rooms see it: every call's latency lands in the metrics, and in a cluster every load
 * and write carries this node's claim on the room's session.
 */
export function timedStore(
  store: ServerStore,
  metrics: Metrics,
  claimOf: (roomId: string) => OwnerClaim | undefined,
): RoomStore {
  const time = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const end = metrics.storeLatency.startTimer({ op });
    try {
      return await fn();
    } finally {
      end();
    }
  };
  return {
    load: (id) => time('load', () => store.load(id, claimOf(id))),
    write: (id, writes) => time('write', () => store.write(id, writes, claimOf(id))),
    delete: (id) => time('delete', () => store.delete(id)),
  };
}
