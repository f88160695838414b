import { describe, expect, it } from 'vitest';
import { parseStoredCustomer, storedCustomer } from './customer.ts';
import { webCryptoSha256 } from '../base/platform.ts';

describe('customer capture', () => {
  it('keeps only hashes of the normalised contact, and only with consent', async () => {
    const a = await storedCustomer({ email: '  Ana@Example.COM ', phone: '+33 6 12-34-56', consent: true }, webCryptoSha256);
    const b = await storedCustomer({ email: 'ana@example.com', phone: '+33612 3456', consent: true }, webCryptoSha256);
    expect(a).toEqual(b);
    // Known answer (node:crypto): SHA-256 of "ana@example.com".
    expect(a!.emailSha256).toBe('8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11');
    expect(JSON.stringify(a)).not.toContain('example');
    expect(await storedCustomer({ email: 'ana@example.com', consent: false }, webCryptoSha256)).toBeUndefined();
    await expect(storedCustomer({ email: 'not-an-address', consent: true }, webCryptoSha256)).rejects.toThrow(/not an e-mail/);
    expect(parseStoredCustomer(a)).toEqual(a);
    expect(() => parseStoredCustomer({ consent: false })).toThrow(/consent/);
  });

  it('hashes UTF-8 like everyone else does', async () => {
    expect(await webCryptoSha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await webCryptoSha256('zoé')).toBe('33b40fa27aea231a9e9d97095ae040f154f79476742c529966657cbd6c131a61');
  });
});
