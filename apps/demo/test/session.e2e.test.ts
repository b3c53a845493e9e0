import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../../packages/server/src/server.js';
import { startServer, tempDataDir } from '../../../packages/server/test/support/server.js';
import {
  browserSuite,
  distDir,
  frame,
  hidePage,
  inviteLink,
  person,
  referenceShot,
  signIn,
  startSession,
  wiggleOverStage,
} from './support.js';

const { browser: launched, pages } = browserSuite();

describe('two people on one canvas', () => {
  let server: TandemServer;
  let host: Page;
  let guest: Page;
  let inviteUrl = '';

  beforeAll(async () => {
    server = await startServer({ staticDir: distDir, accessTimeoutSeconds: 3 });
    host = await person(launched());
    guest = await person(launched());
    Object.assign(pages, { host, guest });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves the demo at /', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('(a) host starts; a guest opens the invite link, waits, is added, and sees the host’s layer', async () => {
    await host.goto(server.url);
    await host.getByLabel('Display name').waitFor();
    await referenceShot(host, 'sign-in');
    await host.getByLabel('Display name').fill('Ada');
    await host.getByRole('button', { name: 'Continue' }).click();
    // Signed in: the solo editor, on a canvas of one's own; Collaborate starts a session from it.
    await host.getByTestId('solo').waitFor();
    await referenceShot(host, 'solo-editor');
    await host.getByRole('button', { name: 'Collaborate' }).click();
    await host.getByRole('button', { name: 'Start a session' }).click();
    await host.getByTestId('join-code').waitFor();
    await host.getByRole('button', { name: 'Share', exact: true }).click();
    await referenceShot(host, 'share');
    await host.getByRole('button', { name: 'Share', exact: true }).click();
    inviteUrl = await inviteLink(host);
    expect(inviteUrl).toMatch(/\/\?join=[A-Z0-9]{6}$/);

    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 1').waitFor();

    await signIn(guest, inviteUrl, 'Grace');
    await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    await referenceShot(guest, 'waiting-room');

    await host.getByRole('button', { name: 'Add Grace' }).click();
    await frame(guest, 'Shape 1').waitFor();
  });

  it('(b) both edit different layers and each sees the other’s edit', async () => {
    // Ada holds Shape 1 (selected when added); Grace adds and holds a text layer.
    await host.locator('.layer-props[data-lock="mine"]').waitFor();
    await guest.getByRole('button', { name: '+ Text' }).click();
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
    await guest.getByLabel('Text', { exact: true }).fill('Hello from Grace');
    await host.getByLabel('Name').fill('Hero');

    await host.locator('.layer.text', { hasText: 'Hello from Grace' }).waitFor();
    await guest.locator('.layer-name', { hasText: 'Hero' }).waitFor();
    // Each sees the other's layer outlined with its holder's name.
    await host.locator('.layer-frame[data-lock="held"] .frame-label', { hasText: 'Grace' }).waitFor();
    await guest.locator('.layer-frame[data-lock="held"] .frame-label', { hasText: 'Ada' }).waitFor();
  });

  it('(c) a layer held by the other is read-only; request access, holder releases, requester edits', async () => {
    await guest.locator('.layer-name', { hasText: 'Hero' }).click();
    const props = guest.locator('.layer-props[data-lock="held"]');
    await props.waitFor();
    expect(await guest.getByLabel('Name').isDisabled()).toBe(true);

    await guest.getByRole('button', { name: 'Request access' }).click();
    await guest.getByLabel('Message').fill('Can I fix the colour?');
    await guest.getByRole('button', { name: 'Send request' }).click();
    await guest.locator('.tandem-request-access-outcome[data-outcome="pending"]').waitFor();

    const toast = host.locator('.tandem-access-request', { hasText: 'Can I fix the colour?' });
    await toast.waitFor();
    expect(await toast.locator('p').textContent()).toBe('Grace asks for Hero');
    await referenceShot(host, 'access-request');
    await toast.getByRole('button', { name: /^Release/ }).click();

    // Granted, the request form closes itself, and the layer is Grace's to edit.
    await guest.locator('.tandem-request-access').waitFor({ state: 'detached' });
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
    await guest.getByLabel('Name').fill('Hero (Grace)');
    await host.locator('.layer-name', { hasText: 'Hero (Grace)' }).waitFor();
    // Ada now sees it held by Grace.
    await host.locator('.layer-frame[data-lock="held"][aria-label^="Hero (Grace)"]').waitFor();
  });

  it('(c2) an unanswered request shows the timeout', async () => {
    // Ada asks for the layer back; Grace ignores it; the room times it out (accessTimeoutSeconds 3 s).
    await host.locator('.layer-name', { hasText: 'Hero (Grace)' }).click();
    await host.getByRole('button', { name: 'Request access' }).click();
    await host.getByRole('button', { name: 'Send request' }).click();
    // Both sides see the time left: the one who asks, and the one asked.
    await host
      .locator('.tandem-request-access-countdown', { hasText: /^[1-3] s left for an answer$/ })
      .waitFor();
    await guest
      .locator('.tandem-access-request-countdown', { hasText: /^[1-3] s left to answer$/ })
      .waitFor();
    await host.locator('.tandem-request-access-outcome[data-outcome="timeout"]').waitFor({ timeout: 10_000 });
    expect(await host.locator('.tandem-request-access-outcome').textContent()).toContain('No answer in time');
    await guest.locator('.tandem-access-request').first().waitFor({ state: 'detached' });
    // The one who did not answer learns what they missed, until they dismiss it.
    const missed = guest.locator('.tandem-access-missed');
    await missed.waitFor();
    expect(await missed.textContent()).toContain("You missed Ada's request for Hero (Grace)");
    await missed.getByRole('button', { name: 'Dismiss' }).click();
    await missed.waitFor({ state: 'detached' });
    await host.getByRole('button', { name: 'Close' }).click();
  });

  it('(c3) a declined request leaves the layer with its holder and read-only for the requester', async () => {
    await host.locator('.layer-name', { hasText: 'Hero (Grace)' }).click();
    await host.getByRole('button', { name: 'Request access' }).click();
    await host.getByLabel('Message').fill('May I have it back?');
    await host.getByRole('button', { name: 'Send request' }).click();
    const toast = guest.locator('.tandem-access-request', { hasText: 'May I have it back?' });
    await toast.waitFor();
    await toast.getByRole('button', { name: /^Decline/ }).click();
    await host.locator('.tandem-request-access-outcome[data-outcome="declined"]').waitFor();
    await toast.waitFor({ state: 'detached' });
    await host.getByRole('button', { name: 'Close' }).click();
    await host.locator('.layer-props[data-lock="held"]').waitFor();
    expect(await host.getByLabel('Name').isDisabled()).toBe(true);
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
  });

  it('(d) a cursor shows with its name, and disappears when its page is hidden', async () => {
    await wiggleOverStage(guest);
    const cursor = host.locator('.tandem-cursor', { hasText: 'Grace' });
    await cursor.waitFor();
    await hidePage(guest);
    await cursor.waitFor({ state: 'detached' });
    // Presence stays: Grace is still in the roster, marked away.
    await host.locator('.roster li[data-hidden]', { hasText: 'Grace' }).waitFor();
  });

  it('(e) a chat message raises the unread badge', async () => {
    await host.getByRole('button', { name: 'Chat' }).click();
    await host.getByLabel('Message').fill('Shall we do the intro first?');
    await host.getByRole('button', { name: 'Send' }).click();
    await host.locator('.chat-list li', { hasText: 'Shall we do the intro first?' }).waitFor();
    await expect.poll(() => guest.getByTestId('unread').textContent()).toBe('1');
    await guest.getByRole('button', { name: /^Chat/ }).click();
    await guest.locator('.chat-list li', { hasText: 'Shall we do the intro first?' }).waitFor();
    await guest.getByTestId('unread').waitFor({ state: 'detached' });
  });

  it('(f) the host declines a guest, who is told so', async () => {
    const mallory = await person(launched());
    pages.mallory = mallory;
    await signIn(mallory, inviteUrl, 'Mallory');
    await mallory.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    await host.getByRole('button', { name: 'Decline Mallory' }).click();
    await mallory.getByText('The host declined your request to join.').waitFor();
    await mallory.context().close();
    delete pages.mallory;
  });

  it('(g) a reload keeps the lock', async () => {
    // Grace holds "Hero (Grace)" since the hand-over; she reloads the page.
    await guest.reload();
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
    expect(await guest.getByLabel('Name').inputValue()).toBe('Hero (Grace)');
    await host.locator('.layer-frame[data-lock="held"][aria-label^="Hero (Grace)"]').waitFor();
    await guest.getByLabel('Name').fill('Hero after reload');
    await host.locator('.layer-name', { hasText: 'Hero after reload' }).waitFor();
  });

  it('the host removes a guest from the roster', async () => {
    await host.getByRole('button', { name: 'Remove Grace' }).click();
    await guest.getByText('The host removed you from this session.').waitFor();
  });
});

