import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSuite,
  demoServer,
  frame,
  inviteLink,
  person,
  referenceShot,
  signIn,
  startSession,
} from './support.js';

const { browser, pages } = browserSuite();

type Rgb = [number, number, number];
const RED: Rgb = [220, 40, 40];
const BLUE: Rgb = [40, 60, 220];
const GREEN: Rgb = [40, 180, 80];

/**
 * Writes a 256×192 PNG made by the page's own encoder: its left half in `color`, its right half
 * noise, so the file weighs tens of KB (a frame that carried it would show).
 */
async function writePng(page: Page, path: string, color: Rgb): Promise<string> {
  const base64 = await page.evaluate(async (rgb) => {
    const canvas = new OffscreenCanvas(256, 192);
    const g = canvas.getContext('2d')!;
    const pixels = g.createImageData(256, 192);
    for (let i = 0; i < pixels.data.length; i += 4) {
      const left = (i / 4) % 256 < 128;
      for (let c = 0; c < 3; c++) pixels.data[i + c] = left ? rgb[c]! : Math.floor(Math.random() * 256);
      pixels.data[i + 3] = 255;
    }
    g.putImageData(pixels, 0, 0);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }, color);
  writeFileSync(path, Buffer.from(base64, 'base64'));
  return path;
}

/** Picks `path` in the file chooser that clicking `button` opens. */
async function choose(page: Page, button: string, path: string): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await chooser.setFiles(path);
}

/** The colour of a pixel of the image the page draws for `name`, read from its own copy. */
function imagePixel(page: Page, name: string, x: number, y: number): Promise<number[]> {
  // Every layer of one file draws the same copy: the first will do.
  return page
    .locator(`img.image-pixels[alt="${name}"]`)
    .first()
    .evaluate(
      async (img, [px, py]) => {
        const image = img as HTMLImageElement;
        await image.decode();
        const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
        const g = canvas.getContext('2d')!;
        g.drawImage(image, 0, 0);
        return [...g.getImageData(px!, py!, 1, 1).data.slice(0, 3)];
      },
      [x, y],
    );
}

/** The colours at points of the canvas (relative to it) as the page shows it on screen. */
async function screenPixels(page: Page, points: [number, number][]): Promise<number[][]> {
  const shot = await page.getByTestId('stage').screenshot();
  return page.evaluate(
    async ({ base64, points }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d')!;
      g.drawImage(bitmap, 0, 0);
      return points.map(([x, y]) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)]);
    },
    { base64: shot.toString('base64'), points },
  );
}

/** A point 20 px inside the top-left corner of the layer named `name`, relative to the canvas. */
async function insideLayer(page: Page, name: string): Promise<[number, number]> {
  const stage = await page.getByTestId('stage').boundingBox();
  const layer = await frame(page, name).boundingBox();
  if (!stage || !layer) throw new Error(`no layer ${name}`);
  return [Math.round(layer.x - stage.x + 20), Math.round(layer.y - stage.y + 20)];
}

