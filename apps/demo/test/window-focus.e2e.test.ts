import { describe, expect, it } from 'vitest';
import { browserSuite, demoServer, pairInOpenSession, wiggleOverStage } from './support.js';

const { browser, pages } = browserSuite();

describe('a window that loses focus but stays visible (alt-tab)', () => {
  const server = demoServer();

  it('pauses its cursor: the others stop seeing it, and see it again once focus is back and it moves', async () => {
    const { host, guest } = await pairInOpenSession(browser(), server().url);
    Object.assign(pages, { host, guest });
    const hostCursor = guest.locator('.tandem-cursor', { hasText: 'Ada' });
    await wiggleOverStage(host);
    await hostCursor.waitFor();

    await host.evaluate(() => window.dispatchEvent(new Event('blur')));
    await hostCursor.waitFor({ state: 'detached' });
    // Presence stays, and the page is not taken for hidden: it is still in view.
    const hostAvatar = guest.locator('.topbar .tandem-avatar[title^="Ada"]');
    await hostAvatar.waitFor();
    expect(await hostAvatar.getAttribute('data-hidden')).toBeNull();

    await host.evaluate(() => window.dispatchEvent(new Event('focus')));
    await wiggleOverStage(host);
    await hostCursor.waitFor();
  });
});
