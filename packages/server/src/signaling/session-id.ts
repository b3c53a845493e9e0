/** Letters and digits that cannot be misread for one another (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A peer-to-peer session id: `nss-` then 6 and 4 characters, as `nss-ab12cd-3xy7`. */
export const P2P_SESSION_ID = /^nss-[a-z0-9]{6}-[a-z0-9]{4}$/;

/** A fresh session id from `random` (uniform in [0, 1); crypto-strength, ids must not be guessable). */
export function makeSessionId(random: () => number): string {
  const pick = (n: number) =>
    Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  return `nss-${pick(6)}-${pick(4)}`;
}
