import { DATABASE_URL, dropSchema, uniqueSchema } from './postgres.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './redis.js';
import { tempDataDir } from './server.js';

/** What every node of one test cluster shares, as server options and as `tandem serve` flags. */
export interface ClusterSettings {
  config: {
    data: string;
    databaseUrl: string;
    databaseSchema: string;
    redisUrl: string;
    redisPrefix: string;
    clusterLeaseMs: number;
  };
  args: string[];
}

/**
 * Test clusters, each in a database schema, Redis prefix and data directory of its own, removed
 * together by {@link drop}.
 */
export class TestClusters {
  private readonly data = tempDataDir();
  private readonly schemas: string[] = [];
  private readonly prefixes: string[] = [];

  /** Settings for a new cluster: its nodes share the database schema, Redis prefix and guest secret. */
  settings(leaseMs = 10_000): ClusterSettings {
    const schema = uniqueSchema();
    const prefix = uniquePrefix();
    this.schemas.push(schema);
    this.prefixes.push(prefix);
    // One data directory: the nodes share the secret guest tokens are signed with.
    const dir = `${this.data.dir}/${prefix.replace(/:/g, '_')}`;
    return {
      config: {
        data: dir,
        databaseUrl: DATABASE_URL,
        databaseSchema: schema,
        redisUrl: REDIS_URL,
        redisPrefix: prefix,
        clusterLeaseMs: leaseMs,
      },
      args: [
        '--data',
        dir,
        '--database-url',
        DATABASE_URL,
        '--database-schema',
        schema,
        '--redis-url',
        REDIS_URL,
        '--redis-prefix',
        prefix,
        '--cluster-lease-ms',
        String(leaseMs),
      ],
    };
  }

  /** Drops every schema and Redis key the clusters made, and their data directories. */
  async drop(): Promise<void> {
    for (const schema of this.schemas.splice(0)) await dropSchema(schema);
    for (const prefix of this.prefixes.splice(0)) await dropPrefix(prefix);
    this.data.remove();
  }
}
