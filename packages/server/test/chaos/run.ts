import WebSocket from 'ws';
import { createClient } from '../../../client/src/index.js';
import { checkRun } from './checks.js';
import { ChaosCluster, CLUSTER_TIMINGS } from './cluster.js';
import { describeFault, drawSchedule, type Fault, SeededRandom } from './schedule.js';
import { ChaosClient, MODES, type Mode } from './workload.js';

export interface ChaosOptions {
  seed: number;
  /** Faults in the schedule. */
  faults: number;
  nodes?: number;
  clientsPerRoom?: number;
  /** How long a room may stay unavailable after a fault heals, and a client without an ack. */
  boundMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  /** Each fault and how long after it healed every room took a new client again. */
  steps: { fault: string; availableAfterMs: number }[];
  violations: string[];
  /** What the workload got done: acknowledged edits, lock grants, chat messages echoed. */
  done: { edits: number; grants: number; chats: number };
}

/**
 * One chaos run: a cluster, a workload of acknowledged edits in every mode, locks, access
 * requests, presence and chat from clients on every node, and a schedule of faults drawn from the
 * seed. After each fault heals every room must take a new client within the bound; after the last,
 * every client must be back with an edit acknowledged, and the checks must find nothing.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { seed, faults, nodes = 2, clientsPerRoom = 3 } = options;
  const boundMs = options.boundMs ?? 25_000;
  const log = options.log ?? (() => undefined);
  const random = new SeededRandom(seed);
  const report: ChaosReport = { seed, steps: [], violations: [], done: { edits: 0, grants: 0, chats: 0 } };
  const cluster = await ChaosCluster.start(nodes);
  const clients: ChaosClient[] = [];
  const readers = new Map<Mode, ChaosClient>();
  let working = true;
  try {
    const hostToken = await ChaosCluster.token('host', 'Host');
    const host = createClient({
      url: cluster.nodes[0]!.url,
      auth: () => hostToken,
      WebSocket: WebSocket as never,
    });
    const rooms = new Map<Mode, string>();
    for (const mode of MODES) rooms.set(mode, (await host.host({ policy: 'open', docMode: mode })).roomId);
    for (const [m, mode] of MODES.entries()) {
      for (let k = 0; k < clientsPerRoom; k++) {
        const node = cluster.nodes[(k + m) % nodes]!;
        clients.push(await ChaosClient.connect(`${mode}${k}`, mode, node.front.port, rooms.get(mode)!));
      }
    }
    await eventually('every client connected at the start', boundMs, () =>
      clients.every((c) => c.room.status === 'connected'),
    );

    // The workload runs on its own timers for the whole schedule.
    const workload = clients.map(async (c, i) => {
      const own = new SeededRandom(seed * 31 + i);
      while (working) {
        c.act(own);
        c.answerRequests();
        await delay(own.int(60, 250));
      }
    });

    for (const step of drawSchedule(random, faults, { nodes, clients: clients.length })) {
      await delay(step.quietMs);
      const what = describeFault(step.fault);
      log(`fault: ${what}`);
      await inflict(cluster, clients, step.fault);
      await cluster.heal();
      const healed = Date.now();
      const available = await availableAgain(cluster, rooms, random, boundMs);
      report.steps.push({ fault: what, availableAfterMs: Date.now() - healed });
      if (!available.ok) report.violations.push(`after "${what}": ${available.why}`);
    }
    working = false;
    await Promise.all(workload);

    // Nothing stuck: every client back in its room, with an edit acknowledged within the bound.
    const stuck = await settle(clients, boundMs);
    report.violations.push(...stuck);
    for (const mode of MODES) {
      const node = cluster.nodes[random.int(0, nodes - 1)]!;
      const reader = await ChaosClient.connect(`reader-${mode}`, mode, node.front.port, rooms.get(mode)!);
      readers.set(mode, reader);
    }
    const members = [...clients, ...readers.values()];
    await eventually('every replica and roster caught up', boundMs, () => converged(members)).catch(
      () => undefined,
    );
    const finalReaders = new Map([...readers].map(([mode, r]) => [mode, r.replica()] as const));
    report.violations.push(
      ...checkRun(
        clients.map((c) => c.replica()),
        finalReaders,
      ),
    );
    for (const node of cluster.nodes) report.violations.push(...node.crashes);
    for (const { history: h } of clients) {
      report.done.edits += h.acked.size + h.lwwAcked.length + (h.mode === 'yjs' ? h.made.length : 0);
      report.done.grants += h.locks.filter((l) => l.holder === h.name).length;
      report.done.chats += h.chatsEchoed.size;
    }
    return report;
  } finally {
    working = false;
    for (const c of [...clients, ...readers.values()]) await c.close().catch(() => undefined);
    await cluster.close();
  }
}

async function inflict(cluster: ChaosCluster, clients: readonly ChaosClient[], fault: Fault): Promise<void> {
  switch (fault.kind) {
    case 'kill': {
      const node = cluster.nodes[fault.node]!;
      await node.kill();
      await delay(fault.downMs);
      return;
    }
    case 'pause':
      cluster.nodes[fault.node]!.pause();
      await delay(fault.downMs);
      return;
    case 'redis-cut':
      cluster.nodes[fault.node]!.redis.cut();
      await delay(fault.downMs);
      return;
    case 'redis-flush':
      await cluster.flushRedis();
      return;
    case 'postgres-terminate':
      await cluster.nodes[fault.node]!.terminatePostgres();
      return;
    case 'client-cut':
      clients[fault.client]?.proxy.reset();
      return;
    default:
      fault satisfies never;
  }
}

/** A fresh client reaches every room through a random node, within the bound. */
async function availableAgain(
  cluster: ChaosCluster,
  rooms: ReadonlyMap<Mode, string>,
  random: SeededRandom,
  boundMs: number,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const probes: ChaosClient[] = [];
  try {
    for (const [mode, roomId] of rooms) {
      const node = cluster.nodes[random.int(0, cluster.nodes.length - 1)]!;
      probes.push(await ChaosClient.connect(`probe-${mode}`, mode, node.front.port, roomId));
    }
    await eventually('a new client admitted to every room', boundMs, () =>
      probes.every((p) => p.room.status === 'connected'),
    );
    return { ok: true };
  } catch (error) {
    const where = probes.map((p) => `${p.mode}: ${p.room.status}`).join(', ');
    return { ok: false, why: `${(error as Error).message} (${where})` };
  } finally {
    for (const p of probes) await p.close();
  }
}

