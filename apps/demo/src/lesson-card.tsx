import type { TandemError } from '@tandem/client';
import { TextSelections, useLww, useOthers, useReadOnly, useRoom, useSelf, useStatus } from '@tandem/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  asCard,
  type CardField,
  EMPTY_CARD,
  FIELD_LABELS,
  type LessonCardValue,
  type Overwrite,
  overwrites,
  type SentValue,
} from './card-changes.js';
import { friendly } from './messages.js';

/** Typing pauses this long before the card goes out: well within the room's 8 edits a second. */
const SEND_AFTER_MS = 300;

interface Notice extends Overwrite {
  id: number;
  /** Who made the other change. */
  by: string;
}

/**
 * The lesson card, one object saved whole (last write wins), as seed 002 has it: what is typed
 * goes to everyone as it is typed, and others' changes show as they arrive. Where two people
 * change the same field at once, the one whose change was replaced is told, with the other value
 * and a way to take it back.
 */
export function LessonCard() {
  const room = useRoom();
  const [stored, setCard] = useLww<LessonCardValue>();
  const readOnly = useReadOnly();
  const self = useSelf();
  const others = useOthers();
  const { status } = useStatus();
  const card = useMemo(() => (stored === undefined ? undefined : asCard(stored)), [stored]);
  const shown = card ?? EMPTY_CARD;
  const [unsent, setUnsent] = useState<Partial<LessonCardValue>>({});
  const [saving, setSaving] = useState(0);
  const [refusal, setRefusal] = useState<string | undefined>();
  const [notices, setNotices] = useState<Notice[]>([]);
  const titleField = useRef<HTMLInputElement>(null);
  const objectiveField = useRef<HTMLTextAreaElement>(null);
  // What the effects and the timer read without re-running: the latest of each.
  const latest = useRef({ shown, unsent });
  latest.current = { shown, unsent };
  const sent = useRef<Partial<Record<CardField, SentValue>>>({});
  const mineJson = useRef<string | undefined>(undefined);
  const previous = useRef(shown);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const nextNotice = useRef(1);

  const send = useCallback(() => {
    timer.current = undefined;
    const { shown: base, unsent: edits } = latest.current;
    if (Object.keys(edits).length === 0) return;
    const next = { ...base, ...edits };
    const now = Date.now();
    for (const field of Object.keys(edits) as CardField[])
      sent.current[field] = { value: next[field], at: now };
    mineJson.current = JSON.stringify(next);
    setUnsent({});
    setSaving((n) => n + 1);
    setCard(next)
      .then(() => setRefusal(undefined))
      .catch((error: TandemError) => {
        // What was refused stays in the form, unsent, with the reason beside it.
        setUnsent((later) => ({ ...edits, ...later }));
        setRefusal(friendly(error));
      })
      .finally(() => setSaving((n) => n - 1));
  }, [setCard]);

  // What is typed is never left behind: leaving a field, or the page, sends it at once (the SDK
  // keeps it across a reload if it cannot go yet).
  const flush = useCallback(() => {
    if (timer.current === undefined) return;
    clearTimeout(timer.current);
    send();
  }, [send]);
  useEffect(() => {
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [flush]);

  // Another participant's change: shown at once; where it met this user's, said so.
  useEffect(() => {
    const before = previous.current;
    previous.current = shown;
    if (before === shown || JSON.stringify(shown) === mineJson.current) return;
    const writer = room.lww.writer;
    if (writer === 0 || writer === self?.slot) return;
    const by = others.find((p) => p.slot === writer)?.name ?? 'Someone';
    const met = overwrites(before, shown, latest.current.unsent, sent.current, Date.now());
    if (met.length === 0) return;
    setNotices((list) => [
      ...list.filter((n) => !met.some((m) => m.field === n.field)),
      ...met.map((m) => ({ ...m, by, id: nextNotice.current++ })),
    ]);
  }, [shown, room, self, others]);

  const change = (field: CardField, value: string | number) => {
    setUnsent((u) => ({ ...u, [field]: value }));
    latest.current = { ...latest.current, unsent: { ...latest.current.unsent, [field]: value } };
    setNotices((list) => list.filter((n) => n.field !== field || n.kind === 'kept'));
    clearTimeout(timer.current);
    timer.current = undefined;
    // Offline, the SDK keeps the card (across a reload too) until it can go: handed over at once.
    if (room.status !== 'connected') send();
    else timer.current = setTimeout(send, SEND_AFTER_MS);
  };
  const settle = (notice: Notice, value: string | number | undefined) => {
    setNotices((list) => list.filter((n) => n.id !== notice.id));
    if (value !== undefined) change(notice.field, value);
  };

  const value = { ...shown, ...unsent };
  const pending = Object.keys(unsent).length > 0 || saving > 0;
  const state = refusal
    ? 'Unsaved changes'
    : pending
      ? status === 'connected'
        ? 'Saving…'
        : 'Kept on this device until back online'
      : card
        ? 'Saved for everyone'
        : 'Not saved yet';
  return (
    <form
      className="lesson-card"
      aria-label="Lesson card"
      onSubmit={(e) => {
        e.preventDefault();
        flush();
      }}
      onBlur={flush}
    >
      <h3 className="small-title">Lesson card · whole object (lww)</h3>
      <fieldset disabled={readOnly} aria-label="Lesson card fields">
        {/* Others' carets and selections are drawn over the text fields (one cursor each, per room). */}
        <label className="with-selections">
          <span>Title</span>
          <input
            ref={titleField}
            value={value.title}
            maxLength={120}
            onChange={(e) => change('title', e.target.value)}
          />
          <TextSelections target={titleField} element="lesson-title" />
        </label>
        <label className="with-selections">
          <span>Objective</span>
          <textarea
            ref={objectiveField}
            value={value.objective}
            maxLength={240}
            rows={2}
            onChange={(e) => change('objective', e.target.value)}
          />
          <TextSelections target={objectiveField} element="lesson-objective" />
        </label>
        {refusal ? (
          <p className="error small" role="alert">
            {refusal}
          </p>
        ) : null}
        {notices.length > 0 ? (
          <ul className="card-notices" aria-label="Changes that met yours">
            {notices.map((n) => (
              <li key={n.id} role="status" data-field={n.field}>
                <span>
                  {n.kind === 'replaced'
                    ? `${n.by} replaced your ${FIELD_LABELS[n.field]} (“${n.mine}”) with “${n.theirs}”.`
                    : `${n.by} changed ${FIELD_LABELS[n.field]} to “${n.theirs}” while you typed: yours is kept.`}
                </span>
                <button
                  type="button"
                  className="link"
                  onClick={() => settle(n, n.kind === 'replaced' ? n.mine : n.theirs)}
                >
                  {n.kind === 'replaced' ? 'Restore mine' : 'Use theirs'}
                </button>
                <button
                  type="button"
                  className="link"
                  aria-label="Dismiss"
                  onClick={() => settle(n, undefined)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="card-foot">
          <label>
            <span>Minutes</span>
            <input
              type="number"
              min={5}
              max={240}
              value={value.minutes}
              aria-label="Duration (minutes)"
              onChange={(e) => change('minutes', Number(e.target.value))}
            />
          </label>
          <span className="muted small" data-testid="lesson-card-state" aria-live="polite">
            {state}
          </span>
        </div>
      </fieldset>
    </form>
  );
}
