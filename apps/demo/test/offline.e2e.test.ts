import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, demoServer, inputReads, inviteLink, person, signIn, startSession } from './support.js';

const { browser, pages } = browserSuite();

/**
 * The network under one browser context's WebSockets (page loads still work, as they would from a
 * cache): `deafen` loses what the server sends while what the page sends still arrives; `cut`
 * closes every connection and refuses new ones until `restore`.
 */
async function networkSwitch(context: BrowserContext) {
  let mode: 'on' | 'deaf' | 'off' = 'on';
  const routes = new Set<WebSocketRoute>();
  await context.routeWebSocket(/.*/, (page) => {
    if (mode === 'off') {
      void page.close({ code: 1001, reason: 'offline' });
      return;
    }
    const server = page.connectToServer();
    routes.add(page).add(server);
    page.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (mode === 'on') page.send(m);
    });
  });
  return {
    deafen: () => {
      mode = 'deaf';
    },
    cut: () => {
      mode = 'off';
      for (const r of routes) void r.close({ code: 1001, reason: 'offline' }).catch(() => undefined);
      routes.clear();
    },
    restore: () => {
      mode = 'on';
    },
  };
}

/** What the page keeps of its unacknowledged edits, read from IndexedDB as the next page load will. */
interface Want {
  /** Nothing kept any more: every edit was acknowledged. */
  empty?: boolean;
  /** An entry of the canvas room (joined by code) with at least this many ops. */
  ops?: number;
  /** An lww entry whose document contains this text. */
  lww?: string;
  /** A Yjs entry whose update contains this text. */
  yjs?: string;
}

function kept(page: Page, want: Want): Promise<unknown> {
  return page.waitForFunction(async (w: Want) => {
    // Opening a database that does not exist would create it without its store.
    if (!(await indexedDB.databases()).some((d) => d.name === 'tandem-edit-outbox')) return w.empty === true;
    const rows = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
      const open = indexedDB.open('tandem-edit-outbox');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const all = db.transaction('edits').objectStore('edits').getAll();
        all.onsuccess = () => {
          db.close();
          resolve(all.result as Array<Record<string, unknown>>);
        };
      };
    });
    if (w.empty) return rows.length === 0;
    const text = (bytes: unknown) => (bytes instanceof Uint8Array ? new TextDecoder().decode(bytes) : '');
    const has = (check: (row: Record<string, unknown>) => boolean) => rows.some(check);
    return (
      (w.ops === undefined ||
        has((r) => String(r.room).startsWith('code:') && (r.ops as unknown[]).length >= (w.ops ?? 0))) &&
      (w.lww === undefined ||
        has((r) => text((r.lww as { doc?: unknown } | undefined)?.doc).includes(w.lww!))) &&
      (w.yjs === undefined || has((r) => text(r.yjs).includes(w.yjs!)))
    );
  }, want);
}

const notes = (page: Page) => page.getByLabel('Lesson notes text');
const card = (page: Page) => page.getByRole('form', { name: 'Lesson card' });
const connected = (page: Page) =>
  page.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
const shapes = (page: Page) => page.locator('.layer-frame').count();

/** Ada hosts an open session on a network the test controls; Grace joins by the invite link. */
async function session(url: string) {
  const host = await person(browser());
  const net = await networkSwitch(host.context());
  const guest = await person(browser());
  Object.assign(pages, { host, guest });
  await startSession(host, url, 'Ada', 'open');
  await signIn(guest, await inviteLink(host), 'Grace');
  await connected(guest);
  await notes(guest).waitFor();
  await card(guest).waitFor();
  return { host, guest, net };
}

/** Types `title` into the lesson card, which sends it as typed. */
async function saveCard(page: Page, title: string): Promise<void> {
  await card(page).getByLabel('Title').fill(title);
}

/** Ada reloads while offline, then the network comes back; resolves once every kept edit is acknowledged. */
async function reloadOfflineThenReconnect(host: Page, net: Awaited<ReturnType<typeof networkSwitch>>) {
  net.cut();
  await host.reload();
  // The page loads, and cannot reach the room yet.
  await host.getByRole('heading', { name: /^Joining/ }).waitFor();
  net.restore();
  await connected(host);
  await notes(host).waitFor();
  await kept(host, { empty: true });
}

