import { ErrorCode } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { Room } from '../src/index.js';
import { makeRoom } from './support/harness.js';

describe('the trusted list', () => {
  it('refuses a list with entries that are not email addresses, naming each, and keeps the old list', () => {
    const { join } = makeRoom({ settings: { trusted: ['ada@example.com'] } });
    const host = join('alice');
    host.send({ type: 'setTrusted', emails: ['bob@example.com', 'carol', ' ', 'dave@', 'eve@example'] });
    expect(host.last('error')).toMatchObject({
      code: ErrorCode.BadMessage,
      message: 'not email addresses: "carol", "dave@", "eve@example"',
    });
    expect(host.last('settings')?.trusted).toEqual(['ada@example.com']);
    host.send({ type: 'setTrusted', emails: ['x'] });
    expect(host.last('error')?.message).toBe('not an email address: "x"');
  });

  it('refuses a list over the cap as too large', () => {
    const { join } = makeRoom({ limits: { maxTrusted: 1 } });
    const host = join('alice');
    host.send({ type: 'setTrusted', emails: ['a@example.com', 'b@example.com'] });
    expect(host.last('error')?.code).toBe(ErrorCode.PayloadTooLarge);
  });

  it('names the bad entries of a session opened from outside', () => {
    const { room } = makeRoom();
    expect(() =>
      room.openSession({ hostUserId: 'h', joinCode: 'ABCDEF', trusted: ['ok@example.com', 'nope'] }),
    ).toThrow('trusted list: not an email address: "nope"');
    expect(() => new Room({ id: 'r', settings: { trusted: ['@example.com'] } })).toThrow(
      'initial trusted list: not an email address: "@example.com"',
    );
  });
});
