import { describe, expect, it } from 'vitest';
import {
  browserSuite,
  collaborate,
  demoServer,
  frame,
  inviteLink,
  p2pPanel,
  person,
  referenceShot,
  signIn,
} from './support.js';

const { browser, pages } = browserSuite();

describe('the solo editor', () => {
  const server = demoServer();

  it('opens after signing in, edits a canvas kept in the browser, and keeps it across a reload', async () => {
    const page = await person(browser());
    pages.solo = page;
    await signIn(page, server().url, 'Ada');
    await page.getByTestId('solo').waitFor();
    await page.getByRole('button', { name: '+ Shape' }).click();
    await page.getByRole('button', { name: '+ Text' }).click();
    await page.locator('.layer-props[data-lock="mine"]').waitFor();
    await page.getByLabel('Text', { exact: true }).fill('Kept here');
    await page.locator('.layer.text', { hasText: 'Kept here' }).waitFor();

    await page.reload();
    await page.getByTestId('solo').waitFor();
    await frame(page, 'Shape 1').waitFor();
    await page.locator('.layer.text', { hasText: 'Kept here' }).waitFor();
    // Nothing of it went to the server: no room, no session.
    expect(server().registry.size).toBe(0);
    // Alone: no connection pill, no chat, no lesson.
    expect(await page.locator('.tandem-connection').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Chat' }).count()).toBe(0);
    await page.context().close();
  });

  it('Collaborate starts a session from what is on the canvas: the guest sees those shapes', async () => {
    const host = await person(browser());
    const guest = await person(browser());
    Object.assign(pages, { host, guest });
    await signIn(host, server().url, 'Ada');
    await host.getByRole('button', { name: '+ Shape' }).click();
    await host.getByRole('button', { name: '+ Text' }).click();
    await host.locator('.layer-props[data-lock="mine"]').waitFor();
    await host.getByLabel('Text', { exact: true }).fill('From the solo canvas');
    await host.locator('.layer.text', { hasText: 'From the solo canvas' }).waitFor();

    const code = await collaborate(host, 'open');
    expect(new URL(host.url()).searchParams.get('join')).toBe(code);
    // The host's canvas is the one it had, now in the session.
    await frame(host, 'Shape 1').waitFor();
    await host.locator('.layer.text', { hasText: 'From the solo canvas' }).waitFor();

    await signIn(guest, await inviteLink(host), 'Grace');
    await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    await frame(guest, 'Shape 1').waitFor();
    await guest.locator('.layer.text', { hasText: 'From the solo canvas' }).waitFor();
    // And it is a live session: the guest's edit reaches the host; the lesson is there.
    await guest.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 3').waitFor();
    await host.getByRole('region', { name: 'Lesson' }).waitFor();

    // Leaving goes back to the solo canvas, as it was.
    await host.getByRole('button', { name: 'Leave' }).click();
    await host.getByTestId('solo').waitFor();
    await frame(host, 'Shape 1').waitFor();
    expect(await frame(host, 'Shape 3').count()).toBe(0);
    await host.context().close();
    await guest.context().close();
  });

  it('starts a peer-to-peer session from the canvas in the Collaborative Session panel', async () => {
    const host = await person(browser());
    const guest = await person(browser());
    Object.assign(pages, { host, guest });
    await signIn(host, server().url, 'Ada');
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 1').waitFor();
    const panel = p2pPanel(host);
    await panel.locator('.peer-channel[data-status="idle"]').waitFor();
    await panel.getByLabel('Who can join').selectOption('open');
    await panel.getByRole('button', { name: 'Start a peer-to-peer session' }).click();
    const sessionId = (await host.getByTestId('p2p-session-id').textContent()) ?? '';
    expect(sessionId).toMatch(/^nss-/);
    await frame(host, 'Shape 1').waitFor();

    await signIn(guest, server().url, 'Grace');
    await p2pPanel(guest).getByLabel('Session ID').fill(sessionId);
    await p2pPanel(guest).getByRole('button', { name: 'Join peer-to-peer' }).click();
    await guest.locator('.peer-session .peer-channel[data-status="connected"]').waitFor();
    await frame(guest, 'Shape 1').waitFor();
    await host.locator('.peer-session .peer-channel[data-status="connected"]').waitFor();
    await referenceShot(host, 'peer-to-peer');
    expect(server().registry.size).toBe(0);
    await host.context().close();
    await guest.context().close();
  });
});

describe('Share and chat in a session', () => {
  const server = demoServer();

  it('Share in the top bar shows the code and the whole invite link, and copies them', async () => {
    const host = await person(browser(), ['clipboard-read', 'clipboard-write']);
    pages.host = host;
    await signIn(host, server().url, 'Ada');
    const code = await collaborate(host, 'open');
    await host.getByRole('button', { name: 'Share', exact: true }).click();
    const share = host.getByRole('dialog', { name: 'Share' });
    expect(await share.getByTestId('share-code').textContent()).toBe(code);
    const link = share.getByLabel('Invite link');
    expect(await link.inputValue()).toBe(`${server().url}/?join=${code}`);
    // Shown whole: nothing scrolled out of sight.
    expect(
      await link.evaluate((el) => el.scrollHeight <= el.clientHeight && el.scrollWidth <= el.clientWidth),
    ).toBe(true);
    await share.getByRole('button', { name: 'Copy link' }).click();
    await share.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await host.evaluate(() => navigator.clipboard.readText())).toBe(`${server().url}/?join=${code}`);
    const copyCode = share.getByRole('button', { name: 'Copy code' });
    await copyCode.click();
    // Said on the button once copied.
    await copyCode.waitFor({ state: 'detached' });
    expect(await host.evaluate(() => navigator.clipboard.readText())).toBe(code);
    // Nothing of it went to the error banner.
    expect(await host.getByTestId('notice').count()).toBe(0);
    await host.keyboard.press('Escape');
    expect(await share.count()).toBe(0);
  });

  it('pins the chat launcher bottom-left, clear of Share', async () => {
    const host = pages.host!;
    const launcher = await host.getByRole('button', { name: 'Chat' }).boundingBox();
    const shareButton = await host.getByRole('button', { name: 'Share', exact: true }).boundingBox();
    const viewport = host.viewportSize();
    if (!launcher || !shareButton || !viewport) throw new Error('not laid out');
    expect(launcher.x).toBeLessThan(viewport.width / 4);
    expect(launcher.y + launcher.height).toBeGreaterThan(viewport.height - 40);
    expect(shareButton.y + shareButton.height).toBeLessThan(launcher.y);
    // Opened, the chat grows upward from there.
    await host.getByRole('button', { name: 'Chat' }).click();
    const chat = await host.getByRole('region', { name: 'Chat' }).boundingBox();
    expect(chat?.x ?? Number.POSITIVE_INFINITY).toBeLessThan(viewport.width / 4);
  });
});
