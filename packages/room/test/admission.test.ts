import { closeCodeOf, ErrorCode, MESSAGES, type MessageName } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { bytes, makeRoom, typesReceived } from './support/harness.js';

const PRE_ADMISSION: ReadonlySet<MessageName> = new Set(['welcome', 'admission', 'error', 'pong']);

describe('admission', () => {
  it('makes the first user to say hello the host, admitted at once', () => {
    const { join } = makeRoom();
    const host = join('alice');
    expect(host.welcome.role).toBe('host');
    expect(host.admitted).toBe(true);
    expect(host.of('settings')[0]?.hostUserId).toBe('alice');
  });

  it('binds the host role to the user id, so a host who reconnects is host again', () => {
    const { join } = makeRoom();
    join('alice').disconnect();
    const again = join('alice');
    expect(again.welcome.role).toBe('host');
    expect(again.admitted).toBe(true);
  });

  it('admits everyone under the open policy', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    join('alice');
    const bob = join('bob');
    expect(bob.admitted).toBe(true);
    expect(bob.welcome.role).toBe('guest');
  });

  it('puts a guest in the waiting room under host-approval and shows it in the host waiting list', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob', { email: 'bob@example.com' });
    expect(bob.of('admission').map((a) => a.state)).toEqual(['waiting']);
    expect(host.last('waitingList')?.waiting).toEqual([
      { slot: bob.slot, userId: 'bob', name: 'bob', email: 'bob@example.com', color: bob.welcome.color },
    ]);
  });

  it('sends a waiting guest nothing of the room: no document, presence, cursors or chat', () => {
    const { join } = makeRoom({ settings: { policy: 'host-approval' } });
    const host = join('alice');
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('{"secret":true}') });
    host.send({ type: 'presenceSet', presence: bytes('{"tool":"brush"}') });
    host.send({ type: 'chatSend', rid: 2, body: bytes('"hello"') });
    const bob = join('bob');
    host.send({ type: 'cursor2d', x: 1, y: 2 });
    host.send({ type: 'chatSend', rid: 3, body: bytes('"still secret"') });
    host.send({ type: 'lockAcquire', rid: 4, resource: 'layer-1' });
    bob.send({ type: 'chatSend', rid: 1, body: bytes('"let me in"') });

    for (const frame of bob.socket.frames) {
      const tag = frame[0];
      const allowed = [...PRE_ADMISSION].map((n) => MESSAGES[n].tag);
      expect(allowed).toContain(tag);
    }
    expect(typesReceived(bob)).toEqual(new Set(['welcome', 'admission', 'error']));
    expect(bob.errors().map((e) => e.code)).toEqual([ErrorCode.NotAdmitted]);
  });

  it('gives the guest the current room once the host adds them, then syncs edits both ways', () => {
    const { join } = makeRoom();
    const host = join('alice');
    host.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v1') });
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    expect(bob.admitted).toBe(true);
    const received = bob.all().map((m) => m.type);
    expect(received.indexOf('lwwDoc')).toBeLessThan(received.lastIndexOf('admission'));
    expect(bob.last('lwwDoc')?.doc).toEqual(bytes('v1'));
    expect(host.last('peerJoin')?.slot).toBe(bob.slot);
    expect(host.last('waitingList')?.waiting).toEqual([]);

    bob.send({ type: 'lwwSet', rid: 1, resource: '', doc: bytes('v2') });
    expect(host.last('lwwDoc')).toMatchObject({ version: 2, slot: bob.slot, doc: bytes('v2') });
  });

  it('closes a declined guest with the declined code', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'decline', slot: bob.slot });
    expect(bob.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Declined));
    expect(bob.last('error')?.code).toBe(ErrorCode.Declined);
    expect(host.last('waitingList')?.waiting).toEqual([]);
  });

  it('removes a collaborator at any time: every tab closed, and next time they wait again', () => {
    const { join, clock } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    const bobTab2 = join('bob');
    expect(bobTab2.admitted).toBe(true);
    host.send({ type: 'admit', action: 'remove', slot: bob.slot });
    expect(bob.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Removed));
    expect(bobTab2.socket.closed?.code).toBe(closeCodeOf(ErrorCode.Removed));
    expect(
      host
        .of('peerLeave')
        .map((m) => m.slot)
        .sort(),
    ).toEqual([bob.slot, bobTab2.slot].sort());
    clock.advance(60_000);
    const back = join('bob');
    expect(back.of('admission').map((a) => a.state)).toEqual(['waiting']);
  });

  it('lets a user the host admitted come back without waiting', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    bob.disconnect();
    expect(join('bob').admitted).toBe(true);
  });

  it('admits a trusted email without the waiting room, case-insensitively', () => {
    const { join } = makeRoom({ settings: { trusted: ['Carol@Example.com'] } });
    join('alice');
    expect(join('carol', { email: 'carol@example.COM' }).admitted).toBe(true);
  });

  it('turns away everyone but the trusted list in a trusted room', () => {
    const { join } = makeRoom({ settings: { policy: 'trusted', trusted: ['carol@example.com'] } });
    join('alice');
    const dave = join('dave', { email: 'dave@example.com' });
    expect(dave.socket.closed?.code).toBe(closeCodeOf(ErrorCode.NotTrusted));
    expect(join('carol', { email: 'carol@example.com' }).admitted).toBe(true);
  });

  it('admits waiting guests who become trusted, and everyone when the policy turns open', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const bob = join('bob', { email: 'bob@example.com' });
    const carol = join('carol');
    host.send({ type: 'setTrusted', emails: [' BOB@example.com '] });
    expect(bob.admitted).toBe(true);
    expect(carol.admitted).toBe(false);
    expect(host.last('settings')?.trusted).toEqual(['bob@example.com']);
    expect(bob.last('settings')?.trusted).toEqual([]);
    host.send({ type: 'setPolicy', policy: 'open' });
    expect(carol.admitted).toBe(true);
  });

  it('lets only the host admit, decline, remove or change settings', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    join('alice');
    const bob = join('bob');
    const carol = join('carol');
    bob.send({ type: 'admit', action: 'remove', slot: carol.slot });
    bob.send({ type: 'setPolicy', policy: 'trusted' });
    bob.send({ type: 'setTrusted', emails: ['x@y.z'] });
    expect(bob.errors().map((e) => e.code)).toEqual([
      ErrorCode.Forbidden,
      ErrorCode.Forbidden,
      ErrorCode.Forbidden,
    ]);
    expect(carol.socket.closed).toBeUndefined();
  });

  it('refuses to remove the host', () => {
    const { join } = makeRoom();
    const host = join('alice');
    const tab2 = join('alice');
    host.send({ type: 'admit', action: 'remove', slot: tab2.slot });
    expect(host.last('error')?.code).toBe(ErrorCode.Forbidden);
    expect(tab2.socket.closed).toBeUndefined();
  });

  it('calls the join gate at hello and refuses with its code', () => {
    const { join } = makeRoom({
      canJoin: (identity) => (identity.userId === 'spammer' ? ErrorCode.JoinRateLimited : undefined),
    });
    join('alice');
    const spammer = join('spammer');
    expect(spammer.socket.closed?.code).toBe(closeCodeOf(ErrorCode.JoinRateLimited));
    expect(typesReceived(spammer)).toEqual(new Set(['error']));
  });

  it('caps the waiting room', () => {
    const { join } = makeRoom({ limits: { maxWaiting: 2 } });
    join('alice');
    join('w1');
    join('w2');
    expect(join('w3').socket.closed?.code).toBe(closeCodeOf(ErrorCode.WaitingRoomFull));
  });
});

