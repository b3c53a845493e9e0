import { ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { PALETTE } from '../src/index.js';
import { bytes, makeRoom } from './support/harness.js';

describe('roster', () => {
  it('assigns each connection its own slot and names it from the verified identity only', () => {
    const { peer, join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice', { name: 'Alice' });
    const bob = peer('bob', { name: 'Bob' }).hello(0, 'Mallory');
    expect(alice.slot).not.toBe(bob.slot);
    expect(bob.welcome.name).toBe('Bob');
    expect(alice.last('peerJoin')).toMatchObject({ slot: bob.slot, userId: 'bob', name: 'Bob' });
  });

  it('strips control and bidi-override characters from names, whatever their source', () => {
    const { peer } = makeRoom();
    expect(peer('a', { name: '' }).hello(0, '\u202Eevil\u0007 Bob ').welcome.name).toBe('evil Bob');
    expect(peer('b', { name: 'Ada\u2066\u0000' }).hello().welcome.name).toBe('Ada');
    expect(peer('c', { name: '\u202E\u202E' }).hello(0, '\u0001').welcome.name).toBe('Guest');
  });

  it('uses the hello name only when the identity has none', () => {
    const { peer } = makeRoom();
    expect(peer('anon', { name: '' }).hello(0, '  Guest Star ').welcome.name).toBe('Guest Star');
    expect(peer('anon2', { name: '' }).hello().welcome.name).toBe('Guest');
  });

  it('gives the roster to a joiner with everyone present, self included', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'presenceSet', presence: bytes('{"tool":"pen"}') });
    const bob = join('bob');
    const roster = bob.last('roster')!.participants;
    expect(roster.map((p) => p.userId)).toEqual(['alice', 'bob']);
    expect(roster[0]).toMatchObject({ role: 'host', presence: bytes('{"tool":"pen"}'), hidden: false });
  });

  it('tells everyone at once when someone leaves', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    bob.disconnect();
    expect(alice.last('peerLeave')?.slot).toBe(bob.slot);
  });

  it('assigns colours that differ from everyone present while the palette allows, kept for the session', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { maxParticipants: 20 } });
    const peers = Array.from({ length: PALETTE.length }, (_, i) => join(`u${i}`));
    const colours = peers.map((p) => p.welcome.color);
    expect(new Set(colours).size).toBe(PALETTE.length);
    peers[3]!.disconnect();
    const next = join('late');
    expect(next.welcome.color).toBe(colours[3]);
    expect(peers[0]!.last('peerJoin')?.color).toBe(colours[3]);
  });

  it('never reuses a live slot', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const a = join('a');
    const b = join('b');
    b.disconnect();
    const c = join('c');
    expect(new Set([a.slot, b.slot, c.slot]).size).toBe(3);
  });
});

describe('presence', () => {
  it('relays app-defined presence to the others, not back to the sender', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'presenceSet', presence: bytes('{"selected":"layer-2"}') });
    expect(bob.last('presence')).toEqual({
      type: 'presence',
      slot: alice.slot,
      presence: bytes('{"selected":"layer-2"}'),
    });
    expect(alice.of('presence')).toEqual([]);
  });

  it('refuses presence over its size cap and keeps the old one', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { maxPresenceBytes: 8 } });
    const alice = join('alice');
    alice.send({ type: 'presenceSet', presence: bytes('{"a":1}') });
    alice.send({ type: 'presenceSet', presence: bytes('{"a":"too long"}') });
    expect(alice.last('error')?.code).toBe(ErrorCode.PayloadTooLarge);
    const bob = join('bob');
    expect(bob.last('roster')?.participants[0]?.presence).toEqual(bytes('{"a":1}'));
  });
});

describe('cursors', () => {
  it('relays a 2D cursor as an 11-byte frame naming the sender by slot', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: 10.5, y: -3 });
    const frame = bob.socket.frames.at(-1)!;
    expect(frame.length).toBe(11);
    expect(frame[0]).toBe(MESSAGES.peerCursor2d.tag);
    expect(bob.last('peerCursor2d')).toEqual({ type: 'peerCursor2d', slot: alice.slot, x: 10.5, y: -3 });
    expect(encode({ type: 'cursor2d', x: 1, y: 2 }).length).toBeLessThanOrEqual(12);
  });

  it('relays 3D cursors and text selections', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor3d', x: 1, y: 2, z: 3 });
    alice.send({ type: 'selection', element: 'paragraph-7', anchor: 3, head: 12 });
    expect(bob.socket.frames.at(-2)!.length).toBeLessThanOrEqual(16);
    expect(bob.last('peerCursor3d')).toMatchObject({ slot: alice.slot, x: 1, y: 2, z: 3 });
    expect(bob.last('peerSelection')).toMatchObject({
      slot: alice.slot,
      element: 'paragraph-7',
      anchor: 3,
      head: 12,
    });
  });

  it('shows a late joiner where everyone’s cursor is', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'cursor2d', x: 5, y: 6 });
    const bob = join('bob');
    const batch = bob.last('batch');
    expect(batch?.frames).toHaveLength(1);
    expect(batch?.frames[0]?.frame).toEqual(encode({ type: 'peerCursor2d', slot: alice.slot, x: 5, y: 6 }));
  });

  it('stops a hidden page’s cursor while its presence stays', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'visibility', hidden: true });
    expect(bob.last('peerVisibility')).toEqual({ type: 'peerVisibility', slot: alice.slot, hidden: true });
    bob.fresh();
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    expect(bob.fresh()).toEqual([]);
    alice.send({ type: 'presenceSet', presence: bytes('{"away":true}') });
    expect(bob.last('presence')?.slot).toBe(alice.slot);
    const carol = join('carol');
    expect(carol.last('roster')?.participants.find((p) => p.slot === alice.slot)?.hidden).toBe(true);
    expect(carol.of('batch')).toEqual([]);
    alice.send({ type: 'visibility', hidden: false });
    alice.send({ type: 'cursor2d', x: 2, y: 2 });
    expect(bob.last('peerCursor2d')).toMatchObject({ slot: alice.slot, x: 2, y: 2 });
  });

  it('clears a cursor for everyone when it leaves the surface', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    alice.send({ type: 'cursorClear' });
    expect(bob.last('peerCursorClear')?.slot).toBe(alice.slot);
    expect(join('carol').of('batch')).toEqual([]);
  });

  it('refuses non-finite coordinates', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: Number.NaN, y: 1 });
    alice.send({ type: 'cursor3d', x: 1, y: Number.POSITIVE_INFINITY, z: 0 });
    expect(alice.errors().map((e) => e.code)).toEqual([ErrorCode.BadMessage, ErrorCode.BadMessage]);
    expect(bob.of('peerCursor2d')).toEqual([]);
    expect(bob.of('peerCursor3d')).toEqual([]);
  });
});
