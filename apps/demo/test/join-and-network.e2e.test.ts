import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../../packages/server/test/support/tcp-proxy.js';
import {
  browserSuite,
  demoServer,
  inviteLink,
  joinWithCode,
  person,
  signIn,
  startSession,
} from './support.js';

const { browser, pages } = browserSuite();

const pill = (page: Page, where: string, status: string) =>
  page.locator(`${where} .tandem-connection[data-status="${status}"]`);

describe('joining by what a person types or pastes', () => {
  const server = demoServer();

  it('tells at once what is wrong with a code of the wrong length, without connecting', async () => {
    const page = await person(browser());
    pages.guest = page;
    await signIn(page, server().url, 'Grace');
    await joinWithCode(page, 'K7QX2');
    const box = page.getByLabel('Session code');
    const problem = page.locator('#join-code-problem');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/6 or 8 characters; this one has 5/);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    // Still on the solo canvas: no session screen, no "Reconnecting…".
    expect(await page.getByTestId('solo').isVisible()).toBe(true);
    expect(await page.locator('.tandem-connection').count()).toBe(0);
    // Typing again clears the message.
    await box.fill('K7QX2M');
    expect(await problem.count()).toBe(0);
    await page.context().close();
  });

  it('joins with the whole invite link pasted into the code box', async () => {
    const host = await person(browser());
    const guest = await person(browser());
    Object.assign(pages, { host, guest });
    const code = await startSession(host, server().url, 'Ada', 'open');
    const invite = await inviteLink(host);
    await signIn(guest, server().url, 'Grace');
    await joinWithCode(guest, invite);
    await pill(guest, '.topbar', 'connected').waitFor();
    expect(new URL(guest.url()).searchParams.get('join')).toBe(code);
    await host.context().close();
    await guest.context().close();
  });

  it('says there is no such session for a well-formed code nobody uses, and stops there', async () => {
    const page = await person(browser());
    pages.guest = page;
    await signIn(page, server().url, 'Grace');
    await joinWithCode(page, 'zzzz zz');
    await page.getByRole('heading', { name: 'No such session' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/There is no session with that code/);
    expect(await page.locator('.tandem-connection').count()).toBe(0);
    await page.getByRole('button', { name: 'Back to start' }).click();
    await page.getByTestId('solo').waitFor();
    await page.context().close();
  });
});

describe('the status through a network drop', () => {
  const server = demoServer();
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await TcpProxy.start(server().url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('leaves "Connected" when the network goes silent, and comes back with it', async () => {
    const page = await person(browser());
    pages.host = page;
    // The whole page goes through the proxy; connections are trusted for half a second of silence.
    await startSession(page, `${proxy.url}?liveness=500`, 'Ada', 'open');
    await pill(page, '.topbar', 'connected').waitFor();
    await pill(page, '.notes', 'connected').waitFor();

    proxy.blackHole();
    await pill(page, '.topbar', 'reconnecting').waitFor();
    await pill(page, '.notes', 'reconnecting').waitFor();
    expect(await page.locator('.topbar .tandem-connection').getAttribute('title')).toMatch(
      /no answer from the server/,
    );

    proxy.restore();
    await pill(page, '.topbar', 'connected').waitFor();
    await pill(page, '.notes', 'connected').waitFor();
    await page.context().close();
  });

  it('leaves "Connected" at once when the browser goes offline, and reconnects when it is back', async () => {
    const page = await person(browser());
    pages.host = page;
    // The default liveness: only the offline event can change the pill within the wait.
    await startSession(page, server().url, 'Ada', 'open');
    await pill(page, '.topbar', 'connected').waitFor();
    await pill(page, '.notes', 'connected').waitFor();

    await page.context().setOffline(true);
    await pill(page, '.topbar', 'reconnecting').waitFor({ timeout: 5_000 });
    await pill(page, '.notes', 'reconnecting').waitFor({ timeout: 5_000 });
    expect(await page.locator('.topbar .tandem-connection').getAttribute('title')).toMatch(/offline/);

    await page.context().setOffline(false);
    await pill(page, '.topbar', 'connected').waitFor();
    await pill(page, '.notes', 'connected').waitFor();
    await page.context().close();
  });
});
