// Stamps typed into a Y.Text as `⟦…⟧` and found again in an update's bytes: Yjs keeps inserted
// strings as UTF-8, so a receiver reads them without applying the update to a document.
const OPEN = Buffer.from('⟦');
const CLOSE = Buffer.from('⟧');

/** What to type for the stamp `text`. */
export const typedStamp = (text) => `⟦${text}⟧`;

/** Calls `each(text)` for every stamp in the bytes of `update`, in order. */
export function stampsIn(update, each) {
  const buf = Buffer.from(update.buffer, update.byteOffset, update.length);
  for (let i = buf.indexOf(OPEN); i >= 0; i = buf.indexOf(OPEN, i + 1)) {
    const end = buf.indexOf(CLOSE, i);
    if (end < 0) return;
    each(buf.toString('latin1', i + OPEN.length, end));
  }
}