describe('real images, kept on each device', () => {
  const server = demoServer();
  let host: Page;
  let guest: Page;
  let dir: string;
  let red: string;
  let blue: string;
  let green: string;
  /** The project file the host exported (red.png and green.png). */
  let exported = '';
  /** The size of every frame the host's page sent to the server. */
  const sent: number[] = [];

  beforeAll(async () => {
    host = await person(browser());
    guest = await person(browser());
    Object.assign(pages, { host, guest });
    host.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(f.payload.length)));
    await startSession(host, server().url, 'Ada', 'open');
    const invite = await inviteLink(host);
    await signIn(guest, invite, 'Grace');
    await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    dir = mkdtempSync(join(tmpdir(), 'tandem-images-'));
    red = await writePng(host, join(dir, 'red.png'), RED);
    blue = await writePng(host, join(dir, 'blue.png'), BLUE);
    green = await writePng(host, join(dir, 'green.png'), GREEN);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the host opens a PNG: it draws its pixels; the guest is told whose device the file is on', async () => {
    await choose(host, '+ Image', red);
    await host.locator('img.image-pixels[alt="red.png"]').waitFor();
    expect(await imagePixel(host, 'red.png', 10, 10)).toEqual(RED);
    await host.getByTestId('image-info').getByText('red.png · 256 × 192 px · opened by Ada').waitFor();

    await frame(guest, 'red.png').waitFor();
    await guest.locator('.image-missing', { hasText: "red.png is on Ada's device" }).waitFor();
    const strip = guest.getByTestId('missing-image');
    await strip.filter({ hasText: "red.png is on Ada's device" }).waitFor();
    expect(await guest.locator('img.image-pixels').count()).toBe(0);
    await guest.locator('.activity-list li', { hasText: 'Ada added the image red.png' }).waitFor();
    await referenceShot(guest, 'missing-image');

    // The second way forward: ask for the project file, in the chat.
    await guest.getByRole('button', { name: 'Ask Ada for the project file' }).click();
    await guest.getByRole('button', { name: 'Asked Ada in the chat' }).waitFor();
    await host.getByTestId('unread').waitFor();
  });

  it('a different file is refused: its contents do not hash the same', async () => {
    await choose(guest, 'Open red.png…', blue);
    await guest.getByText('blue.png is a different file from red.png').waitFor();
    expect(await guest.locator('img.image-pixels').count()).toBe(0);
    await guest.getByTestId('missing-image').filter({ hasText: 'red.png' }).waitFor();
  });

  it('the same file opened on the guest fills in the pixels; no pixel went through the session', async () => {
    await choose(guest, 'Open red.png…', red);
    await guest.locator('img.image-pixels[alt="red.png"]').waitFor();
    expect(await imagePixel(guest, 'red.png', 10, 10)).toEqual(RED);
    expect(await guest.getByTestId('missing-image').count()).toBe(0);

    // The file weighs tens of KB; nothing the host sent comes near.
    expect(statSync(red).size).toBeGreaterThan(30_000);
    expect(sent.length).toBeGreaterThan(0);
    expect(Math.max(...sent)).toBeLessThan(4_000);
  });

  it('a project file exported by the host gives the guest an image it lacked, the canvas unchanged', async () => {
    await choose(host, '+ Image', green);
    await guest.getByTestId('missing-image').filter({ hasText: "green.png is on Ada's device" }).waitFor();
    const layers = await guest.locator('.layer-frame').count();

    const [download] = await Promise.all([
      host.waitForEvent('download'),
      host.getByRole('button', { name: 'Export project' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.tandem$/);
    const project = join(dir, download.suggestedFilename());
    await download.saveAs(project);
    exported = project;

    await choose(guest, 'Import project…', project);
    const dialog = guest.getByRole('dialog', { name: 'Import project' });
    await dialog.getByText('It has green.png, missing on this device.').waitFor();
    await dialog.getByRole('button', { name: 'Take its images only' }).click();
    await guest.locator('img.image-pixels[alt="green.png"]').waitFor();
    expect(await imagePixel(guest, 'green.png', 10, 10)).toEqual(GREEN);
    expect(await guest.getByTestId('missing-image').count()).toBe(0);
    expect(await guest.locator('.layer-frame').count()).toBe(layers);
  });

  it('a project file imported into an empty canvas opens whole: layers, settings and images', async () => {
    const lin = await person(browser());
    pages.lin = lin;
    const [download] = await Promise.all([
      host.waitForEvent('download'),
      host.getByRole('button', { name: 'Export project' }).click(),
    ]);
    const project = join(dir, `again-${download.suggestedFilename()}`);
    await download.saveAs(project);
    await startSession(lin, server().url, 'Lin', 'open');
    await choose(lin, 'Import project…', project);
    await lin.locator('img.image-pixels[alt="red.png"]').waitFor();
    await lin.locator('img.image-pixels[alt="green.png"]').waitFor();
    expect(await imagePixel(lin, 'red.png', 10, 10)).toEqual(RED);
    await lin.getByText(/Opened .*\.tandem: 2 layers and 2 images\./).waitFor();
    await lin.context().close();
  });

  it('noir turns the whole canvas grey, scene and every layer, on both sides', async () => {
    await host.getByRole('button', { name: '+ Shape' }).click();
    await host.getByLabel('Scene').selectOption('sunset');
    await guest.locator('.activity-list li', { hasText: 'Ada changed the scene' }).waitFor();
    await frame(guest, 'Shape 3').waitFor();
    const points: [number, number][] = [
      await insideLayer(guest, 'red.png'),
      await insideLayer(guest, 'Shape 3'),
      [620, 385],
      [620, 15],
    ];
    const colourful = await screenPixels(guest, points);
    for (const [r, g, b] of colourful)
      expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeGreaterThan(40);

    await host.getByLabel('Filter').selectOption('noir');
    for (const page of [host, guest]) {
      await page.locator('.stage-content[style*="grayscale(1)"]').waitFor();
      for (const [r, g, b] of await screenPixels(page, points))
        expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeLessThanOrEqual(2);
    }
  });

  it('an image file dropped on the canvas opens where it fell', async () => {
    const stage = host.getByTestId('stage');
    const box = await stage.boundingBox();
    if (!box) throw new Error('no stage');
    const dataTransfer = await host.evaluateHandle(
      ({ base64, name }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'image/png' }));
        return transfer;
      },
      { base64: readFileSync(blue).toString('base64'), name: 'blue.png' },
    );
    const at = { clientX: box.x + 400, clientY: box.y + 250 };
    await stage.dispatchEvent('dragover', { dataTransfer, ...at });
    await stage.dispatchEvent('drop', { dataTransfer, ...at });
    await host.locator('img.image-pixels[alt="blue.png"]').waitFor();
    const dropped = await frame(host, 'blue.png').boundingBox();
    expect(dropped && Math.round(dropped.x + dropped.width / 2 - box.x)).toBe(400);
    expect(dropped && Math.round(dropped.y + dropped.height / 2 - box.y)).toBe(250);
    await guest.getByTestId('missing-image').filter({ hasText: "blue.png is on Ada's device" }).waitFor();
  });

  it('images stay on the device across a reload; one never opened there stays missing', async () => {
    await guest.reload();
    await guest.locator('img.image-pixels[alt="red.png"]').waitFor();
    await guest.locator('img.image-pixels[alt="green.png"]').waitFor();
    expect(await imagePixel(guest, 'green.png', 10, 10)).toEqual(GREEN);
    await guest.getByTestId('missing-image').filter({ hasText: 'blue.png' }).waitFor();
  });

  it("into a canvas that holds layers, a project's layers are added on top only when asked", async () => {
    const before = await host.locator('.layer-frame').count();
    await choose(guest, 'Import project…', exported);
    const dialog = guest.getByRole('dialog', { name: 'Import project' });
    await dialog.getByRole('button', { name: 'Add its layers to the canvas' }).click();
    await host
      .locator('.layer-frame')
      .nth(before + 1)
      .waitFor();
    expect(await host.locator('.layer-frame').count()).toBe(before + 2);
    expect(await host.locator('img.image-pixels[alt="green.png"]').count()).toBe(2);
  });

  it('a viewer takes only the images of a project file: the canvas is not theirs to change', async () => {
    const vera = await person(browser());
    pages.vera = vera;
    await signIn(vera, await inviteLink(host), 'Vera');
    await host.getByRole('button', { name: 'Make Vera a viewer' }).click();
    await vera.getByTestId('read-only-badge').waitFor();
    const layers = await host.locator('.layer-frame').count();
    await vera.getByTestId('missing-image').filter({ hasText: 'green.png' }).waitFor();

    await choose(vera, 'Import project…', exported);
    const dialog = vera.getByRole('dialog', { name: 'Import project' });
    await dialog.getByText('As a viewer you cannot add its layers.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Add its layers to the canvas' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Take its images only' }).click();
    await vera.locator('img.image-pixels[alt="green.png"]').first().waitFor();
    expect(await imagePixel(vera, 'green.png', 10, 10)).toEqual(GREEN);
    expect(await host.locator('.layer-frame').count()).toBe(layers);
    await vera.context().close();
  });
});
