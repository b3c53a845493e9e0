import { decode, ErrorCode, encode, MESSAGES } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, PALETTE } from '../src/index.js';
import { bytes, makeRoom, type Peer } from './support/harness.js';

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
  const TICK = DEFAULT_LIMITS.cursorTickMs;
  const fourPeople = (join: (userId: string) => Peer) =>
    ['alice', 'bob', 'carol', 'dave'].map((u) => join(u)) as [Peer, Peer, Peer, Peer];

  it('relays a 2D cursor after one tick as an 11-byte frame naming the sender by slot', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    bob.fresh();
    alice.send({ type: 'cursor2d', x: 10.5, y: -3 });
    expect(bob.fresh()).toEqual([]);
    clock.advance(TICK);
    const frame = bob.socket.frames.at(-1)!;
    expect(frame.length).toBe(11);
    expect(frame[0]).toBe(MESSAGES.peerCursor2d.tag);
    expect(bob.fresh()).toEqual([{ type: 'peerCursor2d', slot: alice.slot, x: 10.5, y: -3 }]);
    expect(alice.of('peerCursor2d')).toEqual([]);
    expect(encode({ type: 'cursor2d', x: 1, y: 2 }).length).toBeLessThanOrEqual(12);
  });

  it('sends each recipient one frame per tick: every other sender’s latest 2D cursor, 10 bytes each', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const [alice, bob, carol, dave] = fourPeople(join);
    const before = [alice, bob, carol, dave].map((p) => p.socket.frames.length);
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    bob.send({ type: 'cursor2d', x: 2, y: 2 });
    alice.send({ type: 'cursor2d', x: 3, y: 3 });
    carol.send({ type: 'cursor2d', x: 4, y: 4 });
    clock.advance(TICK);
    const sent = [alice, bob, carol, dave].map((p, i) => p.socket.frames.slice(before[i]));
    for (const frames of sent) expect(frames).toHaveLength(1);
    expect(decode(sent[3]![0]!)).toEqual({
      type: 'peerCursors2d',
      cursors: [
        { slot: alice.slot, x: 3, y: 3 },
        { slot: bob.slot, x: 2, y: 2 },
        { slot: carol.slot, x: 4, y: 4 },
      ],
    });
    expect(sent[3]![0]!.length).toBe(2 + 3 * 10);
    // A sender gets the others, never itself.
    expect(decode(sent[0]![0]!)).toMatchObject({ cursors: [{ slot: bob.slot }, { slot: carol.slot }] });
    expect(decode(sent[1]![0]!)).toMatchObject({ cursors: [{ slot: alice.slot }, { slot: carol.slot }] });
    expect(decode(sent[2]![0]!)).toMatchObject({ cursors: [{ slot: alice.slot }, { slot: bob.slot }] });
    clock.advance(TICK * 10);
    expect(dave.socket.frames.length).toBe(before[3]! + 1);
  });

  it('batches mixed kinds of pointer in one frame per tick', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const [alice, bob, carol, dave] = fourPeople(join);
    const before = dave.socket.frames.length;
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    bob.send({ type: 'cursor2d', x: 2, y: 2 });
    carol.send({ type: 'selection', element: 'p-1', anchor: 0, head: 4 });
    clock.advance(TICK);
    expect(dave.socket.frames.length).toBe(before + 1);
    const batch = decode(dave.socket.frames.at(-1)!);
    if (batch.type !== 'batch') throw new Error(`expected a batch, got ${batch.type}`);
    expect(batch.frames.map((f) => decode(f.frame).type)).toEqual(['peerCursors2d', 'peerSelection']);
  });

  it('sends each move at once with a tick of 0', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { cursorTickMs: 0 } });
    const alice = join('alice');
    const bob = join('bob');
    bob.fresh();
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    alice.send({ type: 'cursor2d', x: 2, y: 2 });
    expect(bob.fresh()).toEqual([
      { type: 'peerCursor2d', slot: alice.slot, x: 1, y: 1 },
      { type: 'peerCursor2d', slot: alice.slot, x: 2, y: 2 },
    ]);
  });

  it('relays 3D cursors and text selections', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor3d', x: 1, y: 2, z: 3 });
    clock.advance(TICK);
    expect(bob.socket.frames.at(-1)!.length).toBeLessThanOrEqual(16);
    expect(bob.last('peerCursor3d')).toMatchObject({ slot: alice.slot, x: 1, y: 2, z: 3 });
    alice.send({ type: 'selection', element: 'paragraph-7', anchor: 3, head: 12 });
    clock.advance(TICK);
    expect(bob.last('peerSelection')).toMatchObject({
      slot: alice.slot,
      element: 'paragraph-7',
      anchor: 3,
      head: 12,
    });
  });

  it('shows a late joiner where everyone’s cursor is, before it is admitted', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: 5, y: 6 });
    bob.send({ type: 'cursor2d', x: 7, y: 8 });
    clock.advance(TICK);
    const carol = join('carol');
    const types = carol.all().map((m) => m.type);
    expect(types.indexOf('peerCursor2d')).toBeLessThan(types.indexOf('admission'));
    expect(carol.of('peerCursor2d')).toEqual([
      { type: 'peerCursor2d', slot: alice.slot, x: 5, y: 6 },
      { type: 'peerCursor2d', slot: bob.slot, x: 7, y: 8 },
    ]);
  });

  it('stops a hidden page’s cursor while its presence stays', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'visibility', hidden: true });
    expect(bob.last('peerVisibility')).toEqual({ type: 'peerVisibility', slot: alice.slot, hidden: true });
    bob.fresh();
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    clock.advance(TICK);
    expect(bob.fresh()).toEqual([]);
    alice.send({ type: 'presenceSet', presence: bytes('{"away":true}') });
    expect(bob.last('presence')?.slot).toBe(alice.slot);
    const carol = join('carol');
    expect(carol.last('roster')?.participants.find((p) => p.slot === alice.slot)?.hidden).toBe(true);
    expect(carol.of('peerCursor2d')).toEqual([]);
    alice.send({ type: 'visibility', hidden: false });
    alice.send({ type: 'cursor2d', x: 2, y: 2 });
    clock.advance(TICK);
    expect(bob.last('peerCursor2d')).toMatchObject({ slot: alice.slot, x: 2, y: 2 });
  });

  it('never sends a cursor still waiting for its tick after the end of that cursor was announced', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const [alice, bob, carol, dave] = fourPeople(join);
    dave.fresh();
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    alice.send({ type: 'visibility', hidden: true });
    bob.send({ type: 'cursor2d', x: 2, y: 2 });
    bob.send({ type: 'cursorClear' });
    carol.send({ type: 'cursor2d', x: 3, y: 3 });
    carol.disconnect();
    clock.advance(TICK);
    expect(dave.fresh().map((m) => m.type)).toEqual(['peerVisibility', 'peerCursorClear', 'peerLeave']);
  });

  it('clears a cursor for everyone when it leaves the surface', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: 1, y: 1 });
    clock.advance(TICK);
    alice.send({ type: 'cursorClear' });
    expect(bob.last('peerCursorClear')?.slot).toBe(alice.slot);
    expect(join('carol').of('peerCursor2d')).toEqual([]);
  });

  it('refuses non-finite coordinates', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    alice.send({ type: 'cursor2d', x: Number.NaN, y: 1 });
    alice.send({ type: 'cursor3d', x: 1, y: Number.POSITIVE_INFINITY, z: 0 });
    clock.advance(TICK);
    expect(alice.errors().map((e) => e.code)).toEqual([ErrorCode.BadMessage, ErrorCode.BadMessage]);
    expect(bob.of('peerCursor2d')).toEqual([]);
    expect(bob.of('peerCursor3d')).toEqual([]);
  });

  it('stops its tick when the room closes', async () => {
    const { join, clock, room } = makeRoom({ settings: { policy: 'open' } });
    join('alice').send({ type: 'cursor2d', x: 1, y: 1 });
    join('bob');
    expect(clock.pending).toBeGreaterThan(0);
    await room.close();
    expect(clock.pending).toBe(0);
  });
});
