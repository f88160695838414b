import { describe, expect, it } from 'vitest';
import { allocate, applyBasisPoints, divRound, formatMoney, minorDigits, parseMoney } from './money.ts';

describe('money', () => {
  it('rounds quotients exactly in every mode, for both signs', () => {
    expect(divRound(5, 2, 'half-up')).toBe(3);
    expect(divRound(5, 2, 'half-even')).toBe(2);
    expect(divRound(7, 2, 'half-even')).toBe(4);
    expect(divRound(-5, 2, 'half-up')).toBe(-3);
    expect(divRound(-5, 2, 'floor')).toBe(-3);
    expect(divRound(-5, 2, 'ceil')).toBe(-2);
    expect(divRound(5, 2, 'floor')).toBe(2);
    expect(divRound(5, 2, 'ceil')).toBe(3);
    expect(divRound(6, 3, 'ceil')).toBe(2);
  });

  it('takes percentages in basis points', () => {
    expect(applyBasisPoints(1999, 3000, 'half-up')).toBe(600); // 599.7
    expect(applyBasisPoints(1999, 3000, 'floor')).toBe(599);
  });

  it('allocates an amount over weights so the parts add up exactly', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(10, [0, 5, 5]).reduce((a, b) => a + b)).toBe(10);
    expect(() => allocate(10, [])).toThrow(/weights/);
  });

  it('knows minor digits per currency and formats through Intl', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(formatMoney(123456, 'EUR', 'en-IE')).toBe('€1,234.56');
    expect(formatMoney(500, 'JPY', 'en')).toBe('¥500');
  });

  it('parses typed amounts and refuses what it cannot read exactly', () => {
    expect(parseMoney('12.5', 'EUR')).toBe(1250);
    expect(parseMoney('12,50', 'EUR')).toBe(1250);
    expect(parseMoney('-3', 'EUR')).toBe(-300);
    expect(parseMoney('500', 'JPY')).toBe(500);
    expect(() => parseMoney('1.234', 'EUR')).toThrow(/decimal places/);
    expect(() => parseMoney('1,234.50', 'EUR')).toThrow(/not a decimal/);
    expect(() => parseMoney('abc', 'EUR')).toThrow(/not a decimal/);
    expect(() => parseMoney('5.5', 'JPY')).toThrow(/decimal places/);
  });
});
