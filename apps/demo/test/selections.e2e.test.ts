import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, demoServer, inputReads, pairInOpenSession } from './support.js';

const { browser, pages } = browserSuite();

const TEXT = 'Compare halves and quarters';
const START = TEXT.indexOf('halves');
const END = START + 'halves'.length;

/** Ada's caret and name over the guest's objective field. */
const adaCaret = (page: Page) =>
  page.locator('.lesson-card .tandem-text-caret').filter({
    has: page.locator('.tandem-text-caret-label', { hasText: 'Ada' }),
  });

/**
 * Where the characters before `start` and `end` of the guest's own objective field end, measured
 * apart from the overlay: canvas text metrics in the field's font, from its content box.
 */
function expectedEdges(page: Page, start: number, end: number) {
  return page.locator('.lesson-card textarea').evaluate(
    (field, [from, to]) => {
      const el = field as HTMLTextAreaElement;
      const style = getComputedStyle(el);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = style.font;
      const rect = el.getBoundingClientRect();
      const x0 = rect.left + el.clientLeft + Number.parseFloat(style.paddingLeft) - el.scrollLeft;
      const at = (n: number) => x0 + context.measureText(el.value.slice(0, n)).width;
      return { start: at(from!), end: at(to!), top: rect.top, bottom: rect.bottom };
    },
    [start, end],
  );
}

describe('collaborators’ text selections in the lesson card', () => {
  const server = demoServer();

  it('a guest sees the host’s caret and selection, in the host’s colour with the host’s name, until the host leaves the field or the session', async () => {
    const { host, guest } = await pairInOpenSession(browser(), server().url);
    Object.assign(pages, { host, guest });
    const objective = host.getByRole('form', { name: 'Lesson card' }).getByLabel('Objective');

    // While the host types, the text and the caret reach the guest; leaving the field takes the caret away.
    await objective.click();
    await host.keyboard.type(TEXT);
    await adaCaret(guest).waitFor();
    await objective.blur();
    await adaCaret(guest).waitFor({ state: 'detached' });
    await inputReads(guest, '.lesson-card textarea', TEXT);

    // The host selects "halves" from the keyboard: anchor before it, head after it.
    await objective.focus();
    await objective.press('Home');
    for (let i = 0; i < START; i++) await objective.press('ArrowRight');
    for (let i = START; i < END; i++) await objective.press('Shift+ArrowRight');

    const highlight = guest.locator('.lesson-card .tandem-text-selection .tandem-text-highlight');
    const expected = await expectedEdges(guest, START, END);
    // Selections arrive as they grow; the last one covers the whole word.
    await guest.waitForFunction((wanted) => {
      const band = document.querySelector('.lesson-card .tandem-text-highlight');
      return band !== null && band.getBoundingClientRect().right >= wanted - 2;
    }, expected.end);
    const band = (await highlight.boundingBox())!;
    expect(await highlight.count()).toBe(1);
    expect(Math.abs(band.x - expected.start)).toBeLessThan(2);
    expect(Math.abs(band.x + band.width - expected.end)).toBeLessThan(2);
    expect(band.y).toBeGreaterThan(expected.top);
    expect(band.y + band.height).toBeLessThan(expected.bottom);

    // The caret is at the head, the end of "halves", and names Ada in her colour.
    const caret = (await adaCaret(guest).boundingBox())!;
    expect(Math.abs(caret.x + caret.width / 2 - expected.end)).toBeLessThan(2);
    expect(Math.abs(caret.y - band.y)).toBeLessThan(2);
    const colours = await guest.evaluate(() => ({
      caret: getComputedStyle(document.querySelector('.lesson-card .tandem-text-caret')!).backgroundColor,
      label: getComputedStyle(document.querySelector('.lesson-card .tandem-text-caret-label')!)
        .backgroundColor,
      // Ada came first to the session and to its lesson room: the same colour in both.
      avatar: getComputedStyle(document.querySelector('.tandem-avatar[title^="Ada"]')!).backgroundColor,
    }));
    expect(colours.caret).toBe(colours.avatar);
    expect(colours.label).toBe(colours.avatar);
    const overlay = guest.locator('.lesson-card .tandem-text-selections').nth(1);
    expect(await overlay.getAttribute('aria-hidden')).toBe('true');
    expect(await overlay.evaluate((el) => getComputedStyle(el).pointerEvents)).toBe('none');

    // The host's field loses the focus: the caret goes; back in it, the caret comes back.
    await objective.blur();
    await adaCaret(guest).waitFor({ state: 'detached' });
    await objective.focus();
    await adaCaret(guest).waitFor();

    // The host leaves: the caret goes.
    await host.close();
    await adaCaret(guest).waitFor({ state: 'detached' });
  });
});
