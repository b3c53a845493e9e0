import { computedPx } from './computed-px.js';
import type { TextField } from './local-selection.js';

/** Computed styles that decide where a field's characters fall: its font, spacing and wrapping. */
const LAYOUT_PROPERTIES = [
  'direction',
  'font-family',
  'font-size',
  'font-style',
  'font-variant',
  'font-weight',
  'font-stretch',
  'font-kerning',
  'font-feature-settings',
  'font-variation-settings',
  'letter-spacing',
  'word-spacing',
  'text-transform',
  'text-indent',
  'text-align',
  'tab-size',
  'word-break',
  'overflow-wrap',
  'hyphens',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
] as const;

/** Marks the end of the text, so a caret after a final line break, or in an empty field, has a place. */
export const END_MARK = '\u200b';

/**
 * Lays `field`'s value out in a hidden element with the field's computed text styles, its content
 * width and its position on screen, and hands the mirror's text node to `use`: its character
 * ranges' client rects are where the characters are drawn in the field once moved by the field's
 * scroll (`-scrollLeft`, `-scrollTop`). Fields keep their text out of the DOM, so this is the only
 * way to measure it. The mirror is removed before returning.
 *
 * The text node holds the value followed by {@link END_MARK}.
 */
export function withFieldMirror<T>(field: TextField, use: (text: Text) => T): T {
  const doc = field.ownerDocument;
  const computed = doc.defaultView?.getComputedStyle(field);
  const mirror = doc.createElement('div');
  const style = mirror.style;
  if (computed)
    for (const name of LAYOUT_PROPERTIES) style.setProperty(name, computed.getPropertyValue(name));
  const px = computedPx(field);
  const rect = field.getBoundingClientRect();
  // The content box: the border box less borders and a scrollbar (offsetWidth − clientWidth), less padding.
  const width =
    rect.width - (field.offsetWidth - field.clientWidth) - px('padding-left') - px('padding-right');
  const height = field.clientHeight - px('padding-top') - px('padding-bottom');
  Object.assign(style, {
    position: 'fixed',
    left: `${rect.left + field.clientLeft}px`,
    top: `${rect.top + field.clientTop}px`,
    boxSizing: 'content-box',
    width: `${Math.max(0, width)}px`,
    margin: '0',
    border: '0',
    visibility: 'hidden',
    pointerEvents: 'none',
    overflow: 'visible',
  });
  if (field.tagName === 'INPUT') {
    // One line, centred vertically in the content box as an input draws it.
    style.whiteSpace = 'pre';
    style.height = `${Math.max(0, height)}px`;
    style.lineHeight = `${Math.max(0, height)}px`;
  } else {
    style.whiteSpace = computed?.getPropertyValue('white-space') || 'pre-wrap';
    style.lineHeight = computed?.getPropertyValue('line-height') ?? 'normal';
  }
  const text = doc.createTextNode(field.value + END_MARK);
  mirror.append(text);
  doc.body.append(mirror);
  try {
    return use(text);
  } finally {
    mirror.remove();
  }
}