/**
 * What the room holds, as a page that loads now gets it: once its catch-up shows `shapes` layers
 * and notes with `text` (each arrives whole, in one message), what else is there.
 */
async function fromTheRoom(guest: Page, want: { shapes: number; text?: string }) {
  await guest.reload();
  await connected(guest);
  await guest
    .locator('.layer-frame')
    .nth(want.shapes - 1)
    .waitFor();
  await notes(guest)
    .filter(want.text ? { hasText: want.text } : {})
    .waitFor();
  return { shapes: await shapes(guest), notes: (await notes(guest).textContent()) ?? '' };
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;
const addShape = (page: Page) => page.getByRole('button', { name: '+ Shape' }).click();
const cardTitle = (page: Page, title: string) => inputReads(page, '.lesson-card input >> nth=0', title);

/** Ada edits in every mode: a shape (ops), the notes (yjs), the lesson card (lww). */
async function editEverywhere(host: Page, text: string, title: string): Promise<void> {
  await addShape(host);
  await notes(host).fill(text);
  await saveCard(host, title);
  await kept(host, { ops: 1, lww: title, yjs: text });
}

/** The room holds Ada's shape and text once, and both pages show the card titled `title`. */
async function heldOnce(host: Page, guest: Page, shapesBefore: number, text: string, title: string) {
  await cardTitle(host, title);
  const room = await fromTheRoom(guest, { shapes: shapesBefore + 1, text });
  expect(room.shapes).toBe(shapesBefore + 1);
  expect(occurrences(room.notes, text)).toBe(1);
  await cardTitle(guest, title);
  expect(await shapes(host)).toBe(shapesBefore + 1);
}

describe('edits made offline survive a reload', () => {
  const server = demoServer();

  it('a shape, a lesson card and notes made while offline arrive once after a reload', async () => {
    const { host, guest, net } = await session(server().url);
    const before = await shapes(guest);
    net.cut();
    await editEverywhere(host, 'written offline', 'Offline title');

    await reloadOfflineThenReconnect(host, net);
    await heldOnce(host, guest, before, 'written offline', 'Offline title');
  });

  it('edits that landed but whose acknowledgements were lost are not applied again after a reload', async () => {
    const { host, guest, net } = await session(server().url);
    const before = await shapes(guest);
    net.deafen();
    await editEverywhere(host, 'landed once', 'Ada, first');
    await guest.locator('.layer-frame').nth(before).waitFor();
    await notes(guest).filter({ hasText: 'landed once' }).waitFor();
    await cardTitle(guest, 'Ada, first');
    // A later write by Grace: Ada's retried write must not replace it.
    await saveCard(guest, 'Grace, later');
    await card(guest).getByText('Saved for everyone').waitFor();

    await reloadOfflineThenReconnect(host, net);
    await heldOnce(host, guest, before, 'landed once', 'Grace, later');
  });

  it("a second tab of the same user leaves alone what a live tab keeps, so neither tab's edits are taken for the other's", async () => {
    const { host, guest, net } = await session(server().url);
    const before = await shapes(guest);
    net.cut();
    await addShape(host);
    await kept(host, { ops: 1 });

    // The same user in a second tab of the same browser, while the first still holds its edit.
    const identity = await host.evaluate(() => sessionStorage.getItem('tandem-demo:identity'));
    const tab = await host.context().newPage();
    pages.tab = tab;
    tab.setDefaultTimeout(15_000);
    await tab.addInitScript((value) => {
      if (value) sessionStorage.setItem('tandem-demo:identity', value);
    }, identity);
    await tab.goto(host.url());
    await tab.getByRole('heading', { name: /^Joining/ }).waitFor();
    net.restore();
    await Promise.all([connected(host), connected(tab)]);
    await kept(host, { empty: true });
    // Had the tab taken the first tab's entry, both would number new edits from one client id, and
    // the room would answer some of them as retries instead of applying them.
    for (let i = 0; i < 2; i++) {
      await addShape(tab);
      await addShape(host);
    }
    await guest
      .locator('.layer-frame')
      .nth(before + 4)
      .waitFor();
    const room = await fromTheRoom(guest, { shapes: before + 5 });
    expect(room.shapes).toBe(before + 5);
  });
});
