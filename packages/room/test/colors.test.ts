import { describe, expect, it } from 'vitest';
import { PALETTE } from '../src/index.js';
import { makeRoom } from './support/harness.js';

describe('colours belong to people', () => {
  it('gives every tab of one user the same colour, and the next user another', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const aliceTab2 = join('alice');
    const bob = join('bob');
    expect(aliceTab2.welcome.color).toBe(alice.welcome.color);
    expect(bob.welcome.color).not.toBe(alice.welcome.color);
  });

  it('keeps a colour across a reconnect, whether the old socket lingers or is gone', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    const bob = join('bob');
    // Reconnected while the dropped socket is not closed yet.
    const bobAgain = join('bob');
    bob.disconnect();
    expect(bobAgain.welcome.color).toBe(bob.welcome.color);
    bobAgain.disconnect();
    const carol = join('carol');
    const bobLater = join('bob');
    expect(bobLater.welcome.color).toBe(bob.welcome.color);
    expect(carol.welcome.color).not.toBe(bob.welcome.color);
    expect(new Set([alice, bobLater, carol].map((p) => p.welcome.color)).size).toBe(3);
  });

  it('does not give a colour whose owner left to someone new while the palette has others', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { maxParticipants: 30 } });
    join('host');
    const gone = join('gone');
    gone.disconnect();
    const newcomers = Array.from({ length: PALETTE.length - 2 }, (_, i) => join(`n${i}`));
    expect(newcomers.map((p) => p.welcome.color)).not.toContain(gone.welcome.color);
  });

  it('once the palette is exhausted, reuses the colour unused longest, and the one who lost it gets a fresh one', () => {
    const { join, clock } = makeRoom({ settings: { policy: 'open' }, limits: { maxParticipants: 30 } });
    const first = Array.from({ length: PALETTE.length }, (_, i) => join(`u${i}`));
    expect(new Set(first.map((p) => p.welcome.color)).size).toBe(PALETTE.length);
    first[5]!.disconnect();
    clock.advance(1000);
    first[2]!.disconnect();
    clock.advance(1000);
    const late = join('late');
    expect(late.welcome.color).toBe(first[5]!.welcome.color);
    const later = join('later');
    expect(later.welcome.color).toBe(first[2]!.welcome.color);
    // u5's colour went to `late`, who is here: u5 comes back with another.
    const back = join('u5');
    expect(back.welcome.color).not.toBe(late.welcome.color);
  });

  it('shares out colours evenly when more people are present than the palette has', () => {
    const { join } = makeRoom({ settings: { policy: 'open' }, limits: { maxParticipants: 30 } });
    const people = Array.from({ length: PALETTE.length * 2 }, (_, i) => join(`u${i}`));
    const counts = new Map<string, number>();
    for (const p of people) counts.set(p.welcome.color, (counts.get(p.welcome.color) ?? 0) + 1);
    expect([...counts.values()]).toEqual(PALETTE.map(() => 2));
  });

  it('keeps a waiting guest’s colour when admitted, and after being let in again', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    expect(host.last('peerJoin')?.color).toBe(bob.welcome.color);
    bob.disconnect();
    expect(join('bob').welcome.color).toBe(bob.welcome.color);
  });
});
