// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { textOffsetAt, textPieces } from '../src/selection/editable-offsets.js';
import { readTextSelection } from '../src/selection/local-selection.js';

function editable(html: string): HTMLElement {
  const root = document.createElement('div');
  root.contentEditable = 'true';
  root.innerHTML = html;
  document.body.append(root);
  return root;
}

afterEach(() => {
  document.body.replaceChildren();
  document.getSelection()?.removeAllRanges();
});

describe('offsets in a contenteditable element', () => {
  it('count characters of its text content across nested elements', () => {
    const root = editable('<p>One <b>two <i>three</i></b></p><p>four</p>');
    const pieces = textPieces(root);
    expect(pieces.map((p) => [p.node.data, p.start])).toEqual([
      ['One ', 0],
      ['two ', 4],
      ['three', 8],
      ['four', 13],
    ]);
    const three = root.querySelector('i')!.firstChild!;
    expect(textOffsetAt(root, three, 2)).toBe(10);
    expect(root.textContent!.slice(0, 10)).toBe('One two th');
  });

  it('count an element position (before its n-th child) as the text before that child', () => {
    const root = editable('<p>One <b>two</b></p><p>four</p>');
    expect(textOffsetAt(root, root, 1)).toBe(7);
    expect(textOffsetAt(root, root.querySelector('p')!, 2)).toBe(7);
    expect(textOffsetAt(root, root, 0)).toBe(0);
  });

  it('are none for a position outside the element', () => {
    const root = editable('<p>inside</p>');
    const outside = document.createElement('p');
    outside.textContent = 'outside';
    document.body.append(outside);
    expect(textOffsetAt(root, outside.firstChild!, 3)).toBeUndefined();
  });
});

describe('the local selection', () => {
  it('is the document selection in a contenteditable element, its focus as the head', () => {
    const root = editable('<p>One <b>two</b></p><p>three</p>');
    const two = root.querySelector('b')!.firstChild!;
    const three = root.querySelectorAll('p')[1]!.firstChild!;
    // Selected from right to left: from "thr|ee" back to "t|wo".
    document.getSelection()!.setBaseAndExtent(three, 3, two, 1);
    expect(readTextSelection(root)).toEqual({ anchor: 10, head: 5 });
    expect(root.textContent!.slice(5, 10)).toBe('wothr');
  });

  it('is none when the document selection is elsewhere', () => {
    const root = editable('<p>mine</p>');
    const other = editable('<p>theirs</p>');
    document.getSelection()!.collapse(other.querySelector('p')!.firstChild!, 2);
    expect(readTextSelection(root)).toBeUndefined();
  });

  it('is a field’s selection offsets, a backward one with its head at the start', () => {
    const field = document.createElement('textarea');
    field.value = 'Compare halves\nand quarters';
    document.body.append(field);
    field.setSelectionRange(8, 14, 'backward');
    expect(readTextSelection(field)).toEqual({ anchor: 14, head: 8 });
    field.setSelectionRange(3, 3);
    expect(readTextSelection(field)).toEqual({ anchor: 3, head: 3 });
    const input = document.createElement('input');
    input.type = 'checkbox';
    document.body.append(input);
    expect(readTextSelection(input)).toBeUndefined();
  });
});
