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

/**
 * PIN hashing through Web Crypto's PBKDF2 (SHA-256), present in browsers, Electron and Node 20+. Slow on
 * purpose: the hashes sit on every till of the event. The cost comes with each hash (core/event/staff.ts PinHash);
 * 100 000 iterations is the first format's. Used only when called, so the core still loads without Web Crypto.
 */
export const webCryptoPinHasher = {
  async hash(pin: string, saltHex: string, iterations = 100_000): Promise<string> {
    const subtle = (globalThis as unknown as { crypto: { subtle: SubtleLike } }).crypto.subtle;
    const salt = new Uint8Array(saltHex.match(/../g)!.map((h) => parseInt(h, 16)));
    // PINs are ASCII digits (checkPinFormat), so their bytes are their char codes.
    const key = await subtle.importKey('raw', Uint8Array.from(pin, (c) => c.charCodeAt(0)), 'PBKDF2', false, ['deriveBits']);
    const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
    return [...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, '0')).join('');
  },
};

/** The part of SubtleCrypto the PIN hasher uses (the core is compiled without DOM types). */
interface SubtleLike {
  importKey(format: 'raw', key: Uint8Array, algorithm: 'PBKDF2', extractable: false, usages: ['deriveBits']): Promise<unknown>;
  deriveBits(algorithm: { name: 'PBKDF2'; hash: 'SHA-256'; salt: Uint8Array; iterations: number }, key: unknown, length: number): Promise<ArrayBuffer>;
}

/** SHA-256 through Web Crypto, as lower-case hex (customer contact hashes on the till). */
export async function webCryptoSha256(text: string): Promise<string> {
  const subtle = (globalThis as unknown as { crypto: { subtle: { digest(alg: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } } }).crypto.subtle;
  const bytes = encodeUtf8(text);
  return [...new Uint8Array(await subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** UTF-8 bytes of a string (TextEncoder is not in the core's ECMAScript-only library). */
function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}
