import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { TandemServer, TandemServerConfig } from '../../../packages/server/src/server.js';
import { startServer } from '../../../packages/server/test/support/server.js';

export const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = resolve(demoDir, '../..');
export const distDir = join(demoDir, 'dist');
export const artifactsDir = join(repoDir, 'test-artifacts');
export const docsImgDir = join(repoDir, 'docs/img');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds the demo with Vite when dist is missing or older than any source it is built from. */
export function ensureDemoBuilt(): void {
  const built = newestMtime(join(distDir, 'index.html'));
  const sources = [
    join(demoDir, 'src'),
    join(demoDir, 'index.html'),
    join(demoDir, 'vite.config.ts'),
    ...['protocol', 'yjs', 'client', 'react'].map((p) => join(repoDir, 'packages', p, 'src')),
  ];
  if (built > Math.max(...sources.map(newestMtime))) return;
  const vite = join(repoDir, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: demoDir,
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * The browser of one test file: built demo, one Chromium, and a screenshot of every page in
 * `pages` under test-artifacts/ when a test fails. Call at the top of the file.
 */
export function browserSuite(): { browser: () => Browser; pages: Record<string, Page> } {
  let browser: Browser | undefined;
  const pages: Record<string, Page> = {};
  beforeAll(async () => {
    ensureDemoBuilt();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => failureShots(ctx.task.name, pages));
  });
  return {
    browser: () => {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser;
    },
    pages,
  };
}

/**
 * An in-process server serving the built demo for the enclosing `describe`, with `config`
 * (e.g. a small `maxParticipants`). Returns a getter: the server starts in `beforeAll`.
 */
export function demoServer(config: TandemServerConfig = {}): () => TandemServer {
  let server: TandemServer | undefined;
  beforeAll(async () => {
    server = await startServer({ staticDir: distDir, ...config });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the server starts in beforeAll');
    return server;
  };
}

/** One person: a browser context of their own (own storage, own user), granted `permissions` (e.g. `clipboard-read`). */
export async function person(browser: Browser, permissions: string[] = []): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    permissions,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // Uncaught errors in the page fail loudly in the test output.
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  return page;
}

export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Display name').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Signs in, and from the solo canvas starts a session with `policy` (Collaborate); returns its join code once the editor shows. */
export async function startSession(
  page: Page,
  url: string,
  name: string,
  policy = 'host-approval',
): Promise<string> {
  await signIn(page, url, name);
  return collaborate(page, policy);
}

/** Collaborate on the solo canvas: starts a session from it with `policy`; returns its join code. */
export async function collaborate(page: Page, policy = 'host-approval'): Promise<string> {
  await page.getByRole('button', { name: 'Collaborate' }).click();
  await page.getByRole('dialog', { name: 'Collaborate' }).getByLabel('Who can join').selectOption(policy);
  await page.getByRole('button', { name: 'Start a session' }).click();
  const code = page.getByTestId('join-code');
  await code.waitFor();
  return (await code.textContent()) ?? '';
}

/** The session's whole invite link, as Share in the top bar shows it (opened and closed again). */
export async function inviteLink(page: Page): Promise<string> {
  const share = page.getByRole('button', { name: 'Share', exact: true });
  await share.click();
  const link = await page.getByRole('dialog', { name: 'Share' }).getByLabel('Invite link').inputValue();
  await share.click();
  return link;
}

/** Types `text` (a code or an invite link) into Join a session on the solo canvas, and joins. */
export async function joinWithCode(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Join a session' }).click();
  await page.getByLabel('Session code').fill(text);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** The solo canvas's Collaborative Session panel (peer to peer). */
export const p2pPanel = (page: Page) => page.getByRole('region', { name: 'Collaborative Session' });

/** A host in a new open session and a guest who came by its invite link, both in the editor. */
export async function pairInOpenSession(
  browser: Browser,
  url: string,
): Promise<{ host: Page; guest: Page; invite: string }> {
  const host = await person(browser);
  const guest = await person(browser);
  await startSession(host, url, 'Ada', 'open');
  const invite = await inviteLink(host);
  await signIn(guest, invite, 'Grace');
  await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
  return { host, guest, invite };
}

/** The frame of the layer whose accessible name starts with `name`. */
export const frame = (page: Page, name: string) => page.locator(`.layer-frame[aria-label^="${name}"]`);

/** Writes a reference screenshot for the docs when it is missing or TANDEM_DOCS_SCREENSHOTS=1. */
export async function referenceShot(page: Page, name: string): Promise<void> {
  const file = join(docsImgDir, `${name}.png`);
  if (existsSync(file) && process.env.TANDEM_DOCS_SCREENSHOTS !== '1') return;
  mkdirSync(docsImgDir, { recursive: true });
  await page.screenshot({ path: file });
}

/** Saves a screenshot of each page under test-artifacts/ (on failure). */
export async function failureShots(test: string, pages: Record<string, Page>): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  const slug = test.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  for (const [who, page] of Object.entries(pages)) {
    if (page.isClosed()) continue;
    await page.screenshot({ path: join(artifactsDir, `${slug}-${who}.png`) }).catch(() => undefined);
  }
}

/** Pretends the page went to the background (tab switched): `visibilitychange` with `hidden`. */
export function hidePage(page: Page): Promise<void> {
  return page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

/** Moves the mouse across the canvas a few steps, so cursor updates go out. */
export async function wiggleOverStage(page: Page): Promise<void> {
  const box = await page.getByTestId('stage').boundingBox();
  if (!box) throw new Error('no stage');
  for (let i = 0; i < 6; i++) await page.mouse.move(box.x + 300 + i * 10, box.y + 250 + i * 5);
}

/** Resolves once the input or textarea matched by `selector` holds `value` (waits on the page, not on time). */
export async function inputReads(page: Page, selector: string, value: string): Promise<void> {
  const input = page.locator(selector);
  await input.waitFor();
  await input.evaluate(
    (el, expected) =>
      new Promise<void>((resolve) => {
        const field = el as HTMLInputElement | HTMLTextAreaElement;
        if (field.value === expected) return resolve();
        const observer = new MutationObserver(() => {
          if (field.value !== expected) return;
          observer.disconnect();
          resolve();
        });
        // React writes an input's value attribute along with the property on each render, and a
        // textarea's text (its default value).
        observer.observe(field, {
          attributes: true,
          attributeFilter: ['value'],
          childList: true,
          characterData: true,
          subtree: true,
        });
      }),
    value,
  );
}
