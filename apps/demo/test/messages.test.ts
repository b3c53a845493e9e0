import { describe, expect, it } from 'vitest';
import { friendly } from '../src/messages.js';

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
});
