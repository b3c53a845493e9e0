import { describe, expect, it } from 'vitest';
import { type OpsChannel, OpsMirror } from '../src/documents/ops-mirror.js';
import { TandemError } from '../src/index.js';

/** What the room would see of the mirror's sends, answered by the test as the room would answer. */
class ScriptedRoom implements OpsChannel {
  readonly sent: {
    rid: number;
    op: Uint8Array;
    resolve: (seq: number) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private nextRid = 1;

  submit(op: Uint8Array, _resource: string, rid?: number): { rid: number; done: Promise<number> } {
    const id = rid ?? this.nextRid++;
    const done = new Promise<number>((resolve, reject) => this.sent.push({ rid: id, op, resolve, reject }));
    return { rid: id, done };
  }

  snapshot(): void {}

  isMine(): boolean {
    return false;
  }

  /** The connection dropped: every request in flight fails as the SDK fails them. */
  drop(): void {
    for (const s of this.sent.splice(0)) s.reject(TandemError.disconnected());
  }
}

const reducer = { initial: [] as string[], apply: (s: string[], op: string) => [...s, op] };

describe('the ops mirror', () => {
  it('resolves an op when the room acknowledges it durable, not when it sees the op sequenced', async () => {
    const room = new ScriptedRoom();
    const ops = new OpsMirror<string[], string>(room).use(reducer);
    let resolved: number | undefined;
    void ops.submit('X').then((seq) => {
      resolved = seq;
    });
    const [first] = room.sent;
    ops.receive({ seq: 7, slot: 1, rid: first!.rid, resource: '', op: first!.op });
    await Promise.resolve();
    expect(resolved).toBeUndefined();
    expect(ops.state).toEqual(['X']);

    // The room fails before storing it; after the reconnect the op goes again under its first id.
    room.drop();
    ops.receiveSync({ type: 'opsSync', baseSeq: 0, base: new Uint8Array(0), ops: [] });
    expect(ops.state).toEqual(['X']);
    ops.resubmitPending();
    expect(room.sent.map((s) => s.rid)).toEqual([first!.rid]);
    ops.receive({ seq: 2 ** 24 + 1, slot: 2, rid: first!.rid, resource: '', op: first!.op });
    room.sent[0]!.resolve(2 ** 24 + 1);
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(2 ** 24 + 1);
    expect(ops.state).toEqual(['X']);
  });

  it('an op the room answers without sequencing it again stops being applied on top', async () => {
    const room = new ScriptedRoom();
    const ops = new OpsMirror<string[], string>(room).use(reducer);
    const done = ops.submit('X');
    room.drop();
    // The catch-up is a snapshot that already holds it; its ids are gone.
    ops.receiveSync({ type: 'opsSync', baseSeq: 5, base: new TextEncoder().encode('["X"]'), ops: [] });
    expect(ops.state).toEqual(['X', 'X']);
    ops.resubmitPending();
    room.sent[0]!.resolve(4);
    expect(await done).toBe(4);
    expect(ops.state).toEqual(['X']);
  });
});
