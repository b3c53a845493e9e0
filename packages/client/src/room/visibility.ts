/** What a page's visibility and focus tell: the cursors' part of a connection. */
export interface VisibilityListener {
  /** The page was hidden (tab switched, minimised) or shown again. */
  setHidden(hidden: boolean): void;
  /** The window lost focus (another window came to the front) or got it back. */
  setFocused(focused: boolean): void;
}

/**
 * Reports page visibility changes and window focus changes; nothing outside browsers. Focus is
 * reported only as it changes: a page that starts without focus (opened in the background) still
 * shows its cursor until its window is left once.
 */
export function watchVisibility(listener: VisibilityListener): (() => void) | undefined {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc?.addEventListener) return undefined;
  const win = (globalThis as { window?: Window }).window;
  const visibility = () => listener.setHidden(doc.visibilityState === 'hidden');
  const blur = () => listener.setFocused(false);
  const focus = () => listener.setFocused(true);
  doc.addEventListener('visibilitychange', visibility);
  win?.addEventListener('blur', blur);
  win?.addEventListener('focus', focus);
  if (doc.visibilityState === 'hidden') queueMicrotask(visibility);
  return () => {
    doc.removeEventListener('visibilitychange', visibility);
    win?.removeEventListener('blur', blur);
    win?.removeEventListener('focus', focus);
  };
}
