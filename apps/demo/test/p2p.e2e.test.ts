import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, demoServer, frame, inviteLink, person, signIn, wiggleOverStage } from './support.js';

const { browser, pages } = browserSuite();
/** WebSocket `readyState`s (the test's own side has no WebSocket global). */
const OPEN = 1;
const CLOSED = 3;

describe('a peer-to-peer session', () => {
  const server = demoServer();
  let host: Page;
  let guest: Page;
  let sessionId = '';

  beforeAll(async () => {
    host = await person(browser());
    guest = await person(browser());
    Object.assign(pages, { host, guest });
    // Keeps the pages' WebSockets and DataChannels reachable, so a test can cut one as a network
    // drop would, without the SDK knowing it was asked to; and every state the status pill shows.
    for (const page of [host, guest]) {
      await page.addInitScript(recordLinks);
      await page.addInitScript(recordPill);
    }
  });

  it('the host starts one and gets an id to share; the room runs in the host’s page', async () => {
    await signIn(host, server().url, 'Ada');
    await host.getByLabel('Who can join').selectOption('host-approval');
    await host.getByRole('button', { name: 'Start a peer-to-peer session' }).click();
    const id = host.getByTestId('session-id');
    await id.waitFor();
    sessionId = (await id.textContent()) ?? '';
    expect(sessionId).toMatch(/^nss-[a-z0-9]{6}-[a-z0-9]{4}$/);
    // Nobody has joined: the host waits for a peer.
    await pill(host, 'idle').waitFor();
    expect(await pillStates(host)).toEqual(['idle']);
    expect(await inviteLink(host)).toBe(`${server().url}/?p2p=${sessionId}`);
    // No room on the server: the server only introduces peers.
    expect(server().registry.size).toBe(0);
    expect(server().signaling.size).toBe(1);
    // The lesson lives in server rooms: not part of a peer-to-peer session.
    expect(await host.getByRole('region', { name: 'Lesson' }).count()).toBe(0);
  });

  it('a guest joins with the id over WebRTC, waits for the host, and is added', async () => {
    await signIn(guest, server().url, 'Grace');
    await guest.getByLabel('Session ID').fill(sessionId);
    await guest.getByRole('button', { name: 'Join peer-to-peer' }).click();
    await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
    // The guest's DataChannel is open: both sides are connected, the host still to add the guest.
    await pill(host, 'connected').waitFor();
    await host.getByRole('button', { name: 'Add Grace' }).click();
    await pill(guest, 'connected').waitFor();
    await guest.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    expect(await guest.getByTestId('session-id').textContent()).toBe(sessionId);
    expect(await pillStates(host)).toEqual(['idle', 'connecting', 'connected']);
    expect(await pillStates(guest)).toEqual(['idle', 'connecting', 'connected']);
  });

  it('operations travel browser to browser, both ways, and the server holds no room or document', async () => {
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 1').waitFor();
    await guest.getByRole('button', { name: '+ Text' }).click();
    await guest.locator('.layer-props[data-lock="mine"]').waitFor();
    await guest.getByLabel('Text', { exact: true }).fill('Over the DataChannel');
    await host.locator('.layer.text', { hasText: 'Over the DataChannel' }).waitFor();
    // The activity log lists the peer's operations.
    await host.locator('.activity-list li[data-kind="op"]', { hasText: 'Grace' }).first().waitFor();
    expect(server().registry.size).toBe(0);
    expect(server().registry.connections).toBe(0);
  });

  it('the host’s signaling drops: it connects again while the guest’s DataChannel carries on', async () => {
    const signalingLinks = () =>
      host.evaluate(() =>
        window.__links.sockets.filter((ws) => ws.url.includes('/p2p/')).map((ws) => ws.readyState),
      );
    expect(await signalingLinks()).toEqual([OPEN]);
    await host.evaluate(() => {
      const ws = window.__links.sockets.find(
        (w) => w.url.includes('/p2p/') && w.readyState === WebSocket.OPEN,
      );
      ws?.close(3000, 'network drop');
    });
    // While the host is away the server keeps its session; what the peers do still travels.
    expect(server().signaling.size).toBe(1);
    await guest.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 3').waitFor();
    await host.waitForFunction(() => {
      const p2p = window.__links.sockets.filter((ws) => ws.url.includes('/p2p/'));
      return p2p.length === 2 && p2p[1]!.readyState === WebSocket.OPEN;
    });
    expect(await signalingLinks()).toEqual([CLOSED, OPEN]);
    // Not one peer left the room: the guest's status never changed.
    expect(await guest.locator('.peer-session .tandem-connection').getAttribute('data-status')).toBe(
      'connected',
    );
    expect(server().signaling.size).toBe(1);
    expect(server().registry.size).toBe(0);
  });

  it('the guest’s DataChannel drops: it reconnects through signaling and is back without asking again', async () => {
    await guest.evaluate(() => {
      window.__pill = window.__pill.slice(-1);
      for (const channel of window.__links.channels) channel.close();
    });
    // Closed on the host's side too, so the host's room sees the guest leave, then return.
    await guest.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    // A new DataChannel, the old one closed (a busy machine may take more than one attempt).
    await guest.waitForFunction(
      () =>
        window.__links.channels.length >= 2 &&
        window.__links.channels[0]!.readyState === 'closed' &&
        window.__links.channels.filter((c) => c.readyState === 'open').length === 1,
    );
    // A returning participant skips the waiting room, even under host approval.
    expect(await host.getByRole('button', { name: 'Add Grace' }).count()).toBe(0);
    // The pill said so: a dropped channel is connecting again, never idle.
    await pill(guest, 'connected').waitFor();
    const states = await pillStates(guest);
    expect(states).toContain('connecting');
    expect([states[0], states.at(-1), states.includes('idle')]).toEqual(['connected', 'connected', false]);
    await guest.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 4').waitFor();
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 5').waitFor();
    expect(server().registry.connections).toBe(0);
  });

  it('a second guest joins the star: everyone sees everyone’s cursors and edits through the host', async () => {
    const third = await person(browser());
    pages.third = third;
    await signIn(third, `${server().url}/?p2p=${sessionId}`, 'Linus');
    await host.getByRole('button', { name: 'Add Linus' }).click();
    await third.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    await third.locator('.layer.text', { hasText: 'Over the DataChannel' }).waitFor();
    // Grace's cursor reaches Linus: guest to host to guest, never through the server.
    await wiggleOverStage(guest);
    await third.locator('.tandem-cursor', { hasText: 'Grace' }).waitFor();
    await third.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 6').waitFor();
    expect(server().registry.connections).toBe(0);
    await third.close();
  });

  it('the host reloads its page: the session comes back as it was, and the guest with it', async () => {
    await host.reload();
    // Hosted again from this tab's storage: the same session, its canvas, its guest's admission.
    await host.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    expect(await host.getByTestId('session-id').textContent()).toBe(sessionId);
    await frame(host, 'Shape 6').waitFor();
    await host.locator('.layer.text', { hasText: 'Over the DataChannel' }).waitFor();
    // The guest's DataChannel went with the old page; it reconnects to the new one by itself.
    await guest.waitForFunction(
      () => window.__links.channels.filter((c) => c.readyState === 'open').length === 1,
    );
    await guest.locator('.peer-session .tandem-connection[data-status="connected"]').waitFor();
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(guest, 'Shape 7').waitFor();
    await guest.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 8').waitFor();
    expect(server().signaling.size).toBe(1);
    expect(server().registry.size).toBe(0);
  });

  it('the guest disconnects: its channel closes cleanly and both sides are idle, the host still hosting', async () => {
    await guest.evaluate(() => {
      window.__pill = window.__pill.slice(-1);
    });
    await guest.getByRole('button', { name: 'Disconnect' }).click();
    await pill(guest, 'idle').waitFor();
    await guest.getByRole('button', { name: 'Join peer-to-peer' }).waitFor();
    await pill(host, 'idle').waitFor();
    await guest.waitForFunction(() => window.__links.channels.every((c) => c.readyState === 'closed'));
    // Never taken for a drop: no reconnecting on the way.
    expect(await pillStates(guest)).toEqual(['connected', 'idle']);
    await host.getByRole('button', { name: '+ Shape' }).click();
    await frame(host, 'Shape 9').waitFor();
    expect(server().signaling.size).toBe(1);
    expect(await host.getByRole('button', { name: 'Disconnect' }).isDisabled()).toBe(true);

    // The next peer joins the same session: it was added before, so it is back at once.
    await guest.getByLabel('Session ID').fill(sessionId);
    await guest.getByRole('button', { name: 'Join peer-to-peer' }).click();
    await pill(guest, 'connected').waitFor();
    await pill(host, 'connected').waitFor();
    await frame(guest, 'Shape 9').waitFor();
  });

  it('the host disconnects: the guest’s channel closes cleanly, both sides are idle, and the host stays', async () => {
    const channelsBefore = await guest.evaluate(() => window.__links.channels.length);
    await host.getByRole('button', { name: 'Disconnect' }).click();
    await pill(host, 'idle').waitFor();
    await guest.getByRole('heading', { name: 'Disconnected' }).waitFor();
    await pill(guest, 'idle').waitFor();
    await guest.getByText('The host disconnected you').waitFor();
    await guest.waitForFunction(() => window.__links.channels.every((c) => c.readyState === 'closed'));
    // The guest did not reconnect: no channel was opened since.
    expect(await guest.evaluate(() => window.__links.channels.length)).toBe(channelsBefore);
    // The host is still in its editor, hosting the session, with nobody else in it.
    await frame(host, 'Shape 9').waitFor();
    await host.waitForFunction(() => document.querySelectorAll('.topbar .tandem-avatar').length === 1);
    expect(server().signaling.size).toBe(1);
    // The guest joins again when the host is ready.
    await guest.getByRole('button', { name: 'Join again' }).click();
    await pill(guest, 'connected').waitFor();
    await pill(host, 'connected').waitFor();
    await frame(guest, 'Shape 9').waitFor();
  });

  it('the host ends the session: the guest is told it ended', async () => {
    await host.getByRole('button', { name: 'End session' }).click();
    await host.getByRole('button', { name: 'Start a peer-to-peer session' }).waitFor();
    await guest.getByRole('alert').filter({ hasText: 'This session has ended.' }).waitFor();
    await guest.getByRole('button', { name: 'Back to start' }).click();
    expect(server().signaling.size).toBe(0);
    // Ended, not just left: a reload of the host's page does not bring it back.
    await host.reload();
    await host.getByRole('button', { name: 'Start a peer-to-peer session' }).waitFor();
  });

  it('an id nobody hosts is refused with a clear message', async () => {
    await guest.getByLabel('Session ID').fill(sessionId);
    await guest.getByRole('button', { name: 'Join peer-to-peer' }).click();
    await guest
      .getByRole('alert')
      .filter({ hasText: 'There is no session with that code or ID. Check it and try again.' })
      .waitFor();
  });
});

