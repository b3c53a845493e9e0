import { it } from 'vitest';
import { browserSuite, demoServer, pairInOpenSession } from './support.js';

const { browser, pages } = browserSuite();
const server = demoServer();
it('dbg', async () => {
  const { host, guest } = await pairInOpenSession(browser(), server().url);
  Object.assign(pages, { host, guest });
  const notes = host.getByLabel('Lesson notes text');
  await notes.fill('Compare halves with quarters');
  await guest.getByLabel('Lesson notes text').filter({ hasText: 'quarters' }).waitFor();
  const box = async (label: string) => {
    await new Promise((r) => setTimeout(r, 500));
    const b = await guest.evaluate(() =>
      [...document.querySelectorAll('.collaboration-carets__caret')].map((e) => {
        const r = e.getBoundingClientRect();
        return [r.left, r.top, (e as HTMLElement).dataset.name];
      }),
    );
    const hs = await host.evaluate(() => [
      document.activeElement?.className,
      getSelection()?.toString(),
      getSelection()?.anchorOffset,
    ]);
    console.log(label, JSON.stringify(b), JSON.stringify(hs));
  };
  await box('after fill');
  await notes.click();
  await box('after click');
  await host.keyboard.press('Home');
  await box('after home');
  for (let i = 0; i < 8; i++) await host.keyboard.press('ArrowRight');
  await box('after right');
  for (let i = 0; i < 6; i++) await host.keyboard.press('Shift+ArrowRight');
  await box('after select');
});
