import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: `DATABASE_URL`, or the local default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set `TANDEM_TEST_SKIP_POSTGRES=1` to skip the tests that need PostgreSQL (CI never does). */
export const skipPostgres = process.env.TANDEM_TEST_SKIP_POSTGRES === '1';

const run = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let made = 0;

/** A schema name no other test or run uses. */
export function uniqueSchema(): string {
  return `tandem_test_${run}_${(made++).toString(36)}`;
}

/** Runs `work` on a fresh connection to {@link DATABASE_URL}. */
export async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${DATABASE_URL} (${(error as Error).message}). Start it (e.g. \`service postgresql start\`) or point DATABASE_URL at one; set TANDEM_TEST_SKIP_POSTGRES=1 to skip these tests.`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops a schema made for a test, with everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
