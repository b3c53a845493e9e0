import { describe, expect, it } from 'vitest';
import { asCard, EMPTY_CARD, OVERWRITE_WINDOW_MS, overwrites } from '../src/card-changes.js';

const card = (title: string, objective = 'o', minutes = 45) => ({ title, objective, minutes });

describe('where another participant’s change meets this user’s', () => {
  it('keeps this user’s value where they are still typing, and says so', () => {
    expect(overwrites(card('a'), card('theirs'), { title: 'mine, typing' }, {}, 0)).toEqual([
      { field: 'title', kind: 'kept', mine: 'mine, typing', theirs: 'theirs' },
    ]);
    // Typing the same thing is no conflict.
    expect(overwrites(card('a'), card('same'), { title: 'same' }, {}, 0)).toEqual([]);
  });

  it('names a value this user sent moments ago that the change replaced, and nothing older', () => {
    const sent = { title: { value: 'mine', at: 1_000 } };
    expect(overwrites(card('mine'), card('theirs'), {}, sent, 2_000)).toEqual([
      { field: 'title', kind: 'replaced', mine: 'mine', theirs: 'theirs' },
    ]);
    expect(overwrites(card('mine'), card('theirs'), {}, sent, 1_000 + OVERWRITE_WINDOW_MS + 1)).toEqual([]);
    // Someone had already changed it before: that change was not to this user's value.
    expect(overwrites(card('other'), card('theirs'), {}, sent, 2_000)).toEqual([]);
  });

  it('leaves out fields the change did not touch', () => {
    const sent = { title: { value: 'mine', at: 0 } };
    expect(overwrites(card('mine', 'o'), card('mine', 'new'), { minutes: 50 }, sent, 1)).toEqual([]);
  });

  it('reads any stored value as a card', () => {
    expect(asCard(undefined)).toEqual(EMPTY_CARD);
    expect(asCard({ title: 'T', minutes: 'many' })).toEqual({ ...EMPTY_CARD, title: 'T' });
  });
});
