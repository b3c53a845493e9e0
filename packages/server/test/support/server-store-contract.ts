import { describe, expect, it } from 'vitest';
import {
  describeServerStoreContract as describePublicContract,
  type ServerStoreFixture,
  storesPerTest,
} from '../../src/testing/server-store-contract.js';
import { bytes, EPOCH_SPAN, ManualClock, Peer, Room } from './room-testing.js';

export {
  type ServerStoreFixture,
  type ServerStoreOpenOptions,
  SQL_TABLES,
  settings,
} from '../../src/testing/server-store-contract.js';

/**
 * The public contract (`@tandem/server/testing`), and beside it a room engine run end to end on
 * the store, which needs the room package's test harness and so stays with the tests.
 */
export function describeServerStoreContract(
  name: string,
  make: () => Promise<ServerStoreFixture>,
  options: { reportsCommits?: boolean } = {},
): void {
  describePublicContract(name, make, options);
  describe(`ServerStore under a room engine: ${name}`, () => {
    const openStore = storesPerTest(make);

    it('runs a room engine end to end: a document and a lock survive closing the room and the database', async () => {
      const clock = new ManualClock();
      const initial = { policy: 'open', joinCode: 'E2E234' } as const;
      const store = await openStore();
      const room = await Room.load({ id: 'lesson', store, clock, settings: initial });
      const alice = new Peer(room, { userId: 'alice', name: 'Alice' }).hello();
      alice.send({ type: 'lockAcquire', rid: 1, resource: 'shape-1' });
      alice.send({ type: 'lwwSet', rid: 2, resource: 'shape-1', doc: bytes('{"shapes":1}') });
      await room.idle();
      expect(alice.of('docAck').map((a) => [a.rid, a.version])).toEqual([[2, 1]]);
      const lockId = alice.lockId('shape-1');
      expect(await store.roomIdForJoinCode('e2e234')).toBe('lesson');
      expect(await store.hostedRooms('alice')).toEqual(['lesson']);

      clock.advance(5_000);
      await room.close();
      await store.close();

      const reopened = await openStore();
      const again = await Room.load({ id: 'lesson', store: reopened, clock, settings: initial });
      expect(again.getSettings()).toMatchObject({ joinCode: 'E2E234', hostUserId: 'alice', policy: 'open' });
      const back = new Peer(again, { userId: 'alice', name: 'Alice' }).hello();
      expect(back.welcome.role).toBe('host');
      expect(back.last('lwwDoc')).toMatchObject({ version: 1, doc: bytes('{"shapes":1}') });
      expect(back.of('lockGranted').find((g) => g.resource === 'shape-1')).toMatchObject({
        lockId,
        fence: 1,
        ttlMs: 55_000,
      });

      // It keeps going on the reopened store: the next edit is numbered in the second load's epoch
      // (never a number the first load could have announced) and acknowledged.
      back.send({ type: 'lwwSet', rid: 3, resource: 'shape-1', doc: bytes('{"shapes":2}') });
      await again.idle();
      expect(back.last('docAck')).toMatchObject({ rid: 3, version: EPOCH_SPAN + 1 });
      expect((await reopened.load('lesson'))?.doc).toEqual({
        mode: 'lww',
        version: EPOCH_SPAN + 1,
        doc: bytes('{"shapes":2}'),
      });
      await again.close();
    });
  });
}
