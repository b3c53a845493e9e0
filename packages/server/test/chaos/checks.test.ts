import { describe, expect, it } from 'vitest';
import { checkRun, type Replica } from './checks.js';
import { type ClientHistory, emptyHistory, type LockSeen, type Mode } from './workload.js';

function history(name: string, mode: Mode, over: Partial<ClientHistory> = {}): ClientHistory {
  return { ...emptyHistory(name, mode), ...over };
}

function replica(name: string, mode: Mode, state: string, over: Partial<Replica> = {}): Replica {
  return {
    name,
    mode,
    history: history(name, mode),
    state,
    version: 0,
    roster: ['a', 'b', 'reader'],
    chat: [],
    ...over,
  };
}

/** Two clients and a reader of one ops room, all holding `state` unless told otherwise. */
function opsRoom(state: string[], a: Partial<ClientHistory>, over: Partial<Replica> = {}) {
  const json = JSON.stringify(state);
  const clients = [
    replica('a', 'ops', json, { history: history('a', 'ops', a), ...over }),
    replica('b', 'ops', json),
  ];
  return { clients, readers: new Map([['ops' as Mode, replica('reader', 'ops', json)]]) };
}

describe('the chaos checks', () => {
  it('find nothing in a run where everything held', () => {
    const { clients, readers } = opsRoom(['a-1', 'a-2'], { made: ['a-1', 'a-2'], acked: new Set(['a-1']) });
    expect(checkRun(clients, readers)).toEqual([]);
  });

  it('find an acknowledged op that is gone, one applied twice, and one nobody made', () => {
    const { clients, readers } = opsRoom(['a-2', 'a-2', 'z-9'], {
      made: ['a-1', 'a-2'],
      acked: new Set(['a-1', 'a-2']),
    });
    expect(checkRun(clients, readers)).toEqual([
      'ops: a-2 applied 2 times',
      'ops: z-9 was never submitted',
      'ops: acknowledged a-1 lost (acknowledged at ?)',
    ]);
  });

  it('find replicas that differ', () => {
    const { clients, readers } = opsRoom(['a-1'], { made: ['a-1'] });
    const differing = [clients[0]!, { ...clients[1]!, state: '[]' }];
    expect(checkRun(differing, readers)).toEqual([
      expect.stringMatching(/^ops: replicas differ: a, reader: .* \| b: \[\]/),
    ]);
  });

  it('find an lww document behind an acknowledged write', () => {
    const a = replica('a', 'lww', '{"token":"a-1"}', {
      version: 3,
      history: history('a', 'lww', { lwwAcked: [{ version: 4, value: 'a-2' }] }),
    });
    const b = replica('b', 'lww', '{"token":"a-1"}', { version: 3 });
    const reader = replica('reader', 'lww', '{"token":"a-1"}', { version: 3 });
    expect(checkRun([a, b], new Map([['lww', reader]]))).toEqual([
      'lww: final version 3 is behind the acknowledged version 4',
    ]);
  });

  it('find a Yjs item missing or twice', () => {
    const state = JSON.stringify(['a-1', 'a-1']);
    const a = replica('a', 'yjs', state, { history: history('a', 'yjs', { made: ['a-1', 'a-2'] }) });
    const reader = replica('reader', 'yjs', state);
    expect(checkRun([a, replica('b', 'yjs', state)], new Map([['yjs', reader]]))).toEqual([
      'yjs: a-1 is in the document 2 times',
      'yjs: a-2 is in the document 0 times',
    ]);
  });

  it('find a chat message posted twice', () => {
    const { clients, readers } = opsRoom([], {}, { chat: ['hi', 'hi'] });
    expect(checkRun(clients, readers)).toEqual(['chat: a sees "hi" 2 times']);
  });

  it('find a ghost in a roster and someone missing from one', () => {
    const { clients, readers } = opsRoom([], {}, { roster: ['a', 'b', 'ghost', 'reader'] });
    clients[1] = { ...clients[1]!, roster: ['b', 'reader'] };
    expect(checkRun(clients, readers)).toEqual([
      "ops: a's roster is [a, b, ghost, reader], the room holds [a, b, reader]",
      "ops: b's roster is [b, reader], the room holds [a, b, reader]",
    ]);
  });

  it('find a fence granted to two holders, and a holder seen with a fence older than the last', () => {
    const seen = (observer: string, holder: string, fence: number): LockSeen => ({
      resource: 'res-1',
      room: 'ops',
      holder,
      fence,
      observer,
    });
    const { clients, readers } = opsRoom([], {
      locks: [seen('a', 'a', 5), seen('a', '', 5), seen('a', 'b', 7)],
    });
    clients[1] = {
      ...clients[1]!,
      history: history('b', 'ops', {
        locks: [seen('b', 'a', 5), seen('b', 'b', 5), seen('b', 'b', 7), seen('b', 'a', 6)],
      }),
    };
    expect(checkRun(clients, readers)).toEqual([
      'locks: ops/res-1 fence 5 granted to a and b',
      'locks: b saw ops/res-1 go to a with fence 6 after b held it with 7',
    ]);
  });
});
