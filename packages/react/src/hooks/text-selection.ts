'use client';

import type { RoomConnection } from '@tandem/client';
import { type RefObject, useEffect } from 'react';
import { useRoom } from '../context.js';
import { readTextSelection } from '../selection/local-selection.js';
import { onEvents, sameFields, useRoomSlice } from '../store.js';

/** Another participant's text selection in one element. */
export interface PeerTextSelection {
  /** The participant's slot in the room (a key for lists). */
  slot: number;
  /** The participant's display name, from their verified identity. */
  name: string;
  /** The participant's room colour (CSS colour). */
  color: string;
  /** Where the selection started, in characters from the start of the element's text. */
  anchor: number;
  /** Where the caret is (the moving end), in characters; equal to `anchor` for a bare caret. */
  head: number;
}

const selectionSource = onEvents('cursor', 'others', 'status');

function readSelections(room: RoomConnection, element: string): PeerTextSelection[] {
  const out: PeerTextSelection[] = [];
  for (const p of room.others) {
    const cursor = room.cursors.get(p.slot);
    if (p.hidden || cursor?.kind !== 'selection' || cursor.element !== element) continue;
    out.push({ slot: p.slot, name: p.name, color: p.color, anchor: cursor.anchor, head: cursor.head });
  }
  return out;
}

function sameSelections(a: PeerTextSelection[], b: PeerTextSelection[]): boolean {
  return a.length === b.length && a.every((s, i) => sameFields(s, b[i]!));
}

/**
 * Everyone else's text selection in `element` (an id the app gives the editor, shared by every
 * participant), in join order; participants whose page is hidden are left out. Re-renders only
 * when one of them moves, arrives, leaves, or is renamed or recoloured. Reports nothing: see
 * {@link useTextSelection}.
 *
 * @example
 * const editing = useOthersTextSelections('lesson-title');
 * return editing.length ? <small>{editing.map((s) => s.name).join(', ')} editing</small> : null;
 */
export function useOthersTextSelections(element: string): PeerTextSelection[] {
  return useRoomSlice(selectionSource, (room) => readSelections(room, element), sameSelections, element);
}

/**
 * Shares this participant's text selection in a `<textarea>`, a text `<input>` or a contenteditable
 * element, and returns everyone else's selection in it ({@link useOthersTextSelections}).
 *
 * While the element has the focus, each selection change (a click, a key, typing) is sent as a
 * `selection` cursor of `element` with the anchor and head as character offsets: of the field's
 * value, or of a contenteditable element's `textContent` (its text nodes in order, however nested).
 * The SDK paces sending at the room's cursor rate, latest wins. The selection is cleared
 * (`clearCursor`) when the element loses the focus or the window does, and while the page is hidden,
 * and sent again when the focus comes back. Each participant has one cursor per room, so one
 * element at a time shows it.
 *
 * The element must be rendered (`ref.current` set) when the calling component mounts.
 *
 * @example
 * const ref = useRef<HTMLTextAreaElement>(null);
 * const others = useTextSelection(ref, 'lesson-objective');
 * return (
 *   <>
 *     <textarea ref={ref} />
 *     {others.map((s) => <p key={s.slot}>{s.name} is at character {s.head}</p>)}
 *   </>
 * );
 */
export function useTextSelection(ref: RefObject<HTMLElement | null>, element: string): PeerTextSelection[] {
  const room = useRoom();
  useEffect(() => {
    const target = ref.current;
    if (!target) return;
    const doc = target.ownerDocument;
    const win = doc.defaultView;
    // What this hook last sent ("anchor:head"), so an unchanged selection is not sent again.
    let sent: string | undefined;
    // Set by the window's own blur, which may come before the document reports losing the focus.
    let windowBlurred = false;
    const focused = () =>
      !windowBlurred &&
      doc.hasFocus() &&
      doc.visibilityState !== 'hidden' &&
      target.contains(doc.activeElement);
    const report = () => {
      const selection = focused() ? readTextSelection(target) : undefined;
      const key = selection && `${selection.anchor}:${selection.head}`;
      if (key === sent) return;
      sent = key;
      if (selection) room.updateCursor({ kind: 'selection', element, ...selection });
      else room.clearCursor();
    };
    const onVisibility = () => {
      // A hidden page's cursor is cleared by the client itself; once shown, it is sent afresh.
      if (doc.visibilityState === 'hidden') sent = undefined;
      else report();
    };
    const onWindowFocus = (e: FocusEvent) => {
      windowBlurred = e.type === 'blur';
      report();
    };
    const targetEvents = ['focusin', 'focusout', 'select', 'input', 'keyup', 'pointerup'] as const;
    for (const name of targetEvents) target.addEventListener(name, report);
    doc.addEventListener('selectionchange', report);
    doc.addEventListener('visibilitychange', onVisibility);
    win?.addEventListener('blur', onWindowFocus);
    win?.addEventListener('focus', onWindowFocus);
    report();
    return () => {
      for (const name of targetEvents) target.removeEventListener(name, report);
      doc.removeEventListener('selectionchange', report);
      doc.removeEventListener('visibilitychange', onVisibility);
      win?.removeEventListener('blur', onWindowFocus);
      win?.removeEventListener('focus', onWindowFocus);
      if (sent !== undefined) room.clearCursor();
    };
  }, [room, ref, element]);
  return useOthersTextSelections(element);
}
