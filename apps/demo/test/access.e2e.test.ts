import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TandemServer } from '../../../packages/server/src/server.js';
import { startServer } from '../../../packages/server/test/support/server.js';
import {
  browserSuite,
  demoServer,
  distDir,
  inviteLink,
  pairInOpenSession,
  person,
  signIn,
  startSession,
} from './support.js';

const SECRET = 'demo-e2e-secret-of-at-least-32-bytes!!';

const { browser: launched, pages } = browserSuite();
let server: TandemServer;

beforeAll(async () => {
  server = await startServer({ staticDir: distDir, jwtSecret: SECRET });
});

afterAll(async () => {
  await server?.close();
});

/** A JWT such as an identity provider would issue, with an email claim the trusted list matches. */
function jwtFor(sub: string, email: string, name: string): Promise<string> {
  return new SignJWT({ sub, email, name })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

describe('admission and limits in the browser', () => {
  it('a trusted email joins without waiting', async () => {
    const host = await person(launched());
    const guest = await person(launched());
    Object.assign(pages, { host, guest });
    await startSession(host, server.url, 'Ada');
    await host.getByLabel('Trusted emails (join without waiting)').fill('grace@example.com');
    await host.getByRole('button', { name: 'Save trusted list' }).click();
    const invite = await inviteLink(host);

    await guest.goto(invite);
    await guest.getByRole('button', { name: 'I have a token (JWT)' }).click();
    await guest
      .getByLabel('Access token (JWT)')
      .fill(await jwtFor('user-grace', 'grace@example.com', 'Grace'));
    await guest.getByRole('button', { name: 'Continue' }).click();
    // Straight into the editor: no waiting room, and the host sees her in the roster.
    await guest.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    await host.locator('.roster li', { hasText: 'Grace' }).waitFor();
  });

  it('spamming chat shows the rate-limit message', async () => {
    const host = await person(launched());
    pages.spammer = host;
    await startSession(host, server.url, 'Ada');
    await host.getByRole('button', { name: 'Chat' }).click();
    const input = host.getByRole('region', { name: 'Chat' }).getByLabel('Message');
    // Far over the 2-a-second budget; the page says so instead of losing the text silently.
    for (let i = 0; i < 8; i++) {
      await input.fill(`message ${i}`);
      await input.press('Enter');
    }
    await host.getByText('Slow down: at most 2 chat messages a second.').waitFor();
  });

  it('a removed guest is told so', async () => {
    const host = await person(launched());
    const guest = await person(launched());
    Object.assign(pages, { removeHost: host, removeGuest: guest });
    await startSession(host, server.url, 'Ada', 'open');
    await signIn(guest, await inviteLink(host), 'Grace');
    await guest.getByLabel('Lesson notes text').waitFor();
    await host.getByRole('button', { name: 'Remove Grace' }).click();
    await guest.getByText('The host removed you from this session.').waitFor();
  });

  it('the host adds one waiting guest and declines a second, who is told so', async () => {
    const host = await person(launched());
    const grace = await person(launched());
    const mallory = await person(launched());
    Object.assign(pages, { declineHost: host, declineGrace: grace, declineMallory: mallory });
    await startSession(host, server.url, 'Ada');
    const invite = await inviteLink(host);
    await signIn(grace, invite, 'Grace');
    await signIn(mallory, invite, 'Mallory');
    await grace.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    await mallory.getByRole('heading', { name: 'Waiting for the host' }).waitFor();

    await host.getByRole('button', { name: 'Add Grace' }).click();
    await host.getByRole('button', { name: 'Decline Mallory' }).click();
    await mallory.getByText('The host declined your request to join.').waitFor();
    await grace.locator('.topbar .tandem-connection[data-status="connected"]').waitFor();
    // Declined means out: Mallory is in nobody's roster and saw nothing of the canvas.
    await host.locator('.roster li', { hasText: 'Grace' }).waitFor();
    expect(await host.locator('.roster li', { hasText: 'Mallory' }).count()).toBe(0);
    expect(await mallory.getByTestId('stage').count()).toBe(0);
  });
});

describe('a full session', () => {
  const small = demoServer({ maxParticipants: 2 });

  it('a third person is told the session is full', async () => {
    const { host, guest, invite } = await pairInOpenSession(launched(), small().url);
    const third = await person(launched());
    Object.assign(pages, { fullHost: host, fullGuest: guest, third });
    await signIn(third, invite, 'Linus');
    await third.getByRole('alert').filter({ hasText: 'This session is full' }).waitFor();
    expect(await third.getByRole('alert').getAttribute('data-code')).toBe('RoomFull');
    expect(await host.locator('.roster li', { hasText: 'Linus' }).count()).toBe(0);
  });
});
