import { describe, expect, it } from 'vitest';
import { readJoinInput } from '../src/join-code.js';

const opens = (input: string) => readJoinInput(input);

describe('the join box', () => {
  it('takes a code in any case, with spaces or dashes', () => {
    expect(opens('k7qx2m')).toEqual({ opening: { kind: 'code', code: 'K7QX2M' } });
    expect(opens('  K7Q X2M ')).toEqual({ opening: { kind: 'code', code: 'K7QX2M' } });
    expect(opens('K7Q-X2M')).toEqual({ opening: { kind: 'code', code: 'K7QX2M' } });
    expect(opens('ABCD2345')).toEqual({ opening: { kind: 'code', code: 'ABCD2345' } });
  });

  it('takes a whole invite link, with or without its scheme', () => {
    expect(opens('http://localhost:4321/?join=K7QX2M')).toEqual({
      opening: { kind: 'code', code: 'K7QX2M' },
    });
    expect(opens('tandem.example.com/?join=k7qx2m&x=1')).toEqual({
      opening: { kind: 'code', code: 'K7QX2M' },
    });
    expect(opens('https://tandem.example.com/?p2p=nss-ab12cd-3xy7')).toEqual({
      opening: { kind: 'p2p-guest', sessionId: 'nss-ab12cd-3xy7' },
    });
  });

  it('says what is wrong before connecting', () => {
    expect(opens('')).toEqual({ problem: expect.stringMatching(/Enter the session code/) });
    expect(opens('K7QX2')).toEqual({ problem: expect.stringMatching(/6 or 8 characters; this one has 5/) });
    expect(opens('K7QX2MM')).toEqual({ problem: expect.stringMatching(/this one has 7/) });
    expect(opens('K7QO2M')).toEqual({ problem: expect.stringMatching(/never contain 0, O, 1, I or L/) });
    expect(opens('K7Q!2M')).toEqual({ problem: expect.stringMatching(/only letters and digits/) });
    expect(opens('https://tandem.example.com/')).toEqual({
      problem: expect.stringMatching(/not a session invite/),
    });
    expect(opens('http://localhost:4321/?join=K7QX')).toEqual({
      problem: expect.stringMatching(/this one has 4/),
    });
  });
});
