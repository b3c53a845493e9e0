/** Reads `element`'s computed lengths in px (0 for one that is not a length, or outside a window). */
export function computedPx(element: Element): (property: string) => number {
  const computed = element.ownerDocument.defaultView?.getComputedStyle(element);
  return (property) => Number.parseFloat(computed?.getPropertyValue(property) ?? '') || 0;
}
