import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, demoServer, inputReads, person, signIn, startSession } from './support.js';

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
    await signIn(guest, await host.getByLabel('Invite link').inputValue(), 'Grace');
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

  it('the lesson card (lww) is saved whole and reaches the other', async () => {
    const card = host.getByRole('form', { name: 'Lesson card' });
    await card.getByLabel('Title').fill('Fractions');
    await card.getByLabel('Objective').fill('Compare halves and quarters');
    await card.getByRole('button', { name: 'Save card' }).click();
    await inputReads(guest, '.lesson-card input >> nth=0', 'Fractions');
    await inputReads(guest, '.lesson-card textarea', 'Compare halves and quarters');
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
    await card.getByRole('button', { name: 'Save card' }).click();
    await card.getByRole('alert').filter({ hasText: 'That change is too large to sync' }).waitFor();
    await card.getByTestId('lesson-card-state').filter({ hasText: 'Unsaved changes' }).waitFor();
  });
});
