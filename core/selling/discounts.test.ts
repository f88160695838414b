import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors.ts';
import {
  applyDiscounts,
  checkCouponUse,
  checkGivenDiscounts,
  CouponNotApplicableError,
  CouponNotValidError,
  CouponUsedUpError,
  DEFAULT_DISCOUNT_CAPS,
  DiscountApprovalError,
  DiscountBelowFloorError,
  DiscountCapError,
  DiscountTooLargeError,
  parseCoupon,
  type Coupon,
  type DiscountRow,
} from './discounts.ts';
import { mergeNamedDiscounts, namedDiscounts } from './discount-names.ts';

const row = (sku: string, base: number, floor = 0): DiscountRow => ({ sku, base, floor });
const coupon = (over: Partial<Coupon> = {}): Coupon => ({ code: 'SUMMER10', name: 'Summer 10 %', brandId: 'north-thread', percentBp: 1000, validFrom: '2026-11-21T00:00', validUntil: '2026-11-23T00:00', ...over });
const amountCoupon = (amount: number): Coupon => {
  const { percentBp: _percent, ...rest } = coupon();
  return { ...rest, amount };
};
const managers = (id: string) => id === 'mia';

describe('discount arithmetic', () => {
  it('rounds a percent discount per line, half-up on the amount taken off', () => {
    // 5 % of 1010 = 50.5 → 51; of 1030 = 51.5 → 52; of 990 = 49.5 → 50 (half-up, never banker's).
    const r = applyDiscounts([row('A', 1010), row('B', 1030), row('C', 990)], { lines: [], cart: { percentBp: 500, reason: 'regular' } });
    expect(r.off).toEqual([51, 52, 50]);
    expect(r.given).toEqual([{ kind: 'cart', percentBp: 500, reason: 'regular', total: 153 }]);
  });

  it('applies line discounts, then the coupon, then the cart discount, each on what is left', () => {
    const r = applyDiscounts([row('NT-CAP', 2000), row('NT-TOTE', 1000)], {
      lines: [{ amount: 200, reason: 'scuffed' }, undefined],
      coupon: coupon({ percentBp: 1000, skus: ['NT-CAP'] }),
      cart: { percentBp: 1000, reason: 'staff' },
    });
    // Cap: 2000 − 200 = 1800; coupon 10 % = 180 → 1620; cart 10 % = 162 → 1458. Tote: cart 10 % = 100.
    expect(r.off).toEqual([200 + 180 + 162, 100]);
    expect(r.given.map((g) => [g.kind, g.total])).toEqual([['line', 200], ['coupon', 180], ['cart', 262]]);
    expect(r.manualOff).toEqual([362, 100]);
  });

  it('splits an amount over lines in proportion, to the minor unit (largest remainder)', () => {
    const r = applyDiscounts([row('A', 1000), row('B', 1000), row('C', 1000)], { lines: [], cart: { amount: 100, reason: 'loyal' } });
    expect(r.off).toEqual([34, 33, 33]);
    expect(r.off.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('never lets a coupon cross a line’s margin floor (clamped, as a tier is)', () => {
    const pct = applyDiscounts([row('NT-CAP', 2500, 2400)], { lines: [], coupon: coupon({ percentBp: 5000 }) });
    expect(pct.off).toEqual([100]);
    const amt = applyDiscounts([row('NT-CAP', 2500, 2400), row('NT-TOTE', 1500, 801)], { lines: [], coupon: amountCoupon(5000) });
    expect(amt.off).toEqual([100, 699]);
  });

  it('refuses a discount larger than what is left (the total would go negative)', () => {
    expect(() => applyDiscounts([row('A', 1000)], { lines: [{ amount: 1001, reason: 'x' }] })).toThrow(DiscountTooLargeError);
    expect(() => applyDiscounts([row('A', 1000)], { lines: [], cart: { amount: 1001, reason: 'x' } })).toThrow(DiscountTooLargeError);
  });

  it('refuses a coupon for none of the lines', () => {
    expect(() => applyDiscounts([row('MC-MUG-BLUE', 2200)], { lines: [], coupon: coupon({ skus: ['NT-CAP'] }) })).toThrow(CouponNotApplicableError);
  });
});

describe('discount caps and approvals', () => {
  const rows = [row('NT-TOTE', 1500, 801)];
  const judge = (percentBp: number, role: 'cashier' | 'supervisor' | 'manager' | undefined, approvedBy?: string) => {
    const r = applyDiscounts(rows, { lines: [{ percentBp, reason: 'r', ...(approvedBy ? { approvedBy } : {}) }] });
    checkGivenDiscounts(rows, r, { giverRole: role, caps: DEFAULT_DISCOUNT_CAPS, isManager: managers });
  };

  it('lets a cashier give up to 10 % and a supervisor 25 %, and no more without a manager', () => {
    expect(() => judge(1000, 'cashier')).not.toThrow();
    expect(() => judge(1100, 'cashier')).toThrow(DiscountCapError);
    expect(() => judge(2500, 'supervisor')).not.toThrow();
    expect(() => judge(2600, 'supervisor')).toThrow(DiscountCapError);
    expect(() => judge(100, undefined)).toThrow(DiscountCapError);
    expect(() => judge(3000, 'cashier', 'mia')).not.toThrow();
    expect(() => judge(3000, 'manager')).not.toThrow();
  });

  it('counts stacked discounts together against the cap', () => {
    const r = applyDiscounts(rows, { lines: [{ percentBp: 1000, reason: 'a' }], cart: { percentBp: 1000, reason: 'b' } });
    expect(() => checkGivenDiscounts(rows, r, { giverRole: 'cashier', caps: DEFAULT_DISCOUNT_CAPS, isManager: managers })).toThrow(DiscountCapError);
  });

  it('refuses a 99 % discount with no manager, one naming a ghost manager, and one below the floor', () => {
    expect(() => judge(9900, 'cashier')).toThrow(DiscountCapError);
    expect(() => judge(9900, 'cashier', 'ana')).toThrow(DiscountApprovalError);
    // A generous cap does not lift the margin floor: 60 % of 1500 leaves 600 < 801.
    const r = applyDiscounts(rows, { lines: [{ percentBp: 6000, reason: 'r' }] });
    expect(() => checkGivenDiscounts(rows, r, { giverRole: 'cashier', caps: { cashier: 9000, supervisor: 9000 }, isManager: managers })).toThrow(DiscountBelowFloorError);
  });
});

describe('coupon validity and usage', () => {
  const tz = 'Europe/Paris';
  const sale = (wallTime: number, tillId = 't1') => ({ id: 's_new', tillId, wallTime });
  const inside = Date.UTC(2026, 10, 22, 12);

  it('is valid from its start (inclusive) to its end (exclusive) in the event’s time zone', () => {
    const c = coupon();
    // 2026-11-21T00:00 in Paris (UTC+1) is 23:00 UTC the day before.
    expect(() => checkCouponUse(c, sale(Date.UTC(2026, 10, 20, 23)), [], tz)).not.toThrow();
    expect(() => checkCouponUse(c, sale(Date.UTC(2026, 10, 20, 22, 59)), [], tz)).toThrow(CouponNotValidError);
    expect(() => checkCouponUse(c, sale(Date.UTC(2026, 10, 22, 23)), [], tz)).toThrow(/expired/);
  });

  it('allows each till one use past the limit (two offline tills, one last use) and refuses the next', () => {
    const c = coupon({ usageLimit: 2 });
    const uses = [
      { saleId: 's_1', tillId: 't1', at: '1' },
      { saleId: 's_2', tillId: 't2', at: '2' },
    ];
    expect(checkCouponUse(c, sale(inside), uses.slice(0, 1), tz)).toEqual({ overLimit: false });
    expect(checkCouponUse(c, sale(inside, 't1'), uses, tz)).toEqual({ overLimit: true });
    const after = [...uses, { saleId: 's_3', tillId: 't1', at: '3' }];
    expect(() => checkCouponUse(c, sale(inside, 't1'), after, tz)).toThrow(CouponUsedUpError);
    expect(checkCouponUse(c, sale(inside, 't2'), after, tz)).toEqual({ overLimit: true });
  });

  it('parses a coupon and names what is wrong', () => {
    expect(parseCoupon({ ...coupon(), skus: [] })).toEqual(coupon());
    expect(() => parseCoupon({ ...coupon(), amount: 100 })).toThrow(ValidationError);
    expect(() => parseCoupon({ ...coupon(), validUntil: '2026-11-20T00:00' })).toThrow(/validUntil/);
    expect(() => parseCoupon({ ...coupon(), code: 'no spaces' })).toThrow(/code/);
  });
});

describe('discount names', () => {
  it('names the tier, a price change and each given discount apart, and merges them over sales', () => {
    const tier = (id: string) => (id === 'first-15' ? '−30 % first 15 min' : undefined);
    const a = namedDiscounts(
      {
        lines: [
          { qty: 2, listPrice: 1000, unitPrice: 700, tierId: 'first-15' },
          { qty: 1, listPrice: 1000, unitPrice: 800, tierId: null, priceSetBy: 'mia' },
        ],
        discounts: [
          { kind: 'line', line: 0, percentBp: 1000, reason: 'Damaged', total: 140 },
          { kind: 'coupon', percentBp: 1000, reason: 'Welcome 10 %', code: 'WELCOME10', total: 126 },
          { kind: 'cart', amount: 100, reason: 'Staff', total: 100 },
        ],
      },
      tier,
    );
    expect(a.map((d) => [d.kind, d.name, d.amount])).toEqual([
      ['tier', '−30 % first 15 min', 600],
      ['price-change', 'Price change', 200],
      ['line', 'Damaged', 140],
      ['coupon', 'Coupon WELCOME10 · Welcome 10 %', 126],
      ['cart', 'Staff · whole sale', 100],
    ]);
    expect(mergeNamedDiscounts([a, a]).find((d) => d.kind === 'coupon')?.amount).toBe(252);
  });
});
