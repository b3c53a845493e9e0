import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { makeRoom } from './support/harness.js';

function setup() {
  const h = makeRoom({ settings: { policy: 'open' } });
  const alice = h.join('alice');
  const aliceTab2 = h.join('alice');
  const bob = h.join('bob');
  const carol = h.join('carol');
  alice.send({ type: 'lockAcquire', rid: 1, resource: 'projector-2' });
  return { ...h, alice, aliceTab2, bob, carol };
}

describe('request access', () => {
  it('delivers the short message to every connection of the holder', () => {
    const { alice, aliceTab2, bob } = setup();
    bob.send({ type: 'accessRequest', rid: 7, resource: 'projector-2', message: 'need to fix the warp' });
    for (const tab of [alice, aliceTab2]) {
      expect(tab.last('accessRequested')).toMatchObject({
        resource: 'projector-2',
        fromSlot: bob.slot,
        fromUser: 'bob',
        message: 'need to fix the warp',
        timeoutMs: 10_000,
      });
    }
  });

  it('passes the lock straight to the requester on release, even while a third user is selecting', () => {
    const { alice, bob, carol } = setup();
    bob.send({ type: 'accessRequest', rid: 7, resource: 'projector-2', message: 'please' });
    const req = alice.last('accessRequested')!;
    alice.send({
      type: 'accessAnswer',
      requestId: req.requestId,
      decision: 'release',
      lockId: alice.lockId('projector-2'),
    });
    carol.send({ type: 'lockAcquire', rid: 3, resource: 'projector-2' });
    expect(bob.last('accessResult')).toMatchObject({ rid: 7, outcome: 'granted', resource: 'projector-2' });
    expect(bob.last('lockGranted')).toMatchObject({ resource: 'projector-2', fence: 2 });
    expect(carol.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 3 });
    expect(carol.last('lockState')).toMatchObject({
      reason: 'transferred',
      holderUser: 'bob',
      holderSlot: bob.slot,
    });
    expect(alice.last('accessResult')).toMatchObject({ rid: 0, outcome: 'granted' });
  });

  it('hands the lock to the requester when the holder simply deselects', () => {
    const { alice, bob } = setup();
    bob.send({ type: 'accessRequest', rid: 7, resource: 'projector-2', message: '' });
    alice.send({ type: 'lockRelease', rid: 2, resource: 'projector-2', lockId: alice.lockId('projector-2') });
    expect(bob.last('accessResult')?.outcome).toBe('granted');
    expect(bob.last('lockGranted')?.resource).toBe('projector-2');
  });

  it('tells the requester when the holder declines', () => {
    const { alice, bob } = setup();
    bob.send({ type: 'accessRequest', rid: 7, resource: 'projector-2', message: 'please' });
    alice.send({
      type: 'accessAnswer',
      requestId: alice.last('accessRequested')!.requestId,
      decision: 'decline',
      lockId: '',
    });
    expect(bob.last('accessResult')).toMatchObject({ rid: 7, outcome: 'declined' });
    expect(alice.last('lockState')?.holderUser).toBe('alice');
  });

  it('times out an ignored request after the configured few seconds, telling both sides', () => {
    const { alice, aliceTab2, bob, clock } = setup();
    bob.send({ type: 'accessRequest', rid: 7, resource: 'projector-2', message: 'please' });
    clock.advance(9_999);
    expect(bob.of('accessResult')).toEqual([]);
    clock.advance(1);
    expect(bob.last('accessResult')).toMatchObject({ rid: 7, outcome: 'timeout' });
    expect(aliceTab2.last('accessResult')).toMatchObject({ rid: 0, outcome: 'timeout' });
    expect(alice.last('lockState')?.holderUser).toBe('alice');
  });

  it('uses the configured timeout', () => {
    const h = makeRoom({ settings: { policy: 'open' }, limits: { accessTimeoutMs: 3_000 } });
    const alice = h.join('alice');
    const bob = h.join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'r' });
    bob.send({ type: 'accessRequest', rid: 2, resource: 'r', message: '' });
    h.clock.advance(3_000);
    expect(bob.last('accessResult')?.outcome).toBe('timeout');
  });

  it('allows one open request per requester and resource', () => {
    const { bob } = setup();
    bob.send({ type: 'accessRequest', rid: 1, resource: 'projector-2', message: 'a' });
    bob.send({ type: 'accessRequest', rid: 2, resource: 'projector-2', message: 'b' });
    expect(bob.last('error')).toMatchObject({ code: ErrorCode.Conflict, rid: 2 });
  });

  it('cancels the other requests when the lock goes to one requester', () => {
    const { alice, bob, carol } = setup();
    bob.send({ type: 'accessRequest', rid: 1, resource: 'projector-2', message: '' });
    carol.send({ type: 'accessRequest', rid: 2, resource: 'projector-2', message: '' });
    const carolsRequest = alice.of('accessRequested').find((r) => r.fromUser === 'carol')!;
    alice.send({
      type: 'accessAnswer',
      requestId: carolsRequest.requestId,
      decision: 'release',
      lockId: alice.lockId('projector-2'),
    });
    expect(carol.last('accessResult')?.outcome).toBe('granted');
    expect(bob.last('accessResult')).toMatchObject({ rid: 1, outcome: 'cancelled' });
  });

  it('has no forcing: only the holder can answer, and release needs its lock id', () => {
    const { alice, bob, carol } = setup();
    bob.send({ type: 'accessRequest', rid: 1, resource: 'projector-2', message: '' });
    const { requestId } = alice.last('accessRequested')!;
    carol.send({ type: 'accessAnswer', requestId, decision: 'release', lockId: alice.lockId('projector-2') });
    bob.send({ type: 'accessAnswer', requestId, decision: 'release', lockId: alice.lockId('projector-2') });
    alice.send({ type: 'accessAnswer', requestId, decision: 'release', lockId: 'wrong' });
    expect(carol.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(bob.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(alice.last('error')?.code).toBe(ErrorCode.StaleLockId);
    expect(bob.of('accessResult')).toEqual([]);
  });

  it('refuses requests for free or own resources and over-long messages', () => {
    const { alice, bob } = setup();
    bob.send({ type: 'accessRequest', rid: 1, resource: 'free-thing', message: '' });
    alice.send({ type: 'accessRequest', rid: 2, resource: 'projector-2', message: '' });
    bob.send({ type: 'accessRequest', rid: 3, resource: 'projector-2', message: 'x'.repeat(281) });
    expect(bob.errors().map((e) => [e.rid, e.code])).toEqual([
      [1, ErrorCode.NotFound],
      [3, ErrorCode.PayloadTooLarge],
    ]);
    expect(alice.last('error')).toMatchObject({ rid: 2, code: ErrorCode.Conflict });
  });

  it('never hands a lock to a requester already at the lock cap', () => {
    const h = makeRoom({ settings: { policy: 'open' }, limits: { maxLocksPerUser: 1 } });
    const alice = h.join('alice');
    const bob = h.join('bob');
    const carol = h.join('carol');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'r' });
    bob.send({ type: 'lockAcquire', rid: 2, resource: 'mine' });
    bob.send({ type: 'accessRequest', rid: 3, resource: 'r', message: '' });
    carol.send({ type: 'accessRequest', rid: 4, resource: 'r', message: '' });
    const bobs = alice.of('accessRequested').find((r) => r.fromUser === 'bob')!;
    alice.send({
      type: 'accessAnswer',
      requestId: bobs.requestId,
      decision: 'release',
      lockId: alice.lockId('r'),
    });
    expect(alice.last('error')?.code).toBe(ErrorCode.Conflict);
    expect(
      alice
        .of('lockState')
        .filter((l) => l.resource === 'r')
        .at(-1)?.holderUser,
    ).toBe('alice');
    // A plain release skips the capped requester and hands the lock to the next in line.
    alice.send({ type: 'lockRelease', rid: 5, resource: 'r', lockId: alice.lockId('r') });
    expect(carol.last('accessResult')?.outcome).toBe('granted');
    expect(bob.of('lockGranted').filter((g) => g.resource === 'r')).toEqual([]);
  });

  it('cancels a request when the requester leaves', () => {
    const { alice, bob } = setup();
    bob.send({ type: 'accessRequest', rid: 1, resource: 'projector-2', message: '' });
    bob.disconnect();
    expect(alice.last('accessResult')?.outcome).toBe('cancelled');
  });

  it('shows a reconnecting holder the requests still waiting for an answer', () => {
    const h = setup();
    h.bob.send({ type: 'accessRequest', rid: 1, resource: 'projector-2', message: 'hi' });
    h.alice.disconnect();
    h.aliceTab2.disconnect();
    const back = h.join('alice');
    expect(back.last('accessRequested')).toMatchObject({ fromUser: 'bob', message: 'hi' });
  });
});
