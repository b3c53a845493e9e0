/** A deterministic source of randomness: the same seed draws the same schedule and workload. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1) (xorshift32). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 2 ** 32;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** One fault, what it hits, and how long it lasts before it heals. */
export type Fault =
  | { kind: 'kill'; node: number; downMs: number }
  | { kind: 'pause'; node: number; downMs: number }
  | { kind: 'redis-cut'; node: number; downMs: number }
  | { kind: 'redis-flush' }
  | { kind: 'postgres-terminate'; node: number }
  | { kind: 'client-cut'; client: number };

export const FAULT_KINDS = [
  'kill',
  'pause',
  'redis-cut',
  'redis-flush',
  'postgres-terminate',
  'client-cut',
] as const satisfies readonly Fault['kind'][];

/** A fault and the quiet time of workload before it. */
export interface Step {
  readonly quietMs: number;
  readonly fault: Fault;
}

/**
 * The faults of one run: `count` of them, each after a quiet spell, drawn from `seed`. Every kind
 * appears at least once when `count` allows, so a short run still covers them all.
 */
export function drawSchedule(
  random: SeededRandom,
  count: number,
  shape: { nodes: number; clients: number },
): Step[] {
  const kinds: Fault['kind'][] = [];
  for (let i = 0; i < count; i++)
    kinds.push(i < FAULT_KINDS.length ? FAULT_KINDS[i]! : random.pick(FAULT_KINDS));
  // Shuffle, so the covering pass is not always in the same order.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((kind) => ({ quietMs: random.int(800, 2500), fault: draw(kind, random, shape) }));
}

function draw(kind: Fault['kind'], random: SeededRandom, shape: { nodes: number; clients: number }): Fault {
  const node = random.int(0, shape.nodes - 1);
  switch (kind) {
    case 'kill':
      return { kind, node, downMs: random.int(200, 2000) };
    case 'pause':
      return { kind, node, downMs: random.int(500, 3000) };
    case 'redis-cut':
      return { kind, node, downMs: random.int(500, 3000) };
    case 'redis-flush':
      return { kind };
    case 'postgres-terminate':
      return { kind, node };
    case 'client-cut':
      return { kind, client: random.int(0, shape.clients - 1) };
    default:
      return kind satisfies never;
  }
}

/** How a fault reads in a report. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'redis-flush':
      return 'Redis restarted empty';
    case 'client-cut':
      return `client ${fault.client} cut`;
    case 'postgres-terminate':
      return `PostgreSQL connections of node ${fault.node} terminated`;
    default:
      return `${fault.kind} node ${fault.node} for ${fault.downMs} ms`;
  }
}
