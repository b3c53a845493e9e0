import { computedPx } from './computed-px.js';
import { type TextPiece, textPieces } from './editable-offsets.js';
import { withFieldMirror } from './field-mirror.js';
import { type Box, caretAt, clipBox, moveBox, orderRange, type TextRange } from './geometry.js';
import { isTextField } from './local-selection.js';

/** Where one selection is drawn, in the overlay's coordinates. */
export interface SelectionShape {
  /** The caret at the selection's head; undefined when it is scrolled out of sight. */
  caret: Box | undefined;
  /** One box per line of a non-empty selection, cut to the element's visible area. */
  highlights: Box[];
}

/** An element's text as laid out: its characters' boxes in viewport coordinates. */
interface TextLayout {
  text: string;
  /** Boxes of the characters `[start, end)`, one or more per line. */
  boxes(start: number, end: number): Box[];
}

const fromRects = (rects: DOMRectList | DOMRect[], dx = 0, dy = 0): Box[] =>
  Array.from(rects, (r) => ({ left: r.left + dx, top: r.top + dy, width: r.width, height: r.height }));

function fieldLayout(text: Text, dx: number, dy: number, length: number): TextLayout {
  const range = text.ownerDocument.createRange();
  return {
    text: text.data.slice(0, length),
    boxes(start, end) {
      // The mirror holds one character more than the field (its end mark), so a caret at the end has a box.
      range.setStart(text, Math.min(start, text.length));
      range.setEnd(text, Math.min(end, text.length));
      return fromRects(range.getClientRects(), dx, dy);
    },
  };
}

function editableLayout(root: HTMLElement, pieces: readonly TextPiece[]): TextLayout {
  const range = root.ownerDocument.createRange();
  const text = pieces.map((p) => p.node.data).join('');
  return {
    text,
    boxes(start, end) {
      const out: Box[] = [];
      // Text node by text node: a range across elements would also report the elements' own boxes.
      for (const { node, start: at } of pieces) {
        const from = Math.max(start - at, 0);
        const to = Math.min(end - at, node.data.length);
        if (to <= from) continue;
        range.setStart(node, from);
        range.setEnd(node, to);
        out.push(...fromRects(range.getClientRects()));
      }
      return out;
    },
  };
}

/** The caret of an element without text: at the start of its content box. */
function emptyCaret(element: HTMLElement): Box {
  const rect = element.getBoundingClientRect();
  const px = computedPx(element);
  const fontSize = px('font-size') || 16;
  return {
    left: rect.left + element.clientLeft + px('padding-left'),
    top: rect.top + element.clientTop + px('padding-top'),
    width: 0,
    height: fontSize * 1.2,
  };
}

function shapesIn(
  layout: TextLayout,
  ranges: readonly TextRange[],
  clip: Box,
  origin: { left: number; top: number },
  fallbackCaret: () => Box,
): SelectionShape[] {
  const charBox = (i: number) => layout.boxes(i, i + 1).find((b) => b.height > 0);
  const local = (box: Box) => moveBox(box, -origin.left, -origin.top);
  return ranges.map((range) => {
    const { start, end, head } = orderRange(range, layout.text.length);
    const caret = caretAt(head, layout.text, charBox) ?? (layout.text === '' ? fallbackCaret() : undefined);
    const highlights: Box[] = [];
    if (end > start) {
      for (const box of layout.boxes(start, end)) {
        const seen = box.width > 0 ? clipBox(box, clip) : undefined;
        if (seen) highlights.push(local(seen));
      }
    }
    return { caret: caret && clipBox(caret, clip) ? local(caret) : undefined, highlights };
  });
}

/**
 * Where each of `ranges` (character offsets, clamped to the text) falls in `element`, relative to
 * `origin` (the overlay's top left in viewport coordinates): the caret at each head and the boxes
 * of each selected line, both cut to what the element shows. A field (`<input>`, `<textarea>`) is
 * measured in a mirror of its text and scroll; any other element (contenteditable) through DOM
 * ranges over its text nodes.
 */
export function measureSelections(
  element: HTMLElement,
  ranges: readonly TextRange[],
  origin: { left: number; top: number },
): SelectionShape[] {
  if (ranges.length === 0) return [];
  const rect = element.getBoundingClientRect();
  // What the element shows of its content: its padding box, less scrollbars.
  const clip: Box = {
    left: rect.left + element.clientLeft,
    top: rect.top + element.clientTop,
    width: element.clientWidth,
    height: element.clientHeight,
  };
  const fallback = () => emptyCaret(element);
  if (isTextField(element)) {
    const field = element;
    return withFieldMirror(field, (text) =>
      shapesIn(
        fieldLayout(text, -field.scrollLeft, -field.scrollTop, field.value.length),
        ranges,
        clip,
        origin,
        fallback,
      ),
    );
  }
  return shapesIn(editableLayout(element, textPieces(element)), ranges, clip, origin, fallback);
}
