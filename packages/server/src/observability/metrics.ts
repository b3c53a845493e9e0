import { ERRORS, ErrorCode, nameOfTag } from '@tandem/protocol';
import type { RoomActivity } from '@tandem/room';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * prom-client's default process metrics (memory and heap, active handles and resources, event-loop
 * lag, GC, CPU, file descriptors), in one registry per process: they describe the process, not a
 * server in it, and collecting them starts an event-loop monitor and a GC observer that are never
 * stopped, so several servers in one process (tests) must share one set rather than add their own.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // Event-loop lag sampled every 100 ms, not prom-client's 10: its sampling timer wakes the loop
    // each time, which cost an idle server 0.7 % of a core at 10 ms (0.1 % at 100).
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 100 });
  }
  return processRegistry;
}

/**
 * The server's Prometheus metrics, in a registry of its own so several servers can share a process
 * (tests do). Per-frame counts are kept in plain arrays indexed by type tag and folded into the
 * counters only when scraped: the fan-out path pays an array increment, not a labelled lookup.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly inByTag = new Float64Array(256);
  private readonly outByTag = new Float64Array(256);
  readonly connections: Gauge;
  readonly rooms: Gauge;
  readonly drops: Counter<'reason'>;
  readonly errors: Counter<'code'>;
  readonly lockEvents: Counter<'reason'>;
  readonly storeLatency: Histogram<'op'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly upgradesRefused: Counter<'reason'>;

  /** A gauge read when scraped, from a count the server keeps anyway (sessions, connections). */
  watch(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  constructor() {
    processMetrics();
    const registers = [this.registry];
    const inByTag = this.inByTag;
    const outByTag = this.outByTag;
    new Counter({
      name: 'tandem_messages_in_total',
      help: 'Frames received from clients, by message type',
      labelNames: ['type'],
      registers,
      collect() {
        foldTagCounts(this, inByTag);
      },
    });
    new Counter({
      name: 'tandem_messages_out_total',
      help: 'Frames sent to clients, by message type',
      labelNames: ['type'],
      registers,
      collect() {
        foldTagCounts(this, outByTag);
      },
    });
    this.connections = new Gauge({
      name: 'tandem_connections',
      help: 'Open WebSocket connections',
      registers,
    });
    this.rooms = new Gauge({ name: 'tandem_rooms', help: 'Rooms loaded in memory', registers });
    this.drops = new Counter({
      name: 'tandem_drops_total',
      help: 'Messages dropped, by reason (rate_limited, coalesced, slow_consumer, bad_message)',
      labelNames: ['reason'],
      registers,
    });
    this.errors = new Counter({
      name: 'tandem_errors_total',
      help: 'Error frames sent, by error name',
      labelNames: ['code'],
      registers,
    });
    this.lockEvents = new Counter({
      name: 'tandem_lock_events_total',
      help: 'Lock grants, releases, expiries and transfers',
      labelNames: ['reason'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: 'tandem_store_seconds',
      help: 'Store operation latency',
      labelNames: ['op'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'tandem_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.upgradesRefused = new Counter({
      name: 'tandem_upgrades_refused_total',
      help: 'WebSocket upgrades refused before reaching a room, by reason',
      labelNames: ['reason'],
      registers,
    });
  }

  /** The text `/metrics` serves: this server's metrics, then the process's. */
  async exposition(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }

  frameIn(frame: Uint8Array): void {
    this.inByTag[frame[0] ?? 0]!++;
  }

  frameOut(frame: Uint8Array): void {
    this.outByTag[frame[0] ?? 0]!++;
  }

  /** Folds room activity into counters. */
  activity(event: RoomActivity): void {
    if (event.type === 'lock') this.lockEvents.inc({ reason: event.reason });
    else if (event.type === 'error') {
      this.errors.inc({ code: ERRORS[event.code]?.name ?? String(event.code) });
      if (event.code === ErrorCode.RateLimited) this.drops.inc({ reason: 'rate_limited' });
    }
  }
}

function foldTagCounts(counter: Counter<'type'>, counts: Float64Array): void {
  counter.reset();
  for (let tag = 0; tag < 256; tag++) {
    const n = counts[tag]!;
    if (n > 0) counter.inc({ type: nameOfTag(tag) ?? `0x${tag.toString(16)}` }, n);
  }
}
