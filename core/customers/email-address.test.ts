import { describe, expect, it } from 'vitest';
import { InvalidEmailAddressError, parseEmailAddress } from './email-address.ts';

describe('parseEmailAddress', () => {
  it('accepts an ordinary address, trimmed', () => {
    expect(parseEmailAddress('  ana.silva+drop@example.co.uk ')).toBe('ana.silva+drop@example.co.uk');
  });

  it.each([
    ['', 'required'],
    ['ana', 'exactly one @'],
    ['ana@example', 'domain'],
    ['ana@@example.com', 'exactly one @'],
    ['a@b.com, victim@example.com', 'not one e-mail address'],
    ['Ana <ana@example.com>', 'not one e-mail address'],
    ['ana@example.com\r\nBcc: x@example.com', 'not one e-mail address'],
    ['.ana@example.com', 'before @'],
    ['ana@-example.com', 'domain'],
    ['ana@10.0.0.1', 'domain'],
    [`${'a'.repeat(250)}@example.com`, 'at most 254'],
  ])('refuses %j with a named error', (raw, why) => {
    expect(() => parseEmailAddress(raw)).toThrow(InvalidEmailAddressError);
    expect(() => parseEmailAddress(raw)).toThrow(why);
  });

  it('names itself across a boundary', () => {
    try {
      parseEmailAddress(42);
    } catch (err) {
      expect((err as Error).name).toBe('InvalidEmailAddressError');
    }
    expect.assertions(1);
  });
});
