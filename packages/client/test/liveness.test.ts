import { ManualClock } from '@tandem/room';
import { describe, expect, it } from 'vitest';
import { Liveness } from '../src/connection/liveness.js';
import { watchNetwork } from '../src/connection/network.js';

function watched(options = { pingAfterMs: 1_000, timeoutMs: 2_000 }) {
  const clock = new ManualClock();
  const pings: number[] = [];
  const verdicts: number[] = [];
  const liveness = new Liveness(
    options,
    () => pings.push(clock.now()),
    (quiet) => verdicts.push(quiet),
    clock,
  );
  return { clock, pings, verdicts, liveness };
}

describe('the liveness watch', () => {
  it('pings a quiet connection and gives it up when the ping goes unanswered', () => {
    const { clock, pings, verdicts } = watched();
    clock.advance(999);
    expect(pings).toHaveLength(0);
    clock.advance(1);
    expect(pings).toHaveLength(1);
    clock.advance(1_999);
    expect(verdicts).toEqual([]);
    clock.advance(1);
    expect(verdicts).toEqual([3_000]);
    clock.advance(60_000);
    expect(pings).toHaveLength(1);
    expect(verdicts).toHaveLength(1);
  });

  it('keeps a connection that answers, and pings only after a quiet spell', () => {
    const { clock, pings, verdicts, liveness } = watched();
    for (let i = 0; i < 10; i++) {
      clock.advance(600);
      liveness.heard();
    }
    expect(pings).toHaveLength(0);
    clock.advance(1_000);
    expect(pings).toHaveLength(1);
    // Each ping answered (the pong) half a second later: never given up.
    for (let i = 0; i < 20; i++) {
      const sent = pings.length;
      clock.advance(500);
      liveness.heard();
      while (pings.length === sent) clock.advance(100);
    }
    expect(verdicts).toEqual([]);
    expect(pings).toHaveLength(21);
  });

  it('stops for good when told', () => {
    const { clock, pings, verdicts, liveness } = watched();
    liveness.stop();
    clock.advance(60_000);
    expect(pings).toEqual([]);
    expect(verdicts).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe('the network watch', () => {
  it('reports offline and online from the window, and lets go when detached', () => {
    const target = new EventTarget();
    const seen: boolean[] = [];
    const detach = watchNetwork((online) => seen.push(online), target);
    target.dispatchEvent(new Event('offline'));
    target.dispatchEvent(new Event('online'));
    detach?.();
    target.dispatchEvent(new Event('offline'));
    expect(seen).toEqual([false, true]);
  });

  it('watches nothing where there is no window (Node)', () => {
    expect(watchNetwork(() => undefined)).toBeUndefined();
  });
});