/** Every client connected and one more edit acknowledged; what is stuck is reported. */
async function settle(clients: readonly ChaosClient[], boundMs: number): Promise<string[]> {
  const out: string[] = [];
  await eventually('every client connected after the schedule', boundMs, () =>
    clients.every((c) => c.room.status === 'connected'),
  ).catch(() => undefined);
  for (const c of clients)
    if (c.room.status !== 'connected')
      out.push(`${c.name} is stuck ${c.room.status} after every fault healed`);
  const acks = clients
    .filter((c) => c.mode !== 'yjs' && c.room.status === 'connected')
    .map(async (c) => {
      const acked = await Promise.race([
        c.edit(1_000_000).then(() => true),
        delay(boundMs).then(() => false),
      ]);
      if (!acked) out.push(`${c.name}: an edit was not acknowledged within ${boundMs} ms`);
    });
  await Promise.all(acks);
  return out;
}

/** Same state and version in every replica of each room, and full rosters. */
function converged(members: readonly ChaosClient[]): boolean {
  for (const mode of MODES) {
    const group = members.filter((c) => c.mode === mode);
    if (new Set(group.map((c) => c.state())).size > 1) return false;
    if (new Set(group.map((c) => c.version())).size > 1) return false;
    if (group.some((c) => c.room.others.length !== group.length - 1)) return false;
  }
  return true;
}

/** Resolves once `check()` holds, looking every 50 ms; rejects after `boundMs` saying what failed. */
async function eventually(what: string, boundMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms`);
    await delay(50);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { CLUSTER_TIMINGS };
