import { describe, expect, it } from 'vitest';
import { friendly, lockLostMessage } from '../src/messages.js';

describe('refusals in plain words', () => {
  it('speaks of a session only for a refused join', () => {
    const notFound = { codeName: 'NotFound' as const, message: 'not found' };
    expect(friendly(notFound, 'join')).toMatch(/no session with that code/);
    expect(friendly(notFound, 'lock')).toMatch(/hold on that layer expired or was released/);
    expect(friendly(notFound)).not.toMatch(/session/);
    expect(friendly({ codeName: 'RoomNotFound', message: 'no session with code ZZZZZZ' })).toMatch(
      /no session with that code/,
    );
  });

  it('reads a notice that names a lock as being about the lock', () => {
    expect(friendly({ codeName: 'NotFound', message: 'layer-3 is not locked' })).toMatch(
      /hold on that layer/,
    );
  });

  it('says offline and silent servers apart from a closed connection', () => {
    expect(friendly({ codeName: 'Offline', message: 'offline: no network' })).toMatch(/You are offline/);
    expect(friendly({ codeName: 'NoAnswer', message: 'no answer' })).toMatch(/stopped answering/);
  });

  it('says how long a declined or removed guest waits before asking again, and that the host ended the session', () => {
    expect(
      friendly(
        { codeName: 'Declined', message: 'the host declined you; you can ask to join again in 42 s' },
        'join',
      ),
    ).toBe('The host declined you; you can ask to join again in 42 s.');
    expect(friendly({ codeName: 'Removed', message: 'the host removed you from the room' })).toBe(
      'The host removed you from this session.',
    );
    expect(friendly({ codeName: 'SessionEnded', message: 'the host ended the session' }, 'join')).toBe(
      'The host ended the session.',
    );
  });
});

describe('a hold that ended', () => {
  it('names the layer when it lapsed or was ended, and says nothing when it was handed over', () => {
    expect(lockLostMessage('expired', 'Shape 1')).toMatch(/^Your hold on Shape 1 expired/);
    expect(lockLostMessage('removed', 'Shape 1')).toBe('Your hold on Shape 1 was ended.');
    expect(lockLostMessage('released-to-requester', 'Shape 1')).toBeUndefined();
  });
});