describe('server restart', () => {
  it('(h) pages reconnect and the canvas is intact', async () => {
    const data = tempDataDir();
    let server = await startServer({ staticDir: distDir, data: data.dir });
    const port = Number(new URL(server.url).port);
    const host = await person(launched());
    const guest = await person(launched());
    Object.assign(pages, { restartHost: host, restartGuest: guest });
    try {
      await startSession(host, server.url, 'Ada', 'open');
      await host.getByRole('button', { name: '+ Text' }).click();
      await frame(host, 'Text 1').waitFor();
      const invite = await inviteLink(host);
      await signIn(guest, invite, 'Grace');
      await frame(guest, 'Text 1').waitFor();

      await server.close();
      await host.locator('.topbar .tandem-connection:not([data-status="connected"])').waitFor();
      server = await startServer({ staticDir: distDir, data: data.dir, port });

      await host.locator('.topbar .tandem-connection[data-status="connected"]').waitFor({ timeout: 20_000 });
      await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor({ timeout: 20_000 });
      await frame(guest, 'Text 1').waitFor();
      await host.getByRole('button', { name: '+ Shape' }).click();
      await frame(guest, 'Shape 2').waitFor();
    } finally {
      await server.close();
      await host.context().close();
      await guest.context().close();
      data.remove();
    }
  }, 60_000);
});
