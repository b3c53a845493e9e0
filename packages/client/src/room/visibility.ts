/** Reports page visibility changes; nothing outside browsers. */
export function watchVisibility(onChange: (hidden: boolean) => void): (() => void) | undefined {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc?.addEventListener) return undefined;
  const handler = () => onChange(doc.visibilityState === 'hidden');
  doc.addEventListener('visibilitychange', handler);
  if (doc.visibilityState === 'hidden') queueMicrotask(handler);
  return () => doc.removeEventListener('visibilitychange', handler);
}
