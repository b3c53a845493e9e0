import { closeCodeOf, ErrorCode } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { TestClient } from './support/client.js';
import { guestToken, hostSession, roomUrl, startServer } from './support/server.js';

const servers: TandemServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A guest the host of a new session on a server with `knockCooldownSeconds` declines, then knocks again. */
async function declinedThenKnocking(knockCooldownSeconds: number): Promise<TestClient> {
  const server = await startServer({ knockCooldownSeconds });
  servers.push(server);
  const { host, session } = await hostSession(server);
  const { token } = await guestToken(server, 'Eve');
  const eve = await TestClient.join(roomUrl(server, session.roomId, token));
  const { waiting } = await host.next('waitingList', (w) => w.waiting.length === 1);
  host.send({ type: 'admit', action: 'decline', slot: waiting[0]!.slot });
  expect((await eve.closed).code).toBe(closeCodeOf(ErrorCode.Declined));
  return TestClient.join(roomUrl(server, session.roomId, token));
}

describe('knockCooldownSeconds', () => {
  it('refuses a declined guest who knocks again at once, saying how long to wait', async () => {
    const again = await declinedThenKnocking(60);
    expect((await again.closed).code).toBe(closeCodeOf(ErrorCode.Declined));
    expect(again.of('error').at(-1)?.message).toMatch(
      /^the host declined you; you can ask to join again in (59|60) s$/,
    );
  });

  it('lets them knock at once when 0', async () => {
    const again = await declinedThenKnocking(0);
    expect((await again.next('admission')).state).toBe('waiting');
  });
});
