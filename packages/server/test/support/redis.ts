import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use: `REDIS_URL`, or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set `TANDEM_TEST_SKIP_REDIS=1` to skip the tests that need Redis (CI never does). */
export const skipRedis = process.env.TANDEM_TEST_SKIP_REDIS === '1';

const run = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let made = 0;

/** A key prefix no other test or run uses. */
export function uniquePrefix(): string {
  return `tandem-test:${run}:${(made++).toString(36)}`;
}

/** A connection to {@link REDIS_URL}, or an error saying what to start. */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  let refused: Error | undefined;
  redis.on('error', (error: Error) => {
    refused ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(refused ?? (error as Error)).message}). Start it (e.g. \`redis-server --daemonize yes\`) or point REDIS_URL at one; set TANDEM_TEST_SKIP_REDIS=1 to skip these tests.`,
    );
  }
  return redis;
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = await connectRedis();
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
