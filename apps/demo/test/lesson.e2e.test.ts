import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, demoServer, inputReads, inviteLink, person, signIn, startSession } from './support.js';

const { browser, pages } = browserSuite();

const notesRead = (page: Page, text: string) =>
  page.getByLabel('Lesson notes text').filter({ hasText: text }).waitFor();

describe('the lesson beside the canvas', () => {
  const server = demoServer();
  let host: Page;
  let guest: Page;

  beforeAll(async () => {
    host = await person(browser());
    guest = await person(browser());
    Object.assign(pages, { host, guest });
  });

  it('a guest admitted from the waiting room gets the notes written before', async () => {
    await startSession(host, server().url, 'Ada');
    await host.getByLabel('Lesson notes text').fill('Written before Grace came');
    await signIn(guest, await inviteLink(host), 'Grace');
    await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    await host.getByRole('button', { name: 'Add Grace' }).click();
    // The notes room (a companion of the session) was published in the canvas document: the
    // guest, admitted to the session, is admitted to it and gets what was written before.
    await notesRead(guest, 'Written before Grace came');
  });

  it('notes (rich text over Yjs) sync both ways', async () => {
    await host.getByLabel('Lesson notes text').fill('Intro: fractions');
    await notesRead(guest, 'Intro: fractions');
    await guest.getByLabel('Lesson notes text').press('End');
    // A toolbar press leaves the focus in the text, so keys typed at once after the click go there
    // (a focused button would take them: a space would press Bold again).
    const bold = await guest.getByRole('button', { name: 'Bold' }).boundingBox();
    await guest.mouse.move(bold!.x + bold!.width / 2, bold!.y + bold!.height / 2);
    await guest.mouse.down();
    expect(await guest.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Lesson notes text',
    );
    await guest.mouse.up();
    await guest.keyboard.type(' and halves');
    await host.locator('.notes-editor strong', { hasText: 'and halves' }).waitFor();
  });

  it('the lesson card (lww) goes to the other as it is typed, without a save', async () => {
    const card = host.getByRole('form', { name: 'Lesson card' });
    await card.getByLabel('Title').fill('Fractions');
    await card.getByLabel('Objective').fill('Compare halves and quarters');
    await inputReads(guest, '.lesson-card input >> nth=0', 'Fractions');
    await inputReads(guest, '.lesson-card textarea', 'Compare halves and quarters');
    await card.getByTestId('lesson-card-state').filter({ hasText: 'Saved for everyone' }).waitFor();
  });

  it('when the guest replaces the title the host just wrote, the host is told and can restore it', async () => {
    const guestCard = guest.getByRole('form', { name: 'Lesson card' });
    await guestCard.getByLabel('Title').fill('Decimals');
    await inputReads(host, '.lesson-card input >> nth=0', 'Decimals');
    const notice = host
      .getByRole('status')
      .filter({ hasText: 'Grace replaced your Title (“Fractions”) with “Decimals”' });
    await notice.waitFor();
    await notice.getByRole('button', { name: 'Restore mine' }).click();
    await inputReads(guest, '.lesson-card input >> nth=0', 'Fractions');
    await notice.waitFor({ state: 'detached' });
    // Grace, whose value was just replaced in turn, is told the same way.
    await guest
      .getByRole('status')
      .filter({ hasText: 'Ada replaced your Title (“Decimals”) with “Fractions”' })
      .waitFor();
  });

  it('the guest sees the host’s caret and selection in the notes, named and in the host’s colour, until the host leaves', async () => {
    const notes = host.getByLabel('Lesson notes text');
    await notes.fill('Compare halves with quarters');
    await notesRead(guest, 'Compare halves with quarters');
    // The host selects "halves" (characters 8 to 14), the head at its end, as a drag would.
    await notes.focus();
    await host.evaluate(() => {
      const editor = document.querySelector('.notes-editor')!;
      const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.textContent?.startsWith('Compare halves'))
          getSelection()?.setBaseAndExtent(node, 8, node, 14);
      }
    });

    const caret = guest.locator('.notes-editor .collaboration-carets__caret[data-name="Ada"]');
    await caret.waitFor();
    await expect.poll(() => caret.locator('.collaboration-carets__label').textContent()).toBe('Ada');
    await guest
      .locator('.notes-editor .notes-remote-selection[data-name="Ada"]', { hasText: 'halves' })
      .waitFor();
    // In Ada's room colour, as her avatar shows it.
    const avatarColour = await guest
      .locator('.tandem-avatars li', { hasText: 'Ada' })
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await caret.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe(avatarColour);
    // At the head of her selection: right after "halves" in the guest's own text.
    const place = await guest.evaluate(() => {
      const bar = document.querySelector('.notes-editor .collaboration-carets__caret');
      const paragraph = document.querySelector('.notes-editor p');
      const walker = document.createTreeWalker(paragraph!, NodeFilter.SHOW_TEXT);
      let rest = 'Compare halves'.length;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (bar?.contains(node)) continue;
        const length = node.textContent?.length ?? 0;
        if (rest <= length) {
          const range = document.createRange();
          range.setStart(node, rest);
          range.collapse(true);
          return { caret: bar!.getBoundingClientRect().left, text: range.getBoundingClientRect().left };
        }
        rest -= length;
      }
      return undefined;
    });
    expect(place).toBeDefined();
    expect(Math.abs(place!.caret - place!.text)).toBeLessThan(4);

    await host.getByRole('button', { name: 'Leave' }).click();
    await caret.waitFor({ state: 'detached' });
  });
});

describe('the document size cap', () => {
  // Room enough for the canvas and empty notes, not for a full lesson card.
  const server = demoServer({ maxDocBytes: 300 });

  it('a lesson card over the cap is refused with a clear message and stays unsaved', async () => {
    const host = await person(browser());
    pages.capHost = host;
    await startSession(host, server().url, 'Ada', 'open');
    const card = host.getByRole('form', { name: 'Lesson card' });
    await card.getByLabel('Title').fill('T'.repeat(120));
    await card.getByLabel('Objective').fill('O'.repeat(240));
    await card.getByRole('alert').filter({ hasText: 'That change is too large to sync' }).waitFor();
    await card.getByTestId('lesson-card-state').filter({ hasText: 'Unsaved changes' }).waitFor();
  });
});
