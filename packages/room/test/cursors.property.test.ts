/**
 * Property test of cursor fan-out on its tick. fast-check generates moves (2D, 3D, selections),
 * clears, hides and shows, joins, leaves and clock advances by up to six people in an open room;
 * each person's view of everyone's pointer is built only from the frames it received (batches and
 * packed 2D cursors unpacked as a client does). After every step:
 *
 * 1. no one sees their own pointer, a pointer of someone whose leave it was told, or of someone it
 *    was told is hidden;
 * 2. no one gets more than one pointer frame per clock advance (nobody moves during one, so one
 *    tick covers every move before it);
 * 3. once a whole tick has passed, every view equals the truth: each visible sender's latest
 *    pointer, and nothing for those who cleared, hid or left.
 */
import { decode, decodeAll, type Message } from '@tandem/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/index.js';
import { makeRoom, type Peer } from './support/harness.js';

const TICK = DEFAULT_LIMITS.cursorTickMs;
const POINTERS = new Set(['peerCursor2d', 'peerCursor3d', 'peerSelection']);

type Action =
  | { readonly k: 'join' }
  | { readonly k: 'leave'; readonly pick: number }
  | { readonly k: 'move'; readonly pick: number; readonly kind: '2d' | '3d' | 'sel'; readonly n: number }
  | { readonly k: 'clear'; readonly pick: number }
  | { readonly k: 'hide'; readonly pick: number; readonly hidden: boolean }
  | { readonly k: 'advance'; readonly ms: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ k: 'join' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('leave' as const), pick: fc.nat() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('move' as const),
      pick: fc.nat(),
      kind: fc.constantFrom('2d' as const, '3d' as const, 'sel' as const),
      n: fc.integer({ min: -1000, max: 1000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clear' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('hide' as const), pick: fc.nat(), hidden: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3 * TICK }) }),
  },
);

/** One person: the truth of their own pointer, and their view of everyone else's. */
interface Person {
  readonly peer: Peer;
  readonly slot: number;
  hidden: boolean;
  /** The pointer message the others should see, or undefined. */
  pointer: Message | undefined;
  readonly view: Map<number, Message>;
  readonly toldHidden: Set<number>;
  readonly toldLeft: Set<number>;
  /** Pointer-carrying frames received during the current clock advance. */
  pointerFrames: number;
}

class World {
  private readonly h = makeRoom({
    settings: { policy: 'open' },
    limits: { budgets: { cursor: 1_000_000, presence: 1_000_000, control: 1_000_000 } },
  });
  private readonly people: Person[] = [];
  /** Frames of each person already applied to its view. */
  private readonly readCount = new Map<Person, number>();
  private joined = 0;

  do(a: Action): void {
    const p = 'pick' in a ? this.people[a.pick % Math.max(1, this.people.length)] : undefined;
    switch (a.k) {
      case 'join': {
        if (this.people.length >= 6) return;
        const peer = this.h.join(`user-${this.joined++}`);
        const person: Person = {
          peer,
          slot: peer.slot,
          hidden: false,
          pointer: undefined,
          view: new Map(),
          toldHidden: new Set(),
          toldLeft: new Set(),
          pointerFrames: 0,
        };
        for (const q of peer.of('roster')[0]?.participants ?? []) if (q.hidden) person.toldHidden.add(q.slot);
        this.people.push(person);
        this.read(person);
        break;
      }
      case 'leave':
        if (!p) return;
        p.peer.disconnect();
        this.people.splice(this.people.indexOf(p), 1);
        break;
      case 'move': {
        if (!p) return;
        const { slot } = p;
        if (a.kind === '2d') {
          p.peer.send({ type: 'cursor2d', x: a.n, y: -a.n });
          if (!p.hidden) p.pointer = { type: 'peerCursor2d', slot, x: a.n, y: -a.n };
        } else if (a.kind === '3d') {
          p.peer.send({ type: 'cursor3d', x: a.n, y: 1, z: 2 });
          if (!p.hidden) p.pointer = { type: 'peerCursor3d', slot, x: a.n, y: 1, z: 2 };
        } else {
          const anchor = Math.abs(a.n);
          p.peer.send({ type: 'selection', element: `el-${anchor % 3}`, anchor, head: anchor + 1 });
          if (!p.hidden) {
            p.pointer = {
              type: 'peerSelection',
              slot,
              element: `el-${anchor % 3}`,
              anchor,
              head: anchor + 1,
            };
          }
        }
        break;
      }
      case 'clear':
        if (!p) return;
        p.peer.send({ type: 'cursorClear' });
        if (!p.hidden) p.pointer = undefined;
        break;
      case 'hide':
        if (!p) return;
        p.peer.send({ type: 'visibility', hidden: a.hidden });
        if (a.hidden) p.pointer = undefined;
        p.hidden = a.hidden;
        break;
      case 'advance': {
        for (const q of this.people) q.pointerFrames = 0;
        this.h.clock.advance(a.ms);
        for (const q of this.people) {
          this.read(q);
          expect(q.pointerFrames, 'pointer frames in one advance').toBeLessThanOrEqual(1);
        }
        if (a.ms >= TICK) this.converged();
        return;
      }
    }
    for (const q of this.people) this.read(q);
  }

  /** Applies everything `q` received since the last read to its view, checking property 1. */
  private read(q: Person): void {
    for (const frame of q.peer.socket.frames.slice(this.readCount.get(q) ?? 0)) {
      const first = decode(frame);
      if (first.type === 'batch' || first.type === 'peerCursors2d' || POINTERS.has(first.type))
        q.pointerFrames++;
      for (const m of decodeAll(frame)) this.apply(q, m);
    }
    this.readCount.set(q, q.peer.socket.frames.length);
  }

  private apply(q: Person, m: Message): void {
    if (POINTERS.has(m.type) && 'slot' in m) {
      expect(m.slot, 'own pointer echoed').not.toBe(q.slot);
      expect(q.toldLeft.has(m.slot), `pointer of slot ${m.slot} after its leave`).toBe(false);
      expect(q.toldHidden.has(m.slot), `pointer of slot ${m.slot} while hidden`).toBe(false);
      q.view.set(m.slot, m);
      return;
    }
    switch (m.type) {
      case 'peerCursorClear':
        q.view.delete(m.slot);
        return;
      case 'peerVisibility':
        if (m.hidden) {
          q.toldHidden.add(m.slot);
          q.view.delete(m.slot);
        } else {
          q.toldHidden.delete(m.slot);
        }
        return;
      case 'peerLeave':
        q.toldLeft.add(m.slot);
        q.view.delete(m.slot);
        return;
      default:
        return;
    }
  }

  /** Property 3: a tick after the last move, every view is the truth. */
  private converged(): void {
    for (const q of this.people) {
      const want = new Map<number, Message>();
      for (const s of this.people) if (s !== q && s.pointer) want.set(s.slot, s.pointer);
      expect(Object.fromEntries(q.view), `view of slot ${q.slot}`).toEqual(Object.fromEntries(want));
    }
  }
}

describe('cursor fan-out on its tick', () => {
  it('never echoes, never revives a cursor that ended, sends one frame per tick and converges', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 80 }), (actions) => {
        const world = new World();
        for (const a of actions) world.do(a);
        world.do({ k: 'advance', ms: TICK });
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});
