import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../../packages/server/src/server.js';
import {
  DATABASE_URL,
  dropSchema,
  skipPostgres,
  uniqueSchema,
} from '../../../packages/server/test/support/postgres.js';
import {
  dropPrefix,
  REDIS_URL,
  skipRedis,
  uniquePrefix,
} from '../../../packages/server/test/support/redis.js';
import { startServer, tempDataDir } from '../../../packages/server/test/support/server.js';
import { browserSuite, distDir, frame, person, signIn, startSession } from './support.js';

const { browser, pages } = browserSuite();

describe.skipIf(skipRedis || skipPostgres)('the editor on a cluster of two servers', () => {
  const schema = uniqueSchema();
  const prefix = uniquePrefix();
  const data = tempDataDir();
  let a: TandemServer;
  let b: TandemServer;
  let host: Page;
  let guest: Page;

  beforeAll(async () => {
    const config = {
      staticDir: distDir,
      data: data.dir,
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: REDIS_URL,
      redisPrefix: prefix,
    };
    a = await startServer(config);
    b = await startServer(config);
    host = await person(browser());
    guest = await person(browser());
    Object.assign(pages, { host, guest });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
    await dropPrefix(prefix);
    data.remove();
  });

  it('a guest on the other server edits the same canvas, its frames forwarded to the host’s server', async () => {
    const code = await startSession(host, a.url, 'Ada', 'open');
    await signIn(guest, `${b.url}/?join=${code}`, 'Grace');
    await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 1').waitFor();
    await guest.getByRole('button', { name: '+ Text' }).click();
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
    await guest.getByLabel('Text', { exact: true }).fill('Across servers');
    await host.locator('.layer.text', { hasText: 'Across servers' }).waitFor();
    // The canvas session and its companion rooms live on the host's server alone.
    expect([a.registry.size, b.registry.size]).toEqual([3, 0]);
    expect(b.cluster?.forwardedConnections).toBeGreaterThanOrEqual(1);
    await host.getByRole('button', { name: 'Leave' }).click();
    await guest.getByRole('button', { name: 'Leave' }).click();
  });

  it('a peer-to-peer guest whose signaling reaches the other server still finds the host', async () => {
    await host.getByLabel('Who can join').selectOption('open');
    await host.getByRole('button', { name: 'Start a peer-to-peer session' }).click();
    const sessionId = (await host.getByTestId('session-id').textContent()) ?? '';
    await guest.goto(`${b.url}/?p2p=${sessionId}`);
    await guest.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 1').waitFor();
    expect([a.signaling.size, b.signaling.size]).toEqual([1, 0]);
  });
});
