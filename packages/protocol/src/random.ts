/** The part of Web Crypto this needs: browsers and Node (19 and later) both have it on `globalThis`. */
interface RandomSource {
  getRandomValues(array: Uint32Array): Uint32Array;
}

/**
 * Uniform in [0, 1), from the platform's cryptographic random source: what a room hands out (lock
 * ids), and the join codes and session ids a server mints, must not be guessable from earlier ones,
 * as `Math.random`'s would be. 53 random bits, as many as a double holds below 1.
 */
export function secureRandom(): number {
  const words = new Uint32Array(2);
  (globalThis as unknown as { crypto: RandomSource }).crypto.getRandomValues(words);
  return (words[0]! * 2 ** 21 + (words[1]! >>> 11)) / 2 ** 53;
}