describe('room capacity', () => {
  it('refuses the 11th participant with the room-full code', () => {
    const { join } = makeRoom({ settings: { policy: 'open' } });
    const peers = Array.from({ length: 10 }, (_, i) => join(`user-${i}`));
    expect(peers.every((p) => p.admitted)).toBe(true);
    const eleventh = join('user-10');
    expect(eleventh.last('error')?.code).toBe(ErrorCode.RoomFull);
    expect(eleventh.socket.closed?.code).toBe(closeCodeOf(ErrorCode.RoomFull));
    expect(peers[0]!.of('peerJoin').map((m) => m.userId)).not.toContain('user-10');
  });

  it('keeps a guest waiting when the host tries to add them to a full room', () => {
    const { join } = makeRoom({ limits: { maxParticipants: 2 } });
    const host = join('alice');
    const bob = join('bob');
    host.send({ type: 'admit', action: 'admit', slot: bob.slot });
    const carol = join('carol');
    host.send({ type: 'admit', action: 'admit', slot: carol.slot });
    expect(host.last('error')?.code).toBe(ErrorCode.RoomFull);
    expect(carol.admitted).toBe(false);
    expect(carol.socket.closed).toBeUndefined();
  });
});

describe('version handshake', () => {
  it('tells a client older than the server it is too old, then closes', () => {
    const { peer } = makeRoom();
    const old = peer('alice');
    old.send({ type: 'hello', version: 0, clientId: '', name: '', since: 0 });
    expect(old.last('error')?.code).toBe(ErrorCode.ClientTooOld);
    expect(old.socket.closed?.code).toBe(closeCodeOf(ErrorCode.ClientTooOld));
  });

  it('tells a client newer than the server the server is too old, then closes', () => {
    const { peer } = makeRoom();
    const future = peer('alice');
    future.send({ type: 'hello', version: 999, clientId: '', name: '', since: 0 });
    expect(future.last('error')?.code).toBe(ErrorCode.ServerTooOld);
    expect(future.socket.closed?.code).toBe(closeCodeOf(ErrorCode.ServerTooOld));
  });

  it('requires hello first and refuses a second one', () => {
    const { peer } = makeRoom();
    const p = peer('alice');
    p.send({ type: 'lockAcquire', rid: 7, resource: 'x' });
    expect(p.last('error')).toMatchObject({ code: ErrorCode.BadMessage, rid: 7 });
    p.hello();
    p.hello();
    expect(p.last('error')?.code).toBe(ErrorCode.BadMessage);
    expect(p.admitted).toBe(true);
  });

  it('closes a connection that never says hello, after the hello timeout', () => {
    const { peer, clock } = makeRoom({ limits: { helloTimeoutMs: 5_000 } });
    const silent = peer('lurker');
    clock.advance(4_999);
    expect(silent.socket.closed).toBeUndefined();
    clock.advance(1);
    expect(silent.socket.closed?.code).toBe(closeCodeOf(ErrorCode.HelloTimeout));
    const prompt = peer('prompt').hello();
    clock.advance(10_000);
    expect(prompt.socket.closed).toBeUndefined();
  });

  it('refuses connections past the cap of those that have not said hello yet', () => {
    const { peer } = makeRoom({ limits: { maxPendingHellos: 2 } });
    const a = peer('a');
    peer('b');
    const third = peer('c');
    expect(third.socket.closed?.code).toBe(closeCodeOf(ErrorCode.WaitingRoomFull));
    a.hello();
    expect(peer('d').socket.closed).toBeUndefined();
  });

  it('answers ping with pong in any phase', () => {
    const { peer } = makeRoom();
    const p = peer('alice');
    p.send({ type: 'ping', nonce: 42 });
    expect(p.last('pong')?.nonce).toBe(42);
  });

  it('reports a malformed frame with the byte offset and stays open', () => {
    const { join } = makeRoom();
    const p = join('alice');
    p.sendRaw(new Uint8Array([0x40, 0x01]));
    const err = p.last('error');
    expect(err?.code).toBe(ErrorCode.BadMessage);
    expect(err?.message).toMatch(/at byte 2/);
    p.sendRaw(new Uint8Array([0xee]));
    expect(p.last('error')?.message).toMatch(/unknown-type at byte 0/);
    expect(p.socket.closed).toBeUndefined();
  });

  it('refuses server-to-client messages sent by a client', () => {
    const { join } = makeRoom();
    const p = join('alice');
    p.sendRaw(new Uint8Array([0x22, 0x01, 0x00]));
    expect(p.last('error')?.message).toMatch(/peerLeave is not a client message/);
  });
});
