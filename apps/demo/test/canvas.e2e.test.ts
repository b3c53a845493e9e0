import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, demoServer, frame, pairInOpenSession, referenceShot } from './support.js';

const { browser, pages } = browserSuite();

describe('drawing and editing on the canvas', () => {
  const server = demoServer();
  let host: Page;
  let guest: Page;

  beforeAll(async () => {
    ({ host, guest } = await pairInOpenSession(browser(), server().url));
    Object.assign(pages, { host, guest });
  });

  it('a brush stroke drawn by one appears for the other, in the brush size and mode', async () => {
    await guest.getByLabel('Size').fill('18');
    await host.getByRole('button', { name: 'Brush', exact: true }).click();
    await host.getByText('Drag on the canvas to draw (paint, 18 px').waitFor();
    const box = await host.getByTestId('stage').boundingBox();
    if (!box) throw new Error('no stage');
    await host.mouse.move(box.x + 100, box.y + 100);
    await host.mouse.down();
    for (let i = 1; i <= 20; i++)
      await host.mouse.move(box.x + 100 + i * 15, box.y + 100 + Math.sin(i / 3) * 60);
    await host.mouse.up();

    const stroke = guest.locator('svg.layer.stroke[data-mode="paint"] path');
    await stroke.waitFor();
    expect(await stroke.getAttribute('stroke-width')).toBe('18');
    // Simplified, yet still a curve: more than a straight line's two points, fewer than drawn.
    const points = ((await stroke.getAttribute('d')) ?? '').split(/[ML]/).filter(Boolean).length;
    expect(points).toBeGreaterThan(2);
    expect(points).toBeLessThanOrEqual(21);
    await guest.locator('.layer-name', { hasText: 'Stroke 1' }).waitFor();
    await guest.locator('.activity-list li', { hasText: 'Ada drew a stroke' }).waitFor();
  });

  it('an erase stroke travels with its mode', async () => {
    await host.getByRole('combobox', { name: /^Brush/ }).selectOption('erase');
    await host.getByText('Drag on the canvas to draw (erase').waitFor();
    const box = await host.getByTestId('stage').boundingBox();
    if (!box) throw new Error('no stage');
    await host.mouse.move(box.x + 150, box.y + 300);
    await host.mouse.down();
    for (let i = 1; i <= 8; i++) await host.mouse.move(box.x + 150 + i * 20, box.y + 300 - i * 10);
    await host.mouse.up();
    await guest.locator('svg.layer.stroke[data-mode="erase"]').waitFor();
    await guest.locator('.activity-list li', { hasText: 'Ada changed the brush mode' }).waitFor();
  });

  it('with the brush tool on, keyboard users still select and move layers', async () => {
    await host.getByRole('button', { name: '+ Shape' }).click();
    // Layers are numbered by their place in the stack: the strokes came first.
    await frame(guest, 'Shape 3').waitFor();
    const shape = host.locator('.layer-frame[data-lock="mine"][aria-label^="Shape 3"]');
    await shape.waitFor();
    const before = await host.getByLabel('X', { exact: true }).inputValue();
    await shape.focus();
    await host.keyboard.press('ArrowRight');
    await guest.locator('.activity-list li', { hasText: "Ada changed Shape 3's position" }).waitFor();
    expect(Number(await host.getByLabel('X', { exact: true }).inputValue())).toBe(Number(before) + 4);
  });

  it('the activity log speaks in words, never raw operations', async () => {
    await host.getByRole('button', { name: 'Select', exact: true }).click();
    await host.locator('.layer-props input[type="range"]').fill('40');
    await guest.locator('.activity-list li', { hasText: "Ada changed Shape 3's opacity" }).waitFor();
    const lines = await guest.locator('.activity-list li').allTextContents();
    expect(lines.join('\n')).not.toMatch(/[{}]/);
    // Lock events name the layer, not its id.
    expect(lines.join('\n')).not.toMatch(/\b(?:rect|stroke)-[a-z0-9]{6,}/);
    // The reference picture shows the lesson beside the drawing.
    await host.getByLabel('Lesson notes text').fill('Warm-up: halve the shape, then shade a quarter.');
    await host.getByRole('form', { name: 'Lesson card' }).getByLabel('Title').fill('Fractions');
    await referenceShot(host, 'editor');
  });
});
