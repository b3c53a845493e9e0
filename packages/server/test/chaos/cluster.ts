import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type ServerProcess, spawnServer } from '../support/child.js';
import { DATABASE_URL, dropSchema, uniqueSchema, withPostgres } from '../support/postgres.js';
import { connectRedis, dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** Timings the cluster runs with: short, so faults heal within a test's time. */
export const CLUSTER_TIMINGS = {
  leaseMs: 1000,
  heartbeatSeconds: 2,
  lockTtlSeconds: 4,
};

const SECRET = 'chaos-secret-chaos-secret-chaos-secret';

/** One `tandem serve` process, reached through proxies the schedule controls. */
export class ChaosNode {
  process: ServerProcess | undefined;
  stopped = false;
  /** How the node's processes ended when nobody killed them: a server must never crash of a fault. */
  readonly crashes: string[] = [];

  constructor(
    readonly name: string,
    /** Clients connect here; it follows the node across restarts. */
    readonly front: TcpProxy,
    /** Every Redis connection of the node passes through it. */
    readonly redis: TcpProxy,
    /** Its PostgreSQL connections pass through it. */
    readonly postgres: TcpProxy,
    private readonly args: string[],
  ) {}

  /** The node's address as clients use it (through its front proxy). */
  get url(): string {
    return `http://127.0.0.1:${this.front.port}`;
  }

  get alive(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    const logs = process.env.TANDEM_CHAOS_LOGS;
    const child = await spawnServer(logs ? [...this.args, '--log-level', 'debug'] : this.args);
    // Each node's log lines, for reading what happened to a failing seed.
    if (logs) {
      const file = createWriteStream(join(logs, `node-${this.name}.log`), { flags: 'a' });
      child.child.stdout?.pipe(file);
      child.child.stderr?.pipe(file);
    }
    const started = child;
    void started.exited.then(({ code, signal }) => {
      if (this.process !== started) return;
      this.process = undefined;
      this.crashes.push(`node ${this.name} exited by itself (code ${code}, signal ${signal})`);
    });
    this.process = started;
    this.stopped = false;
    this.front.retarget(Number(new URL(started.url).port));
  }

  /** SIGKILL: no goodbye, no flush, leases left to run out. */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p) return;
    this.process = undefined;
    p.child.kill('SIGKILL');
    await p.exited;
    this.front.reset();
  }

  /** SIGSTOP: the process stays, its sockets stay open, nothing answers. */
  pause(): void {
    if (!this.process || this.stopped) return;
    this.process.child.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    if (!this.process || !this.stopped) return;
    this.process.child.kill('SIGCONT');
    this.stopped = false;
  }

  /** Terminates the node's PostgreSQL backends (as an administrator or a failover would). */
  async terminatePostgres(): Promise<number> {
    const ports = this.postgres.servicePorts();
    if (ports.length === 0) return 0;
    return withPostgres(async (client) => {
      const { rowCount } = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1::int[])',
        [ports],
      );
      return rowCount ?? 0;
    });
  }
}

/**
 * Two or more `tandem serve` processes sharing PostgreSQL and Redis, each behind its own proxies,
 * with tokens signed by the test so any node accepts any client.
 */
export class ChaosCluster {
  private constructor(
    readonly nodes: ChaosNode[],
    readonly prefix: string,
    private readonly schema: string,
    private readonly dataDir: string,
  ) {}

  static async start(size: number): Promise<ChaosCluster> {
    const schema = uniqueSchema();
    const prefix = uniquePrefix();
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-chaos-'));
    const nodes: ChaosNode[] = [];
    for (let i = 0; i < size; i++) {
      const redis = await TcpProxy.start(withPort(REDIS_URL, 6379));
      const postgres = await TcpProxy.start(withPort(DATABASE_URL, 5432));
      // Pointed at the node's process once it has started (on a port of its own).
      const front = await TcpProxy.start('http://127.0.0.1:1');
      const args = [
        '--data',
        dataDir,
        '--database-url',
        postgres.url,
        '--database-schema',
        schema,
        '--redis-url',
        redis.url,
        '--redis-prefix',
        prefix,
        '--cluster-lease-ms',
        String(CLUSTER_TIMINGS.leaseMs),
        '--heartbeat-seconds',
        String(CLUSTER_TIMINGS.heartbeatSeconds),
        '--lock-ttl-seconds',
        String(CLUSTER_TIMINGS.lockTtlSeconds),
        '--access-timeout-seconds',
        '2',
        '--jwt-secret',
        SECRET,
        '--joins-per-minute',
        '100000',
        '--max-hosted-rooms',
        '100',
        '--doc-rate',
        '200',
        '--chat-rate',
        '50',
      ];
      nodes.push(new ChaosNode(String.fromCharCode(65 + i), front, redis, postgres, args));
    }
    // One at a time: the first migrates the schema.
    for (const node of nodes) await node.start();
    return new ChaosCluster(nodes, prefix, schema, dataDir);
  }

  /** A token for `userId`, valid for an hour, accepted by every node. */
  static token(userId: string, name: string): Promise<string> {
    return new SignJWT({ name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
  }

  /** Redis restarted without persistence: every key of the cluster is gone, every connection dropped. */
  async flushRedis(): Promise<void> {
    const redis = await connectRedis();
    try {
      const keys = await redis.keys(`${this.prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    for (const node of this.nodes) node.redis.reset();
  }

  /** Every fault healed: processes running and resumed, proxies open. */
  async heal(): Promise<void> {
    for (const node of this.nodes) {
      node.resume();
      node.redis.restore();
      node.postgres.restore();
      if (!node.alive) await node.start();
    }
  }

  async close(): Promise<void> {
    for (const node of this.nodes) {
      node.resume();
      await node.kill();
      await Promise.all([node.front.close(), node.redis.close(), node.postgres.close()]);
    }
    await dropPrefix(this.prefix).catch(() => undefined);
    await dropSchema(this.schema).catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** `url` with its port written out, as the proxy needs one. */
function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  if (!parsed.port) parsed.port = String(port);
  return parsed.href;
}
