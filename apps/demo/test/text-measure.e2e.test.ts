import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { measureSelections } from '../../../packages/react/src/selection/measure.js';
import { launchBrowser, repoDir } from './support.js';

// The measuring code of @tandem/react, compiled as it is and served to a blank page from an
// origin that exists only inside this browser (requests to it are answered here).
const ORIGIN = 'http://measure.test';
const sourceDir = join(repoDir, 'packages/react/src/selection');

const PAGE = `<!doctype html><body style="margin:0"><script type="module">
import { measureSelections } from './measure.js';
window.measureSelections = measureSelections;
</script></body>`;

type Measuring = { measureSelections: typeof measureSelections };

async function measuringPage(page: Page): Promise<void> {
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
    const source = readFileSync(join(sourceDir, path.replace(/^\//, '').replace(/\.js$/, '.ts')), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    return route.fulfill({ contentType: 'text/javascript', body: outputText });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => 'measureSelections' in window);
}

/** Runs measureSelections in the page on the element `#target` of `html`, from the page's origin. */
function measure(page: Page, html: string, ranges: { anchor: number; head: number }[], setup = '') {
  return page.evaluate(
    ({ html, ranges, setup }) => {
      document.body.innerHTML = html;
      const target = document.getElementById('target') as HTMLElement;
      new Function('target', setup)(target);
      return (window as unknown as Measuring).measureSelections(target, ranges, { left: 0, top: 0 });
    },
    { html, ranges, setup },
  );
}

/** Client rects of characters `[from, to)` of the n-th text node under `#target`, measured by a DOM Range. */
function rangeRects(page: Page, node: number, from: number, to: number) {
  return page.evaluate(
    ({ node, from, to }) => {
      const walker = document.createTreeWalker(document.getElementById('target')!, NodeFilter.SHOW_TEXT);
      let text = walker.nextNode();
      for (let i = 0; i < node; i++) text = walker.nextNode();
      const range = document.createRange();
      range.setStart(text!, from);
      range.setEnd(text!, to);
      return Array.from(range.getClientRects(), (r) => ({ left: r.left, right: r.right, top: r.top }));
    },
    { node, from, to },
  );
}

/** Where the characters before `n` of the field `#target`'s value end, by canvas text metrics. */
function fieldEdge(page: Page, n: number) {
  return page.evaluate((n) => {
    const field = document.getElementById('target') as HTMLInputElement;
    const style = getComputedStyle(field);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = style.font;
    const rect = field.getBoundingClientRect();
    const x0 = rect.left + field.clientLeft + Number.parseFloat(style.paddingLeft) - field.scrollLeft;
    return x0 + context.measureText(field.value.slice(0, n)).width;
  }, n);
}

const FONT = 'font: 16px/20px monospace; padding: 4px 6px; border: 2px solid #999';

describe('measuring selections in Chromium', () => {
  let page: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const browser = await launchBrowser();
    close = () => browser.close();
    page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await measuringPage(page);
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  it('a contenteditable selection: carets and line boxes where DOM ranges put the characters, across nested elements and paragraphs', async () => {
    const html = `<div id="target" contenteditable style="${FONT}; width: 300px"><p style="margin:0">One <b>two <i>three</i></b></p><p style="margin:0">four five</p></div>`;
    // "th|ree": offset 10 of "One two three", in the <i>'s text node (the third).
    const [caret] = await measure(page, html, [{ anchor: 10, head: 10 }]);
    const [th] = await rangeRects(page, 2, 1, 2);
    expect(caret!.caret!.left).toBeCloseTo(th!.right, 0);
    expect(caret!.caret!.top).toBeCloseTo(th!.top, 0);
    expect(caret!.highlights).toEqual([]);

    // From "tw|o" back to "fo|ur": a band on each paragraph's line, the caret at the head in the first.
    const [across] = await measure(page, html, [{ anchor: 15, head: 6 }]);
    const [tw] = await rangeRects(page, 1, 1, 2);
    const [f] = await rangeRects(page, 3, 0, 1);
    const [o] = await rangeRects(page, 3, 1, 2);
    expect(across!.caret!.left).toBeCloseTo(tw!.right, 0);
    const tops = [...new Set(across!.highlights.map((b) => b.top))].sort((a, b) => a - b);
    expect(tops).toHaveLength(2);
    const first = across!.highlights.filter((b) => b.top === tops[0]);
    const second = across!.highlights.filter((b) => b.top === tops[1]);
    expect(first[0]!.left).toBeCloseTo(tw!.right, 0);
    expect(second[0]!.left).toBeCloseTo(f!.left, 0);
    expect(second.at(-1)!.left + second.at(-1)!.width).toBeCloseTo(o!.right, 0);
  });

  it('offsets past the end are drawn at the end of the text', async () => {
    const html = `<div id="target" contenteditable style="${FONT}; width: 300px">short</div>`;
    const [shape] = await measure(page, html, [{ anchor: 2, head: 99 }]);
    const [t] = await rangeRects(page, 0, 4, 5);
    expect(shape!.caret!.left).toBeCloseTo(t!.right, 0);
    expect(shape!.highlights).toHaveLength(1);
  });

  it('an input scrolled sideways: the caret moves with the scroll, and one scrolled out of sight is not drawn', async () => {
    const value = 'The quick brown fox jumps over the lazy dog and keeps running';
    const html = `<input id="target" style="${FONT}; width: 200px" value="${value}">`;
    const [near, hidden] = await measure(
      page,
      html,
      [
        { anchor: 40, head: 44 },
        { anchor: 2, head: 2 },
      ],
      'target.scrollLeft = 300;',
    );
    expect(
      await page.evaluate(() => (document.getElementById('target') as HTMLInputElement).scrollLeft),
    ).toBeGreaterThan(0);
    expect(Math.abs(near!.caret!.left - (await fieldEdge(page, 44)))).toBeLessThan(1.5);
    expect(Math.abs(near!.highlights[0]!.left - (await fieldEdge(page, 40)))).toBeLessThan(1.5);
    expect(hidden!.caret).toBeUndefined();
  });

  it('a textarea that wraps: one band per line, and a caret after a line break starts the next line', async () => {
    const value = 'alpha beta gamma delta epsilon\nsecond line';
    const html = `<textarea id="target" style="${FONT}; width: 160px; height: 200px"></textarea>`;
    const breakAt = value.indexOf('\n') + 1;
    const [wrapped, afterBreak, atEnd] = await measure(
      page,
      html,
      [
        { anchor: 0, head: breakAt - 1 },
        { anchor: breakAt, head: breakAt },
        { anchor: value.length, head: value.length },
      ],
      `target.value = ${JSON.stringify(value)};`,
    );
    const lines = [...new Set(wrapped!.highlights.map((b) => b.top))];
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // The content box starts after the 2 px border and the 6 px padding.
    expect(afterBreak!.caret!.left).toBeCloseTo(8, 0);
    expect(afterBreak!.caret!.top).toBeGreaterThan(Math.max(...lines));
    expect(atEnd!.caret!.top).toBe(afterBreak!.caret!.top);
    const width = await page.evaluate(() => {
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = getComputedStyle(document.getElementById('target')!).font;
      return context.measureText('second line').width;
    });
    expect(Math.abs(atEnd!.caret!.left - (8 + width))).toBeLessThan(1.5);
  });

  it('a textarea scrolled down: boxes move up by the scroll, and a line scrolled out of sight is not drawn', async () => {
    const value = 'first line\nsecond line\nthird line\nfourth line\nfifth line';
    const html = `<textarea id="target" style="${FONT}; width: 200px; height: 44px"></textarea>`;
    const setup = `target.value = ${JSON.stringify(value)};`;
    const third = value.indexOf('third');
    const ranges = [
      { anchor: third, head: third + 5 },
      { anchor: 0, head: 0 },
    ];
    const [still] = await measure(page, html, ranges, setup);
    const [scrolled, first] = await measure(page, html, ranges, `${setup} target.scrollTop = 40;`);
    const scrollTop = await page.evaluate(() => document.getElementById('target')!.scrollTop);
    expect(scrollTop).toBe(40);
    expect(scrolled!.caret!.top).toBeCloseTo(still!.caret!.top - scrollTop, 0);
    expect(scrolled!.highlights[0]!.top).toBeCloseTo(still!.highlights[0]!.top - scrollTop, 0);
    expect(first!.caret).toBeUndefined();
  });
});
