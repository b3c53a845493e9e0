/** The lesson card: one object, saved whole (last write wins). */
export interface LessonCardValue {
  title: string;
  objective: string;
  minutes: number;
}

export type CardField = keyof LessonCardValue;

export const CARD_FIELDS: readonly CardField[] = ['title', 'objective', 'minutes'];

export const EMPTY_CARD: LessonCardValue = { title: '', objective: '', minutes: 45 };

export const FIELD_LABELS: Record<CardField, string> = {
  title: 'Title',
  objective: 'Objective',
  minutes: 'Duration',
};

/** A value this user sent for a field, and when. */
export interface SentValue {
  value: string | number;
  at: number;
}

/** How long after sending a value another's change to it counts as overwriting it. */
export const OVERWRITE_WINDOW_MS = 30_000;

/**
 * A field where another participant's change met this user's: `kept` when this user is still
 * typing there (their change will be replaced by this user's, about to be sent), `replaced` when
 * they changed a value this user sent moments ago.
 */
export interface Overwrite {
  field: CardField;
  kind: 'kept' | 'replaced';
  /** This user's value. */
  mine: string | number;
  /** The other participant's value. */
  theirs: string | number;
}

/**
 * What another participant's change from `before` to `after` did to this user's work: fields it
 * changed that this user has `unsent` edits in, or sent (`sent`) within {@link OVERWRITE_WINDOW_MS}
 * of `now` and that still held this user's value.
 */
export function overwrites(
  before: LessonCardValue,
  after: LessonCardValue,
  unsent: Partial<LessonCardValue>,
  sent: Partial<Record<CardField, SentValue>>,
  now: number,
): Overwrite[] {
  const out: Overwrite[] = [];
  for (const field of CARD_FIELDS) {
    const theirs = after[field];
    if (theirs === before[field]) continue;
    const typing = unsent[field];
    if (typing !== undefined) {
      if (typing !== theirs) out.push({ field, kind: 'kept', mine: typing, theirs });
      continue;
    }
    const mine = sent[field];
    if (
      mine &&
      now - mine.at <= OVERWRITE_WINDOW_MS &&
      mine.value === before[field] &&
      mine.value !== theirs
    ) {
      out.push({ field, kind: 'replaced', mine: mine.value, theirs });
    }
  }
  return out;
}

/** `value` read as a card, whatever an older or another client stored (missing fields filled). */
export function asCard(value: unknown): LessonCardValue {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<CardField, unknown>>;
  return {
    title: typeof v.title === 'string' ? v.title : EMPTY_CARD.title,
    objective: typeof v.objective === 'string' ? v.objective : EMPTY_CARD.objective,
    minutes: typeof v.minutes === 'number' && Number.isFinite(v.minutes) ? v.minutes : EMPTY_CARD.minutes,
  };
}
