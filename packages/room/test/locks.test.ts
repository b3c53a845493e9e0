import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { bytes, makeRoom } from './support/harness.js';

const open = { settings: { policy: 'open' as const } };

describe('locks: selection is lock', () => {
  it('grants the lock on select, with a lock id and fencing token, and tells everyone who holds it', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 5, resource: 'layer-1' });
    const grant = alice.last('lockGranted')!;
    expect(grant).toMatchObject({ rid: 5, resource: 'layer-1', fence: 1, ttlMs: 60_000 });
    expect(grant.lockId).toMatch(/^[0-9a-z]{16}$/);
    expect(bob.last('lockState')).toMatchObject({
      reason: 'acquired',
      resource: 'layer-1',
      holderSlot: alice.slot,
      holderUser: 'alice',
      fence: 1,
    });
    expect(bob.of('lockGranted')).toEqual([]);
  });

  it('refuses a second user with the locked error', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    bob.send({ type: 'lockAcquire', rid: 9, resource: 'layer-1' });
    expect(bob.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 9 });
  });

  it('shares one lock between two connections of one user', () => {
    const { join } = makeRoom(open);
    const tab1 = join('alice');
    const tab2 = join('alice');
    tab1.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    expect(tab2.lockId('layer-1')).toBe(tab1.lockId('layer-1'));
    tab2.send({ type: 'lockAcquire', rid: 2, resource: 'layer-1' });
    expect(tab2.last('lockGranted')).toMatchObject({ rid: 2, lockId: tab1.lockId('layer-1'), fence: 1 });
    tab2.send({ type: 'lwwSet', rid: 3, resource: 'layer-1', doc: bytes('from tab 2') });
    expect(tab2.errors()).toEqual([]);
  });

  it('gives a reconnecting user its lock back', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    const lockId = alice.lockId('layer-1');
    alice.disconnect();
    const again = join('alice');
    expect(again.last('lockGranted')).toMatchObject({ resource: 'layer-1', lockId, fence: 1 });
    expect(again.last('lockList')?.locks).toEqual([
      expect.objectContaining({ resource: 'layer-1', holderUser: 'alice', holderSlot: again.slot }),
    ]);
  });

  it('changes nothing on a release with a stale lock id', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    const first = alice.lockId('layer-1');
    alice.send({ type: 'lockRelease', rid: 2, resource: 'layer-1', lockId: first });
    alice.send({ type: 'lockAcquire', rid: 3, resource: 'layer-1' });
    bob.fresh();
    alice.send({ type: 'lockRelease', rid: 4, resource: 'layer-1', lockId: first });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.StaleLockId, rid: 4 });
    expect(bob.fresh()).toEqual([]);
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    expect(bob.last('error')?.code).toBe(ErrorCode.LockedByOther);
  });

  it('does not let another user release a lock, even with its id', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    bob.send({ type: 'lockRelease', rid: 2, resource: 'layer-1', lockId: alice.lockId('layer-1') });
    expect(bob.last('error')?.code).toBe(ErrorCode.LockedByOther);
    expect(alice.last('lockState')?.reason).toBe('acquired');
  });

  it('frees the resource on release with the right id', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    alice.send({ type: 'lockRelease', rid: 2, resource: 'layer-1', lockId: alice.lockId('layer-1') });
    expect(bob.last('lockState')).toMatchObject({
      reason: 'released',
      resource: 'layer-1',
      holderUser: '',
      holderSlot: 0,
    });
    bob.send({ type: 'lockAcquire', rid: 3, resource: 'layer-1' });
    expect(bob.last('lockGranted')?.fence).toBe(2);
  });

  it('keeps a lock across a disconnect shorter than its TTL, and expires it after the TTL without renewal', () => {
    const { join, clock } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    alice.disconnect();
    clock.advance(30_000);
    const back = join('alice');
    expect(back.last('lockGranted')?.resource).toBe('layer-1');
    back.disconnect();
    clock.advance(29_999);
    expect(bob.of('lockState').map((s) => s.reason)).toEqual(['acquired']);
    clock.advance(1);
    expect(bob.last('lockState')).toMatchObject({ reason: 'expired', resource: 'layer-1', holderUser: '' });
  });

  it('renews the lease on the holder’s activity: edits and explicit renewals', () => {
    const { join, clock } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    clock.advance(50_000);
    alice.send({ type: 'lwwSet', rid: 2, resource: 'layer-1', doc: bytes('edit') });
    clock.advance(50_000);
    alice.send({ type: 'lockRenew', resource: 'layer-1', lockId: alice.lockId('layer-1') });
    clock.advance(50_000);
    alice.send({ type: 'lockAcquire', rid: 3, resource: 'layer-1' });
    clock.advance(59_999);
    expect(bob.of('lockState').map((s) => s.reason)).toEqual(['acquired']);
    clock.advance(1);
    expect(bob.last('lockState')?.reason).toBe('expired');
  });

  it('answers a renewal under a request id with the new lease, and refuses one for a hold that is gone under that id', () => {
    const { join, clock } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    const lockId = alice.lockId('layer-1');
    clock.advance(40_000);
    alice.send({ type: 'lockKeep', rid: 2, resource: 'layer-1', lockId });
    expect(alice.last('lockGranted')).toMatchObject({ rid: 2, resource: 'layer-1', lockId, ttlMs: 60_000 });
    expect(bob.of('lockGranted')).toEqual([]);
    clock.advance(60_000);
    expect(bob.last('lockState')?.reason).toBe('expired');
    alice.send({ type: 'lockKeep', rid: 3, resource: 'layer-1', lockId });
    expect(alice.last('error')).toMatchObject({ code: ErrorCode.NotFound, rid: 3 });
    // The older renewal without a request id still extends a lease.
    alice.send({ type: 'lockAcquire', rid: 4, resource: 'layer-1' });
    clock.advance(40_000);
    alice.send({ type: 'lockRenew', resource: 'layer-1', lockId: alice.lockId('layer-1') });
    clock.advance(59_999);
    expect(bob.last('lockState')?.reason).toBe('acquired');
  });

  it('tells the requester how long its request may wait, and a holder who reconnects what is left of it', () => {
    const { join, clock } = makeRoom({ ...open, limits: { accessTimeoutMs: 10_000 } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    bob.send({ type: 'accessRequest', rid: 7, resource: 'layer-1', message: 'please' });
    const pending = bob.last('accessPending');
    expect(pending).toMatchObject({ rid: 7, resource: 'layer-1', timeoutMs: 10_000 });
    expect(alice.last('accessRequested')).toMatchObject({ requestId: pending?.requestId, timeoutMs: 10_000 });
    clock.advance(4_000);
    alice.disconnect();
    const back = join('alice');
    expect(back.last('accessRequested')?.timeoutMs).toBe(6_000);
  });

  it('rejects an edit by a non-holder with the locked error and leaves the document unchanged', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lwwSet', rid: 1, resource: 'layer-1', doc: bytes('original') });
    alice.send({ type: 'lockAcquire', rid: 2, resource: 'layer-1' });
    alice.fresh();
    bob.send({ type: 'lwwSet', rid: 3, resource: 'layer-1', doc: bytes('vandalism') });
    expect(bob.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 3 });
    expect(alice.fresh()).toEqual([]);
    expect(join('carol').last('lwwDoc')).toMatchObject({ version: 1, doc: bytes('original') });
  });

  it('rejects a non-holder’s operation in ops mode too', () => {
    const { join } = makeRoom({ settings: { policy: 'open', docMode: 'ops' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    alice.fresh();
    bob.send({ type: 'opSubmit', rid: 2, resource: 'layer-1', op: bytes('{"opacity":0}') });
    expect(bob.last('error')).toMatchObject({ code: ErrorCode.LockedByOther, rid: 2 });
    expect(alice.fresh()).toEqual([]);
  });

  it('can require a lock before any edit', () => {
    const { join } = makeRoom({ ...open, limits: { editRequiresLock: true } });
    const alice = join('alice');
    alice.send({ type: 'lwwSet', rid: 1, resource: 'layer-1', doc: bytes('x') });
    expect(alice.last('error')?.code).toBe(ErrorCode.Forbidden);
    alice.send({ type: 'lockAcquire', rid: 2, resource: 'layer-1' });
    alice.send({ type: 'lwwSet', rid: 3, resource: 'layer-1', doc: bytes('x') });
    expect(alice.errors()).toHaveLength(1);
  });

  it('with a lock required, refuses a write naming no resource, with or without locks held in the room', () => {
    for (const docMode of ['lww', 'ops'] as const) {
      const { join } = makeRoom({
        settings: { policy: 'open', docMode },
        limits: { editRequiresLock: true },
      });
      const alice = join('alice');
      const bob = join('bob');
      bob.fresh();
      const edits = () => bob.fresh().filter((m) => m.type === 'lwwDoc' || m.type === 'op');
      const write = (who: typeof alice, rid: number, resource: string) =>
        who.send(
          docMode === 'lww'
            ? { type: 'lwwSet', rid, resource, doc: bytes(`v${rid}`) }
            : { type: 'opSubmit', rid, resource, op: bytes(`{"v":${rid}}`) },
        );
      write(alice, 1, '');
      expect(alice.last('error')).toMatchObject({ code: ErrorCode.Forbidden, rid: 1 });
      alice.send({ type: 'lockAcquire', rid: 2, resource: 'layer-1' });
      write(alice, 3, '');
      expect(alice.last('error')).toMatchObject({ code: ErrorCode.Forbidden, rid: 3 });
      write(bob, 4, '');
      expect(bob.last('error')).toMatchObject({ code: ErrorCode.Forbidden, rid: 4 });
      // The document is untouched by all three; a write naming the holder's resource goes through.
      expect(edits()).toEqual([]);
      write(alice, 5, 'layer-1');
      expect(alice.errors()).toHaveLength(2);
      expect(edits()).toHaveLength(1);
    }
  });

  it('without a lock required, lets a write naming no resource through even while others hold locks', () => {
    const { join } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    bob.send({ type: 'lwwSet', rid: 2, resource: '', doc: bytes('whole') });
    expect(bob.errors()).toEqual([]);
    expect(alice.last('lwwDoc')).toMatchObject({ doc: bytes('whole') });
  });

  it('issues strictly increasing fencing tokens per resource', () => {
    const { join, clock } = makeRoom(open);
    const alice = join('alice');
    const bob = join('bob');
    const fences: number[] = [];
    for (let i = 0; i < 4; i++) {
      const who = i % 2 === 0 ? alice : bob;
      who.send({ type: 'lockAcquire', rid: i, resource: 'r' });
      fences.push(who.last('lockGranted')!.fence);
      if (i === 1) clock.advance(60_000);
      else who.send({ type: 'lockRelease', rid: 0, resource: 'r', lockId: who.lockId('r') });
    }
    expect(fences).toEqual([...fences].sort((a, b) => a - b));
    expect(new Set(fences).size).toBe(4);
  });

  it('caps the locks one user may hold and the resource id size', () => {
    const { join } = makeRoom({ ...open, limits: { maxLocksPerUser: 2, maxResourceIdBytes: 8 } });
    const alice = join('alice');
    alice.send({ type: 'lockAcquire', rid: 1, resource: 'a' });
    alice.send({ type: 'lockAcquire', rid: 2, resource: 'b' });
    alice.send({ type: 'lockAcquire', rid: 3, resource: 'c' });
    alice.send({ type: 'lockAcquire', rid: 4, resource: 'much-too-long' });
    alice.send({ type: 'lockAcquire', rid: 5, resource: '' });
    expect(alice.errors().map((e) => [e.rid, e.code])).toEqual([
      [3, ErrorCode.Conflict],
      [4, ErrorCode.PayloadTooLarge],
      [5, ErrorCode.BadMessage],
    ]);
  });

  it('releases a removed user’s locks', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    bob.send({ type: 'lockAcquire', rid: 1, resource: 'layer-1' });
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    expect(host.last('lockState')).toMatchObject({ reason: 'released', resource: 'layer-1' });
  });
});
