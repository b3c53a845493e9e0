import { ManualClock } from '@tandem/room';
import { describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AWARENESS_SEND_INTERVAL_MS, type AwarenessEntry, AwarenessSync } from '../src/index.js';

function bound() {
  const clock = new ManualClock();
  const awareness = new Awareness(new Y.Doc());
  const sent: AwarenessEntry[][] = [];
  const sync = new AwarenessSync(awareness, (states) => sent.push(states), clock);
  return { clock, awareness, sent, sync };
}

const cursorOf = (states: AwarenessEntry[]) => (JSON.parse(states[0]!.state) as { cursor?: number }).cursor;

describe('AwarenessSync', () => {
  it('sends the local state on connect, then at most once an interval with the latest last', () => {
    const { clock, awareness, sent, sync } = bound();
    awareness.setLocalStateField('cursor', 0);
    expect(sent).toEqual([]);
    sync.connected();
    expect(sent.map(cursorOf)).toEqual([0]);
    for (let i = 1; i <= 5; i++) awareness.setLocalStateField('cursor', i);
    expect(sent).toHaveLength(1);
    clock.advance(AWARENESS_SEND_INTERVAL_MS);
    expect(sent.map(cursorOf)).toEqual([0, 5]);
    expect(sent[1]![0]!.clock).toBe(awareness.meta.get(awareness.clientID)!.clock);
    awareness.destroy();
  });

  it('applies others’ entries but never one for its own id, and forgets them when disconnected', () => {
    const { awareness, sent, sync } = bound();
    sync.connected();
    const mine = awareness.getLocalState();
    sync.receive([
      { clientId: 42, clock: 1, state: '{"cursor":3}' },
      { clientId: awareness.clientID, clock: 99, state: 'null' },
    ]);
    expect(awareness.getStates().get(42)).toEqual({ cursor: 3 });
    expect(awareness.getLocalState()).toEqual(mine);
    // Applied from the room: not sent back.
    expect(sent).toHaveLength(1);
    sync.disconnected();
    expect(awareness.getStates().has(42)).toBe(false);
    awareness.setLocalStateField('cursor', 1);
    expect(sent).toHaveLength(1);
    awareness.destroy();
  });
});
