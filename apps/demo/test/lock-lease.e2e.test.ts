import { describe, expect, it } from 'vitest';
import { browserSuite, demoServer, pairInOpenSession } from './support.js';

const { browser: launched, pages } = browserSuite();

// Leases of 2 s: long enough for a round trip under load, short enough to outlast in a test.
const TTL_MS = 2_000;
const server = demoServer({ lockTtlSeconds: TTL_MS / 1000 });

describe('a layer’s hold', () => {
  it('renews while its holder keeps dragging past the lease, and says so when an idle one lapses', async () => {
    const { host: ada, guest: grace } = await pairInOpenSession(launched(), server().url);
    Object.assign(pages, { ada, grace });

    // Each adds a layer, which selects it: Ada holds hers, then Grace holds hers. Both holds
    // begin after this instant.
    const started = Date.now();
    await ada.getByRole('button', { name: '+ Shape' }).click();
    const adaFrame = ada.locator('.layer-frame[data-lock="mine"]');
    await adaFrame.waitFor();
    const adaLayer = await adaFrame.getAttribute('data-layer');
    await grace.getByRole('button', { name: '+ Shape' }).click();
    const graceFrame = grace.locator('.layer-frame[data-lock="mine"]');
    await graceFrame.waitFor();
    const graceLayer = await graceFrame.getAttribute('data-layer');
    expect(graceLayer).not.toBe(adaLayer);

    // Ada drags her layer about and does not let go; Grace does nothing. Ada keeps moving until
    // Grace's idle hold has lapsed, which is what the test waits for, not a length of time.
    const box = await adaFrame.boundingBox();
    if (!box) throw new Error('no frame');
    // Near its top-left corner: Grace's layer, added after, lies over the rest of it.
    const x = box.x + 10;
    const y = box.y + 10;
    await ada.mouse.move(x, y);
    await ada.mouse.down();
    const lapsed = grace.locator('.notice', { hasText: /^Your hold on .+ expired/ });
    for (let step = 0; !(await lapsed.isVisible()); step++) {
      await ada.mouse.move(x + (step % 20), y + (step % 7), { steps: 4 });
    }
    await ada.mouse.up();
    // Grace's hold lapsed a lease after it began; Ada's, older, outlived its first lease.
    expect(Date.now() - started).toBeGreaterThanOrEqual(TTL_MS);

    await ada.locator(`.layer-frame[data-layer="${adaLayer}"][data-lock="mine"]`).waitFor();
    await grace.locator(`.layer-frame[data-layer="${adaLayer}"][data-lock="held"]`).waitFor();
    await grace.locator(`.layer-frame[data-layer="${graceLayer}"][data-lock="free"]`).waitFor();
    await ada.locator(`.layer-frame[data-layer="${graceLayer}"][data-lock="free"]`).waitFor();
    // Grace's properties say what happened, and offer to take it again.
    await grace.locator('.lock-banner[data-lost="expired"]').waitFor();
    await grace.getByRole('button', { name: 'Edit this layer' }).click();
    await grace.locator(`.layer-frame[data-layer="${graceLayer}"][data-lock="mine"]`).waitFor();
  });
});