/** The page's peer-to-peer status pill showing `status`. */
const pill = (page: Page, status: string) => page.locator(`.peer-channel[data-status="${status}"]`);

/** Every state the page's peer-to-peer status pill has shown, in order (see {@link recordPill}). */
const pillStates = (page: Page) => page.evaluate(() => window.__pill);

declare global {
  interface Window {
    __links: { sockets: WebSocket[]; channels: RTCDataChannel[] };
    __pill: string[];
  }
}

/** Runs in the page before its scripts: records each state the peer-to-peer status pill shows. */
function recordPill(): void {
  window.__pill = [];
  const look = () => {
    const status = document.querySelector<HTMLElement>('.peer-channel')?.dataset.status;
    if (status && window.__pill.at(-1) !== status) window.__pill.push(status);
  };
  new MutationObserver(look).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-status'],
  });
}

/** Runs in the page before its scripts: records every WebSocket and every DataChannel it opens. */
function recordLinks(): void {
  const links: Window['__links'] = { sockets: [], channels: [] };
  window.__links = links;
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      links.sockets.push(this);
    }
  };
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      this.addEventListener('datachannel', (event) => links.channels.push(event.channel));
      const create = this.createDataChannel.bind(this);
      this.createDataChannel = (label, init) => {
        const channel = create(label, init);
        links.channels.push(channel);
        return channel;
      };
    }
  };
}
