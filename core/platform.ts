/**
 * The seams between the pure core and a platform. Each platform (browser, Node, Electron main, tests)
 * provides these; the core never reaches for `Date.now`, `crypto` or storage on its own, so it runs
 * unchanged everywhere and tests can drive time and randomness.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface RandomSource {
  /** `n` cryptographically random bytes. */
  bytes(n: number): Uint8Array;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Web Crypto's getRandomValues: present in browsers, Electron and Node 20+ as a global. */
export const webCryptoRandom: RandomSource = {
  bytes(n) {
    const out = new Uint8Array(n);
    (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(out);
    return out;
  },
};
