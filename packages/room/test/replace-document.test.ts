import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { DocumentRefused, MemoryRoomStore, type RoomWrite } from '../src/index.js';
import { bytes, makeRoom } from './support/harness.js';

/** A store that refuses every write once told to. */
class FailingStore extends MemoryRoomStore {
  failing = false;
  override async write(roomId: string, writes: readonly RoomWrite[]): Promise<void> {
    if (this.failing) throw new Error('the disk is full');
    await super.write(roomId, writes);
  }
}

describe('the host process replacing the document', () => {
  it('lww: the next version, sent to everyone with slot 0, resolved once stored', async () => {
    const { join, room, store } = makeRoom({ settings: { policy: 'open' } });
    const alice = join('alice');
    alice.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('mine') });
    const version = await room.replaceDocument('lww', bytes('backend'));
    expect(version).toBe(2);
    expect(alice.last('lwwDoc')).toEqual({ type: 'lwwDoc', version: 2, slot: 0, doc: bytes('backend') });
    expect((await store.load('room-1'))?.doc).toEqual({ mode: 'lww', version: 2, doc: bytes('backend') });
    expect(room.readDocument()).toEqual({ mode: 'lww', version: 2, doc: bytes('backend') });
  });

  it('ops: a snapshot past the log, which is dropped; clients are sent it as a joiner would be', async () => {
    const { join, room, store } = makeRoom({ settings: { policy: 'open', docMode: 'ops' } });
    const alice = join('alice');
    alice.send({ type: 'opSubmit', rid: 1, resource: 'a', op: bytes('{"o":1}') });
    const seq = await room.replaceDocument('ops', bytes('{"s":1}'));
    expect(seq).toBe(2);
    expect(alice.last('opsSync')).toEqual({ type: 'opsSync', baseSeq: 2, base: bytes('{"s":1}'), ops: [] });
    expect(room.readDocument()).toEqual({ mode: 'ops', seq: 2, baseSeq: 2, base: bytes('{"s":1}'), ops: [] });
    expect((await store.load('room-1'))?.doc).toMatchObject({ seq: 2, baseSeq: 2, ops: [] });
  });

  it('refuses another mode or a document over the cap, changing nothing', async () => {
    const { room } = makeRoom({ settings: { policy: 'open' }, limits: { maxDocBytes: 8 } });
    await expect(room.replaceDocument('ops', bytes('x'))).rejects.toEqual(
      new DocumentRefused(ErrorCode.WrongDocMode, "this room's document mode is lww, not ops", 'lww'),
    );
    const tooLarge = room.replaceDocument('lww', new Uint8Array(9));
    await expect(tooLarge).rejects.toBeInstanceOf(DocumentRefused);
    await expect(tooLarge).rejects.toMatchObject({ code: ErrorCode.DocTooLarge });
    expect(room.readDocument()).toEqual({ mode: 'lww', version: 0, doc: new Uint8Array(0) });
  });

  it('rejects when the store refuses the write; a closed room refuses at once', async () => {
    const store = new FailingStore();
    const { room } = makeRoom({ settings: { policy: 'open' }, store });
    await room.idle();
    store.failing = true;
    await expect(room.replaceDocument('lww', bytes('lost'))).rejects.toThrow(/disk is full/);
    await expect(room.replaceDocument('lww', bytes('later'))).rejects.toThrow(/closed/);
  });
});
