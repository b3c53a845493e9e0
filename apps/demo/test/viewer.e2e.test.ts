import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browserSuite,
  demoServer,
  frame,
  inviteLink,
  person,
  signIn,
  startSession,
  wiggleOverStage,
} from './support.js';

const { browser: launched, pages } = browserSuite();
const server = demoServer();

/** Where a layer's frame sits on the canvas, as its page draws it. */
const placeOf = (page: Page, name: string) =>
  frame(page, name).evaluate((el) => `${(el as HTMLElement).style.left},${(el as HTMLElement).style.top}`);

describe('a viewer in the demo', () => {
  it('the host adds a guest as a viewer: read-only for it, its attempted edit changes nothing, and it follows the host live', async () => {
    const host = await person(launched());
    const guest = await person(launched());
    Object.assign(pages, { host, guest });
    await startSession(host, server().url, 'Ada');
    const invite = await inviteLink(host);
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 1').waitFor();
    const before = await placeOf(host, 'Shape 1');

    await signIn(guest, invite, 'Vera');
    await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    await host.getByRole('button', { name: 'Admit Vera as a viewer' }).click();

    // Read-only on its page, shown as a viewer on the host's.
    await guest.getByTestId('read-only-badge').waitFor();
    await frame(guest, 'Shape 1').waitFor();
    await host.locator('.roster li[data-viewer]', { hasText: 'Vera' }).waitFor();
    expect(await guest.getByRole('button', { name: '+ Shape' }).isDisabled()).toBe(true);
    expect(await guest.getByRole('button', { name: 'Brush' }).isDisabled()).toBe(true);

    // The host lets go of the shape, so an editor could take it now.
    await frame(host, 'Shape 1').focus();
    await host.keyboard.press('Enter');
    await frame(guest, 'Shape 1').and(guest.locator('[data-lock="free"]')).waitFor();

    // It tries: drags the shape, nudges it with the keyboard, looks at its properties, and sets a
    // filter on the canvas through a control it enabled itself (as anyone can, in devtools).
    const filter = await host.getByLabel('Filter').inputValue();
    const box = await frame(guest, 'Shape 1').boundingBox();
    if (!box) throw new Error('no frame');
    await guest.mouse.move(box.x + 10, box.y + 10);
    await guest.mouse.down();
    await guest.mouse.move(box.x + 90, box.y + 70, { steps: 4 });
    await guest.mouse.up();
    await frame(guest, 'Shape 1').focus();
    await guest.keyboard.press('ArrowRight');
    expect(await guest.getByLabel('Name').isDisabled()).toBe(true);
    await guest.getByText('You are a viewer').waitFor();
    await guest
      .getByRole('group', { name: 'Canvas settings' })
      .evaluate((fieldset) => fieldset.removeAttribute('disabled'));
    await guest.getByLabel('Filter').selectOption('noir');
    await guest.locator('.notice', { hasText: 'you are a viewer in this room' }).waitFor();

    // Then chats: once the host has its message, anything it sent before has reached the room.
    await guest.getByRole('button', { name: 'Chat' }).click();
    await guest.getByRole('textbox', { name: 'Message' }).fill('just looking');
    await guest.getByRole('button', { name: 'Send' }).click();
    await host.getByRole('button', { name: 'Chat' }).click();
    await host.locator('.chat-list li', { hasText: 'just looking' }).waitFor();
    await host.getByRole('button', { name: 'Close' }).click();
    expect(await placeOf(host, 'Shape 1')).toBe(before);
    expect(await placeOf(guest, 'Shape 1')).toBe(before);
    expect(await host.locator('.layer-frame').count()).toBe(1);
    expect(await host.getByLabel('Filter').inputValue()).toBe(filter);
    expect(await guest.getByLabel('Filter').inputValue()).toBe(filter);

    // It still sees the host's edits and cursor live, and the host sees its cursor.
    await frame(host, 'Shape 1').click();
    await host.locator('.layer-props[data-lock="mine"]').waitFor();
    await host.getByLabel('Name').fill('Hero');
    await guest.locator('.layer-name', { hasText: 'Hero' }).waitFor();
    await wiggleOverStage(host);
    await guest.locator('.tandem-cursor', { hasText: 'Ada' }).waitFor();
    await wiggleOverStage(guest);
    await host.locator('.tandem-cursor', { hasText: 'Vera' }).waitFor();

    // The lesson beside the canvas (the session's companion rooms) is read-only for it too, and
    // follows the host's notes.
    await host.getByLabel('Lesson notes text').fill('Fractions, for viewers too');
    await guest.locator('.notes-editor', { hasText: 'Fractions, for viewers too' }).waitFor();
    await guest.locator('.notes-body[data-read-only] .notes-editor[contenteditable="false"]').waitFor();
    await guest.locator('.lesson-card fieldset[disabled]').waitFor();
    expect(await guest.getByRole('form', { name: 'Lesson card' }).getByLabel('Title').isDisabled()).toBe(
      true,
    );

    // The host lets it edit, then makes it a viewer again.
    await host.getByRole('button', { name: 'Let Vera edit' }).click();
    await guest.getByTestId('read-only-badge').waitFor({ state: 'detached' });
    await guest.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 2').waitFor();
    await guest.locator('.notes-editor[contenteditable="true"]').waitFor();
    await host.getByRole('button', { name: 'Make Vera a viewer' }).click();
    await guest.getByTestId('read-only-badge').waitFor();
    expect(await guest.getByRole('button', { name: '+ Shape' }).isDisabled()).toBe(true);
  });
});
