'use client';

import { type CSSProperties, type ReactNode, type RefObject, useLayoutEffect, useRef, useState } from 'react';
import { type PeerTextSelection, useTextSelection } from '../hooks/text-selection.js';
import { type Box, sameBox, sameBoxes } from '../selection/geometry.js';
import { measureSelections } from '../selection/measure.js';
import { cx } from './util.js';

/** Props of {@link TextSelections}. */
export interface TextSelectionsProps {
  /** The editor: a `<textarea>`, a text `<input>` or a contenteditable element. */
  target: RefObject<HTMLElement | null>;
  /** The id every participant gives this editor (see {@link useTextSelection}). */
  element: string;
  /** Added to the overlay's `tandem-text-selections`. */
  className?: string;
  /** Merged over the overlay's own (absolute, filling its positioned ancestor). */
  style?: CSSProperties;
}

interface Drawn {
  selection: PeerTextSelection;
  caret: Box | undefined;
  highlights: Box[];
}

function sameDrawn(a: readonly Drawn[], b: readonly Drawn[]): boolean {
  return (
    a.length === b.length &&
    a.every((d, i) => {
      const e = b[i]!;
      return (
        d.selection === e.selection && sameBox(d.caret, e.caret) && sameBoxes(d.highlights, e.highlights)
      );
    })
  );
}

const at = (box: Box): CSSProperties => ({
  position: 'absolute',
  left: box.left,
  top: box.top,
  width: box.width,
  height: box.height,
});

/**
 * Everyone else's selection in an editor, drawn over it: a caret in the participant's colour with
 * their name at the selection's head, and a translucent band over each selected line. It also
 * shares this participant's selection in the editor, as {@link useTextSelection} does (use one or
 * the other for an editor, not both).
 *
 * Place it beside the editor inside an element with `position: relative`: the overlay fills that
 * element, and carets are placed by measuring the editor's text (a hidden mirror of a field's text
 * and styles, DOM ranges in a contenteditable element), again when the text changes, on typing,
 * scrolling and resizing, and on each render. Offsets past the end of the text are drawn at its end;
 * what is scrolled out of the editor is not drawn. The overlay ignores the pointer and is hidden from
 * screen readers (the roster says who is here).
 *
 * Class names: `tandem-text-selections` (overlay), `tandem-text-selection` (one participant's,
 * `data-slot`), `tandem-text-highlight`, `tandem-text-caret`, `tandem-text-caret-label`.
 *
 * @example
 * const ref = useRef<HTMLTextAreaElement>(null);
 * return (
 *   <div style={{ position: 'relative' }}>
 *     <textarea ref={ref} />
 *     <TextSelections target={ref} element="lesson-objective" />
 *   </div>
 * );
 */
export function TextSelections({ target, element, className, style }: TextSelectionsProps): ReactNode {
  const selections = useTextSelection(target, element);
  const overlay = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState<Drawn[]>([]);
  const latest = useRef({ selections, measure: () => {} });

  const measure = () => {
    const editor = target.current;
    const box = overlay.current?.getBoundingClientRect();
    const current = latest.current.selections;
    const next: Drawn[] =
      editor && box
        ? measureSelections(editor, current, box).map((shape, i) => ({ selection: current[i]!, ...shape }))
        : [];
    setDrawn((previous) => (sameDrawn(previous, next) ? previous : next));
  };
  latest.current = { selections, measure };

  // On each render: the editor's text may have changed with it (a controlled field's new value).
  useLayoutEffect(() => latest.current.measure());

  useLayoutEffect(() => {
    const editor = target.current;
    const win = editor?.ownerDocument.defaultView;
    if (!editor || !win) return;
    const remeasure = () => latest.current.measure();
    const resized = typeof ResizeObserver === 'function' ? new ResizeObserver(remeasure) : undefined;
    resized?.observe(editor);
    if (overlay.current) resized?.observe(overlay.current);
    // A contenteditable element's text may change under it (a shared document's remote edit).
    const mutated = typeof MutationObserver === 'function' ? new MutationObserver(remeasure) : undefined;
    mutated?.observe(editor, { subtree: true, childList: true, characterData: true });
    editor.addEventListener('input', remeasure);
    editor.addEventListener('scroll', remeasure);
    win.addEventListener('resize', remeasure);
    return () => {
      resized?.disconnect();
      mutated?.disconnect();
      editor.removeEventListener('input', remeasure);
      editor.removeEventListener('scroll', remeasure);
      win.removeEventListener('resize', remeasure);
    };
  }, [target]);

  return (
    <div
      ref={overlay}
      className={cx('tandem-text-selections', className)}
      aria-hidden="true"
      style={{ position: 'absolute', inset: 0, pointerEvents: 'none', ...style }}
    >
      {drawn.map(({ selection: s, caret, highlights }) => (
        <div key={s.slot} className="tandem-text-selection" data-slot={s.slot}>
          {highlights.map((box) => (
            <div
              key={`${box.left},${box.top}`}
              className="tandem-text-highlight"
              style={{ ...at(box), background: s.color, opacity: 0.25 }}
            />
          ))}
          {caret ? (
            <div
              className="tandem-text-caret"
              style={{ ...at(caret), width: 2, marginLeft: -1, background: s.color }}
            >
              <span
                className="tandem-text-caret-label"
                style={{
                  position: 'absolute',
                  left: 0,
                  bottom: '100%',
                  padding: '0 4px',
                  borderRadius: 3,
                  background: s.color,
                  color: '#fff',
                  fontSize: 11,
                  lineHeight: '16px',
                  whiteSpace: 'nowrap',
                }}
              >
                {s.name}
              </span>
            </div>
          ) : null}
        </div>
      ))}
    </div>
  );
}
