import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryRoomStore, Room, type RoomWrite } from '../src/index.js';
import { Peer } from './support/harness.js';

/** A store whose writes wait until the test lets them through, or fail. */
class GatedStore extends MemoryRoomStore {
  private gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  gated = false;
  private failing = false;

  override async write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    if (this.gated) await new Promise<void>((resolve, reject) => this.gates.push({ resolve, reject }));
    if (this.failing) throw new Error('refused: another owner holds the room');
    await super.write(roomId, writes);
  }

  open(): Promise<void> {
    this.gated = false;
    for (const g of this.gates.splice(0)) g.resolve();
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Refuses every write from now on, those waiting included. */
  fail(): Promise<void> {
    this.failing = true;
    this.gated = false;
    for (const g of this.gates.splice(0)) g.resolve();
    return new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function room(store: GatedStore, announceLocksWhenStored: boolean): Promise<Room> {
  return Room.load({
    id: 'r',
    store,
    clock: new ManualClock(),
    settings: { policy: 'open' },
    announceLocksWhenStored,
  });
}

function join(r: Room, userId: string): Peer {
  return new Peer(r, { userId, name: userId }).hello();
}

/** Ada and Bob in a room announcing when stored; Ada asks for a lock while the store holds writes. */
async function adaAsksWhileHeld() {
  const store = new GatedStore();
  const r = await room(store, true);
  const ada = join(r, 'ada');
  const bob = join(r, 'bob');
  store.gated = true;
  ada.send({ type: 'lockAcquire', rid: 1, resource: 'layer' });
  return { store, ada, bob };
}

describe('lock announcements where another owner may exist', () => {
  it('tells nobody of a grant, a release or an access outcome until it is stored', async () => {
    const { store, ada, bob } = await adaAsksWhileHeld();
    await Promise.resolve();
    expect(ada.of('lockGranted')).toEqual([]);
    expect(bob.of('lockState')).toEqual([]);
    // The room itself already counts the lock as held.
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'layer' });
    expect(bob.last('error')).toMatchObject({ rid: 1, code: 14 });

    await store.open();
    expect(ada.of('lockGranted').map((g) => g.rid)).toEqual([1]);
    expect(bob.of('lockState').map((s) => [s.reason, s.holderUser])).toEqual([['acquired', 'ada']]);

    store.gated = true;
    ada.send({ type: 'lockRelease', rid: 2, resource: 'layer', lockId: ada.lockId('layer') });
    await Promise.resolve();
    expect(bob.of('lockState')).toHaveLength(1);
    await store.open();
    expect(bob.of('lockState').map((s) => s.reason)).toEqual(['acquired', 'released']);
  });

  it('never announces a grant whose write the store refused', async () => {
    const { store, ada, bob } = await adaAsksWhileHeld();
    await store.fail();
    expect(ada.of('lockGranted')).toEqual([]);
    expect(bob.of('lockState')).toEqual([]);
    expect(ada.socket.closed).toBeDefined();
  });

  it('announces at once where one process owns the room', async () => {
    const store = new GatedStore();
    const r = await room(store, false);
    const ada = join(r, 'ada');
    store.gated = true;
    ada.send({ type: 'lockAcquire', rid: 1, resource: 'layer' });
    expect(ada.of('lockGranted').map((g) => g.rid)).toEqual([1]);
    await store.open();
  });
});
