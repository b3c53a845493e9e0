/** A text node of an element and where its characters start in the element's `textContent`. */
export interface TextPiece {
  node: Text;
  start: number;
}

/**
 * The text nodes under `root` in document order, each with the offset of its first character in
 * `root.textContent`: the offsets a selection in a contenteditable element is sent as, whatever
 * nesting of elements holds the text.
 */
export function textPieces(root: Node): TextPiece[] {
  const pieces: TextPiece[] = [];
  const walker = (root.ownerDocument ?? (root as Document)).createTreeWalker(root, 0x4 /* SHOW_TEXT */);
  let start = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node as Text;
    pieces.push({ node: text, start });
    start += text.data.length;
  }
  return pieces;
}

/**
 * The offset in `root.textContent` of the DOM position `(node, offset)` (a selection's anchor or
 * focus), or undefined when that position is outside `root`. `offset` counts characters in a text
 * node and children in an element, as the Selection API gives it.
 */
export function textOffsetAt(root: Node, node: Node, offset: number): number | undefined {
  if (node !== root && !root.contains(node)) return undefined;
  const doc = root.ownerDocument ?? (root as Document);
  const range = doc.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  // A range's text is its text nodes' data, as textContent is: the two count alike.
  return range.toString().length;
}
