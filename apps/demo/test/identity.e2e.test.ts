import { SignJWT } from 'jose';
import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, demoServer, inviteLink, person, signIn, startSession } from './support.js';

const SECRET = 'demo-identity-secret-of-at-least-32-bytes';

const { browser, pages } = browserSuite();
const server = demoServer({ jwtSecret: SECRET });

function jwt(
  claims: Record<string, unknown>,
  options: { secret?: string; exp?: boolean } = {},
): Promise<string> {
  const token = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(`user-${claims.name}`);
  if (options.exp !== false) token.setExpirationTime('10m');
  return token.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function tokenSignIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'I have a token (JWT)' }).click();
  await page.getByLabel('Access token (JWT)').fill(token);
  await page.getByRole('button', { name: 'Continue' }).click();
}

const connected = (page: Page) =>
  page.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();

/** The colour of each roster entry named `name`, as the page shows it. */
function rosterColours(page: Page, name: string): Promise<string[]> {
  return page
    .locator('.roster li', { hasText: name })
    .locator('.dot')
    .evaluateAll((dots) => dots.map((d) => (d as HTMLElement).style.background));
}

describe('who a person is', () => {
  it('keeps one colour for a person across two tabs and a reconnect', async () => {
    const host = await person(browser());
    const guest = await person(browser());
    Object.assign(pages, { host, guest });
    // The guest's WebSockets pass through here, so one can be dropped on the page's side only.
    const routes: WebSocketRoute[] = [];
    let opened = 0;
    await guest.context().routeWebSocket(/.*/, (page) => {
      const upstream = page.connectToServer();
      page.onMessage((m) => upstream.send(m));
      upstream.onMessage((m) => page.send(m));
      routes.push(page);
      opened++;
    });
    await startSession(host, server().url, 'Ada', 'open');
    await signIn(guest, await inviteLink(host), 'Grace');
    await connected(guest);
    await host.locator('.roster li', { hasText: 'Grace' }).waitFor();
    const [colour] = await rosterColours(host, 'Grace');
    expect(colour).toBeTruthy();
    expect(await rosterColours(host, 'Ada')).not.toContain(colour);

    // The same person in a second tab of the same browser.
    const identity = await guest.evaluate(() => sessionStorage.getItem('tandem-demo:identity'));
    const tab = await guest.context().newPage();
    pages.tab = tab;
    tab.setDefaultTimeout(15_000);
    await tab.addInitScript((value) => {
      if (value) sessionStorage.setItem('tandem-demo:identity', value);
    }, identity);
    await tab.goto(guest.url());
    await connected(tab);
    await host.locator('.roster li', { hasText: 'Grace' }).nth(1).waitFor();
    expect(await rosterColours(host, 'Grace')).toEqual([colour, colour]);
    expect((await rosterColours(tab, 'Grace'))[0]).toBe(colour);

    // The first tab's connection to the canvas room drops; it reconnects as the same person.
    const before = opened;
    // The first canvas connection is the first tab's (joined by code; the companions by room id).
    const dropped = routes.find((r) => new URL(r.url()).pathname.startsWith('/join/'));
    await dropped!.close({ code: 3000, reason: 'network dropped' });
    await expect.poll(() => opened, { timeout: 15_000 }).toBeGreaterThan(before);
    // Seen by the host: Grace joined three times (two tabs, then the reconnect).
    await host.locator('.activity-list li', { hasText: 'Grace joined' }).nth(2).waitFor();
    await connected(guest);
    await expect.poll(() => rosterColours(host, 'Grace')).toEqual([colour, colour]);
    expect((await rosterColours(guest, 'Grace'))[0]).toBe(colour);
  });

  it('lets the host end the session: guests are told, and everyone is back on their own canvas', async () => {
    const host = await person(browser());
    const guest = await person(browser());
    Object.assign(pages, { host, guest });
    await startSession(host, server().url, 'Ada', 'open');
    await signIn(guest, await inviteLink(host), 'Grace');
    await connected(guest);
    expect(await guest.getByRole('button', { name: 'End session' }).count()).toBe(0);

    // Dismissing the confirmation ends nothing.
    host.once('dialog', (dialog) => void dialog.dismiss());
    await host.getByRole('button', { name: 'End session' }).click();
    await connected(host);
    await host.locator('.roster li', { hasText: 'Grace' }).waitFor();

    host.once('dialog', (dialog) => {
      expect(dialog.message()).toMatch(/End the session for everyone/);
      void dialog.accept();
    });
    await host.getByRole('button', { name: 'End session' }).click();
    await expect
      .poll(() => guest.getByTestId('notice').locator('span').textContent())
      .toBe('The host ended the session.');
    await guest.getByTestId('solo').waitFor();
    expect(new URL(guest.url()).searchParams.get('join')).toBeNull();
    await expect
      .poll(() => host.getByTestId('notice').locator('span').textContent())
      .toBe('You ended the session for everyone.');
  });

  it('shows a token’s name only once the server verified it', async () => {
    const page = await person(browser());
    pages.signin = page;
    await tokenSignIn(
      page,
      server().url,
      await jwt({ name: 'Mallory' }, { secret: 'not-the-server-secret-at-least-32-bytes' }),
    );
    await page.getByRole('alert').filter({ hasText: 'That token is not valid here' }).waitFor();
    expect(await page.getByText('Signed in as').count()).toBe(0);

    await page.getByLabel('Access token (JWT)').fill(await jwt({ name: 'Forever' }, { exp: false }));
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'exp' });
    await alert.waitFor();
    expect(await alert.textContent()).not.toMatch(/has expired/);

    await page
      .getByLabel('Access token (JWT)')
      .fill(await jwt({ name: 'Grace', email: 'grace@example.com' }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('.topbar .signed-in strong').textContent()).toBe('Grace');
    // Signed in with an email: the trusted policy is offered.
    expect(await page.getByRole('option', { name: /^Trusted/ }).isDisabled()).toBe(false);
    expect(await page.getByTestId('trusted-unavailable').count()).toBe(0);
  });

  it('does not offer the trusted policy to a host without an email, and shows invalid trusted entries', async () => {
    const host = await person(browser());
    pages.host = host;
    await signIn(host, server().url, 'Ada');
    await host.getByText('Signed in as').waitFor();
    expect(await host.getByRole('option', { name: /^Trusted/ }).isDisabled()).toBe(true);
    await host.getByTestId('trusted-unavailable').waitFor();
    await host.getByRole('button', { name: 'Collaborate' }).click();
    await host.getByRole('button', { name: 'Start a session' }).click();
    await host.getByTestId('join-code').waitFor();
    expect(await host.getByRole('option', { name: /^Trusted/ }).isDisabled()).toBe(true);

    await host.getByLabel('Trusted emails (join without waiting)').fill('grace@example.com, carol\ndave@');
    const invalid = host.getByTestId('trusted-invalid');
    expect(await invalid.textContent()).toBe(
      'Not email addresses: carol, dave@. Correct or remove them to save.',
    );
    expect(await host.getByRole('button', { name: 'Save trusted list' }).isDisabled()).toBe(true);
    await host.getByLabel('Trusted emails (join without waiting)').fill('grace@example.com');
    expect(await invalid.count()).toBe(0);
    await host.getByRole('button', { name: 'Save trusted list' }).click();
    await expect
      .poll(() => host.getByLabel('Trusted emails (join without waiting)').inputValue())
      .toBe('grace@example.com');
  });
});
