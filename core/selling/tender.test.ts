import { describe, expect, it } from 'vitest';
import { changeDue } from './sale.ts';
import { quickCash, remaining, takePayment, TenderError } from './tender.ts';

describe('taking payment', () => {
  it('takes cash with change, and refuses a tender below the total with the shortfall', () => {
    const paid = takePayment(4830, [], { method: 'cash', tendered: 5000 }, 'EUR', 'en-IE');
    expect(paid).toEqual([{ method: 'cash', amount: 4830, tendered: 5000 }]);
    expect(changeDue(paid)).toBe(170);
    expect(() => takePayment(4830, [], { method: 'cash', tendered: 4000 }, 'EUR', 'en-IE')).toThrow('Amount tendered is €8.30 short of €48.30');
  });

  it('splits a payment between card and cash until the total is paid, and no further', () => {
    let taken = takePayment(10_000, [], { method: 'card', amount: 6000, reference: ' A1B2 ' }, 'EUR', 'en-IE');
    expect(remaining(10_000, taken)).toBe(4000);
    expect(() => takePayment(10_000, taken, { method: 'card', amount: 5000 }, 'EUR', 'en-IE')).toThrow(/Only €40.00 is left/);
    taken = takePayment(10_000, taken, { method: 'cash', tendered: 5000 }, 'EUR', 'en-IE');
    expect(taken).toEqual([
      { method: 'card', amount: 6000, reference: 'A1B2' },
      { method: 'cash', amount: 4000, tendered: 5000 },
    ]);
    expect(() => takePayment(10_000, taken, { method: 'cash' }, 'EUR', 'en-IE')).toThrow(TenderError);
    expect(() => takePayment(10_000, [], { method: 'card', tendered: 20_000 }, 'EUR', 'en-IE')).toThrow(/Only cash/);
  });

  it('offers the exact amount and the next round notes as quick cash', () => {
    expect(quickCash(4830, 'EUR')).toEqual([4830, 5000, 6000, 10_000]);
    expect(quickCash(2000, 'EUR')).toEqual([2000, 5000, 10_000, 20_000]);
    expect(quickCash(740, 'JPY')).toEqual([740, 750, 800, 1000]);
  });
});
