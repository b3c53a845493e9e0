import { describe, expect, it } from 'vitest';
import { makeP2PSessionId, P2P_SESSION_ID } from '../src/index.js';

describe('peer-to-peer session ids', () => {
  it('look like nss-ab12cd-3xy7 and use no look-alike characters', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 200; i++) {
      const id = makeP2PSessionId(random);
      expect(id).toMatch(P2P_SESSION_ID);
      expect(id.slice(4)).not.toMatch(/[01ilo]/);
    }
  });
});
