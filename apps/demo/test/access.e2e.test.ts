import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { TandemServer } from '../../../packages/server/src/server.js';
import { startServer } from '../../../packages/server/test/support/server.js';
import {
  distDir,
  ensureDemoBuilt,
  failureShots,
  launchBrowser,
  person,
  signIn,
  startSession,
} from './support.js';

const SECRET = 'demo-e2e-secret-of-at-least-32-bytes!!';

let browser: Browser;
let server: TandemServer;
const pages: Record<string, Page> = {};

beforeAll(async () => {
  ensureDemoBuilt();
  browser = await launchBrowser();
  server = await startServer({ staticDir: distDir, jwtSecret: SECRET });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await browser?.close();
});

beforeEach((ctx) => {
  ctx.onTestFailed(() => failureShots(ctx.task.name, pages));
});

/** A JWT such as an identity provider would issue, with an email claim the trusted list matches. */
function jwtFor(sub: string, email: string, name: string): Promise<string> {
  return new SignJWT({ sub, email, name })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

describe('admission and limits in the browser', () => {
  it('a trusted email joins without waiting', async () => {
    const host = await person(browser);
    const guest = await person(browser);
    Object.assign(pages, { host, guest });
    await startSession(host, server.url, 'Ada');
    await host.getByLabel('Trusted emails (join without waiting)').fill('grace@example.com');
    await host.getByRole('button', { name: 'Save trusted list' }).click();
    const invite = await host.getByLabel('Invite link').inputValue();

    await guest.goto(invite);
    await guest.getByRole('button', { name: 'I have a token (JWT)' }).click();
    await guest
      .getByLabel('Access token (JWT)')
      .fill(await jwtFor('user-grace', 'grace@example.com', 'Grace'));
    await guest.getByRole('button', { name: 'Continue' }).click();
    // Straight into the editor: no waiting room, and the host sees her in the roster.
    await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    await host.locator('.roster li', { hasText: 'Grace' }).waitFor();
  });

  it('spamming chat shows the rate-limit message', async () => {
    const host = await person(browser);
    pages.spammer = host;
    await startSession(host, server.url, 'Ada');
    await host.getByRole('button', { name: 'Chat' }).click();
    const input = host.getByRole('region', { name: 'Chat' }).getByLabel('Message');
    // Far over the 2-a-second budget; the page says so instead of losing the text silently.
    for (let i = 0; i < 8; i++) {
      await input.fill(`message ${i}`);
      await input.press('Enter');
    }
    await host.getByText('Slow down: at most 2 chat messages a second.').waitFor();
  });

  it('a removed guest is told so', async () => {
    const host = await person(browser);
    const guest = await person(browser);
    Object.assign(pages, { removeHost: host, removeGuest: guest });
    await startSession(host, server.url, 'Ada', 'open');
    await signIn(guest, await host.getByLabel('Invite link').inputValue(), 'Grace');
    await guest.getByLabel('Lesson notes text').waitFor();
    await host.getByRole('button', { name: 'Remove Grace' }).click();
    await guest.getByText('The host removed you from this session.').waitFor();
  });
});
