import { textOffsetAt } from './editable-offsets.js';
import type { TextRange } from './geometry.js';

/** An `<input>` or `<textarea>`: text measured through its value and selection offsets. */
export type TextField = HTMLInputElement | HTMLTextAreaElement;

/** Whether `element` is an `<input>` or `<textarea>` (by tag, so it holds across frames). */
export function isTextField(element: Element): element is TextField {
  return element.tagName === 'INPUT' || element.tagName === 'TEXTAREA';
}

/**
 * The selection in `element` as character offsets, or undefined when it has none: an input of a
 * type without a text selection (`number`, `checkbox`…), or a document selection that is not
 * inside a contenteditable `element`.
 */
export function readTextSelection(element: HTMLElement): TextRange | undefined {
  if (isTextField(element)) {
    const { selectionStart: start, selectionEnd: end, selectionDirection: direction } = element;
    if (start === null || end === null) return undefined;
    return direction === 'backward' ? { anchor: end, head: start } : { anchor: start, head: end };
  }
  const selection = element.ownerDocument.getSelection();
  if (!selection?.anchorNode || !selection.focusNode) return undefined;
  const anchor = textOffsetAt(element, selection.anchorNode, selection.anchorOffset);
  const head = textOffsetAt(element, selection.focusNode, selection.focusOffset);
  return anchor === undefined || head === undefined ? undefined : { anchor, head };
}
