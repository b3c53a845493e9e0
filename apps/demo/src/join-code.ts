import type { Opening } from './opening.js';

// What the server mints: 6 characters (8 once 6 grow scarce) from letters and digits that cannot be
// misread for one another, so no 0, O, 1, I or L.
const CODE_LENGTHS = [6, 8];
const CODE_CHARS = /^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]*$/;

/** What the join box holds: a session to open, or what is wrong with it, in plain words. */
export type JoinInput = { opening: Opening } | { problem: string };

/**
 * Reads what a person typed or pasted into the join box: a code in any case, with spaces or dashes,
 * or a whole invite link (`…/?join=K7QX2M`, or a peer-to-peer one, `…/?p2p=nss-…`). Checked before
 * connecting, so a typo is told at once instead of trying a code no server could know.
 */
export function readJoinInput(input: string): JoinInput {
  const text = input.trim();
  if (!text) return { problem: 'Enter the session code, or paste the invite link.' };
  const link = linkParams(text);
  const p2p = link?.get('p2p')?.trim().toLowerCase();
  if (p2p) return { opening: { kind: 'p2p-guest', sessionId: p2p } };
  const joined = link?.get('join');
  if (link && joined == null) return { problem: 'That link is not a session invite: it has no code in it.' };
  const code = (joined ?? text).replace(/[\s-]+/g, '').toUpperCase();
  if (!/^[A-Z0-9]*$/.test(code)) return { problem: 'A session code has only letters and digits.' };
  if (!CODE_CHARS.test(code)) {
    return {
      problem: 'Session codes never contain 0, O, 1, I or L: check the characters against the invite.',
    };
  }
  if (!CODE_LENGTHS.includes(code.length)) {
    const unit = code.length === 1 ? 'character' : 'characters';
    return { problem: `A session code has 6 or 8 characters; this one has ${code.length} ${unit}.` };
  }
  return { opening: { kind: 'code', code } };
}

/** The query of a pasted link (with or without its scheme), or undefined when `text` is no link. */
function linkParams(text: string): URLSearchParams | undefined {
  const query = /\?([^#\s]*)/.exec(text)?.[1];
  if (query !== undefined) return new URLSearchParams(query);
  return /^[a-z]+:\/\/|\//i.test(text) ? new URLSearchParams() : undefined;
}
