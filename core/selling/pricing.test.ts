import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PopupError, ValidationError } from '../base/errors.ts';
import type { RoundingMode } from '../base/money.ts';
import {
  BelowMarginFloorError,
  cartTotals,
  dropPhase,
  floorPrice,
  formatCountdown,
  lineTax,
  marginFloorPrice,
  unitPrice,
  validateDrop,
  type DiscountTier,
  type Drop,
  type PricedProduct,
  type TaxMode,
} from './pricing.ts';

const MIN = 60_000;
const START = Date.UTC(2025, 5, 1, 18, 0, 0);
const t30: DiscountTier = { id: 't30', label: '-30 %', percentOffBp: 3000, untilMinute: 15 };
const t20: DiscountTier = { id: 't20', label: '-20 %', percentOffBp: 2000, untilMinute: 60 };
const t10: DiscountTier = { id: 't10', label: '-10 %', percentOffBp: 1000, untilMinute: null };
const drop: Drop = { startsAt: START, endsAt: START + 90 * MIN, tiers: [t30, t20, t10] };
const at = (min: number, sec = 0) => START + min * MIN + sec * 1000;

describe('drop tiers', () => {
  it('runs the first tier from minute 0, counting down to the second', () => {
    expect(dropPhase(drop, at(0))).toEqual({
      phase: 'live', tier: t30, tierIndex: 0, nextChangeInMs: 15 * MIN, nextTier: t20, endsInMs: 90 * MIN,
    });
  });

  it('still runs the first tier at 14:59, one second before the change', () => {
    expect(dropPhase(drop, at(14, 59))).toMatchObject({ phase: 'live', tier: t30, nextChangeInMs: 1000, nextTier: t20 });
  });

  it('switches to the second tier at exactly 15:00', () => {
    expect(dropPhase(drop, at(15))).toMatchObject({ phase: 'live', tier: t20, tierIndex: 1, nextChangeInMs: 45 * MIN });
  });

  it('keeps the second tier at 59:59 and switches to the last at 60:00', () => {
    expect(dropPhase(drop, at(59, 59))).toMatchObject({ tier: t20, nextChangeInMs: 1000, nextTier: t10 });
    expect(dropPhase(drop, at(60))).toMatchObject({ tier: t10, tierIndex: 2, nextChangeInMs: 30 * MIN, nextTier: null, endsInMs: 30 * MIN });
  });

  it('runs the last tier until the final millisecond and has ended at the end time', () => {
    expect(dropPhase(drop, drop.endsAt - 1)).toMatchObject({ phase: 'live', tier: t10, nextChangeInMs: 1, endsInMs: 1 });
    expect(dropPhase(drop, drop.endsAt)).toEqual({ phase: 'ended', endedAgoMs: 0 });
  });

  it('applies no tier before the start or after the end', () => {
    expect(dropPhase(drop, START - 5000)).toEqual({ phase: 'before', startsInMs: 5000 });
    expect(dropPhase(drop, drop.endsAt + 61_000)).toEqual({ phase: 'ended', endedAgoMs: 61_000 });
  });

  it('counts down to the end, not to a tier boundary that lies after a shortened drop ends', () => {
    const short: Drop = { ...drop, endsAt: START + 10 * MIN };
    expect(dropPhase(short, at(5))).toMatchObject({ tier: t30, nextChangeInMs: 5 * MIN, nextTier: null, endsInMs: 5 * MIN });
  });

  it('refuses drops that end before they start, misorder tiers, or reuse ids', () => {
    const bad = (d: Partial<Drop>, pattern: RegExp) => expect(() => validateDrop({ ...drop, ...d })).toThrow(pattern);
    bad({ endsAt: START - 1 }, /endsAt: must be after startsAt/);
    bad({ endsAt: START }, /endsAt/);
    bad({ tiers: [] }, /at least one tier/);
    bad({ tiers: [t30, { ...t20, untilMinute: 15 }, t10] }, /tiers\[1\]\.untilMinute: must be a whole number greater than 15/);
    bad({ tiers: [{ ...t30, untilMinute: null }, t10] }, /tiers\[0\]\.untilMinute: only the last/);
    bad({ tiers: [t30, t20] }, /tiers\[1\]\.untilMinute: the last tier must be null/);
    bad({ tiers: [{ ...t30, percentOffBp: 10_001 }, t10] }, /percentOffBp/);
    bad({ tiers: [{ ...t30, percentOffBp: -1 }, t10] }, /percentOffBp/);
    bad({ tiers: [t30, { ...t10, id: 't30' }] }, /duplicate tier id "t30"/);
    expect(() => validateDrop(drop)).not.toThrow();
    expect(() => validateDrop({ ...drop, endsAt: START - 1 })).toThrow(ValidationError);
  });

  it('formats countdowns as h:mm:ss from one hour up and m:ss below, rounding seconds up and never negative', () => {
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(899_000)).toBe('14:59');
    expect(formatCountdown(5_000)).toBe('0:05');
    expect(formatCountdown(4_001)).toBe('0:05');
    expect(formatCountdown(3_599_000)).toBe('59:59');
    expect(formatCountdown(3_599_001)).toBe('1:00:00');
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-5_000)).toBe('0:00');
    expect(formatCountdown(Number.NaN)).toBe('0:00');
    // Over a day: days and hours.
    expect(formatCountdown(86_399_000)).toBe('23:59:59');
    expect(formatCountdown(86_400_000)).toBe('1 d 0 h');
    expect(formatCountdown((2 * 86_400 + 5 * 3600 + 59 * 60) * 1000)).toBe('2 d 5 h');
  });
});

// cost 1000, floor 25 %: net ≥ 1000 / 0.75 = 1333.33… → 1334 (1333 would be a 24.98 % margin).
// 20 % inclusive tax on top: 1334 × 1.2 = 1600.8 → 1601. (Computing 1000 × 1.2 / 0.75 = 1600 in one step
// would be too low: 1600 / 1.2 = 1333.33 → a recorded net of 1333.)
const tee: PricedProduct = { sku: 'TEE-BLK-M', price: 2000, cost: 1000, marginFloorBp: 2500, taxRateBp: 2000 };

describe('margin floor', () => {
  it('puts the net floor at 1334 and the 20 %-inclusive gross floor at 1601 for cost 1000 and a 25 % floor', () => {
    expect(floorPrice(tee, 'exclusive')).toBe(1334);
    expect(floorPrice(tee, 'inclusive')).toBe(1601);
    expect(lineTax(1601, 2000, 'inclusive', 'half-up').net).toBe(1334);
    expect(lineTax(1600, 2000, 'inclusive', 'half-up').net).toBe(1333);
  });

  it('clamps a deep tier discount up to the floor and reports it', () => {
    // 2000 − 30 % = 1400 < 1601
    expect(unitPrice(tee, { tier: t30, taxMode: 'inclusive', rounding: 'half-up' })).toEqual({
      list: 2000, price: 1601, discount: 399, tierId: 't30', clampedToFloor: true, floor: 1601,
    });
    // exclusive: 1400 ≥ 1334, so the tier applies in full
    expect(unitPrice(tee, { tier: t30, taxMode: 'exclusive', rounding: 'half-up' })).toMatchObject({ price: 1400, clampedToFloor: false });
    expect(unitPrice(tee, { tier: { ...t30, percentOffBp: 5000 }, taxMode: 'exclusive', rounding: 'half-up' }).price).toBe(1334);
  });

  it('charges the list price when there is no tier', () => {
    expect(unitPrice(tee, { tier: null, taxMode: 'inclusive', rounding: 'half-up' })).toEqual({
      list: 2000, price: 2000, discount: 0, tierId: null, clampedToFloor: false, floor: 1601,
    });
  });

  it('rounds the discounted price itself with the chosen rounding mode', () => {
    const free = { ...tee, price: 1015, cost: 0 }; // 1015 × 0.7 = 710.5
    const price = (rounding: RoundingMode) => unitPrice(free, { tier: t30, taxMode: 'exclusive', rounding }).price;
    expect([price('half-up'), price('half-even'), price('floor'), price('ceil')]).toEqual([711, 710, 710, 711]);
  });

  it('never raises a price above list: a product listed below its floor sells at list', () => {
    const lossLeader = { ...tee, price: 1200 };
    expect(marginFloorPrice(lossLeader, 'exclusive')).toBe(1334);
    expect(floorPrice(lossLeader, 'exclusive')).toBe(1200);
    expect(unitPrice(lossLeader, { tier: t10, taxMode: 'exclusive', rounding: 'half-up' })).toMatchObject({
      price: 1200, discount: 0, clampedToFloor: true,
    });
  });

  it('refuses a manual price below the floor with a BelowMarginFloorError naming sku, price and floor', () => {
    const attempt = () => unitPrice(tee, { tier: null, taxMode: 'inclusive', rounding: 'half-up', manualPrice: 1600 });
    expect(attempt).toThrow(BelowMarginFloorError);
    expect(attempt).toThrow('manual price 1600 for TEE-BLK-M is below its margin floor 1601');
    try {
      attempt();
    } catch (e) {
      expect(e).toBeInstanceOf(PopupError);
      expect(e).toMatchObject({ name: 'BelowMarginFloorError', sku: 'TEE-BLK-M', attempted: 1600, floor: 1601 });
    }
  });

  it('lets a manual price at or above the floor replace the tier discount, but not exceed list', () => {
    expect(unitPrice(tee, { tier: t30, taxMode: 'inclusive', rounding: 'half-up', manualPrice: 1601 })).toEqual({
      list: 2000, price: 1601, discount: 399, tierId: null, clampedToFloor: false, floor: 1601,
    });
    expect(unitPrice(tee, { tier: t10, taxMode: 'inclusive', rounding: 'half-up', manualPrice: 1700 }).price).toBe(1700);
    expect(() => unitPrice(tee, { tier: null, taxMode: 'inclusive', rounding: 'half-up', manualPrice: 2001 })).toThrow(/above its list price/);
  });

  it('refuses margin floors of 100 % or more, which no price can meet', () => {
    expect(() => floorPrice({ ...tee, marginFloorBp: 10_000 }, 'exclusive')).toThrow(/marginFloorBp/);
  });
});

describe('tax', () => {
  it('adds exclusive tax on top of the net at several rates', () => {
    expect(lineTax(1999, 2000, 'exclusive', 'half-up')).toEqual({ net: 1999, tax: 400, gross: 2399 }); // 399.8
    expect(lineTax(1999, 700, 'exclusive', 'half-up')).toEqual({ net: 1999, tax: 140, gross: 2139 }); // 139.93
    expect(lineTax(1999, 0, 'exclusive', 'half-up')).toEqual({ net: 1999, tax: 0, gross: 1999 });
  });

  it('carves inclusive tax out of the gross at several rates', () => {
    expect(lineTax(1999, 2000, 'inclusive', 'half-up')).toEqual({ net: 1666, tax: 333, gross: 1999 }); // 1665.83
    expect(lineTax(1000, 2000, 'inclusive', 'half-up')).toEqual({ net: 833, tax: 167, gross: 1000 }); // 833.33
    expect(lineTax(1000, 2000, 'inclusive', 'ceil')).toEqual({ net: 834, tax: 166, gross: 1000 });
    expect(lineTax(1050, 500, 'inclusive', 'half-up')).toEqual({ net: 1000, tax: 50, gross: 1050 }); // exact
    expect(lineTax(1999, 0, 'inclusive', 'half-up')).toEqual({ net: 1999, tax: 0, gross: 1999 });
  });

  it('rounds exact half units up with half-up and to even with half-even', () => {
    // exclusive: 10 % of 25 = 2.5; 7 % of 150 = 10.5; 5 % of 30 = 1.5 (both modes agree: 2)
    expect(lineTax(25, 1000, 'exclusive', 'half-up').tax).toBe(3);
    expect(lineTax(25, 1000, 'exclusive', 'half-even').tax).toBe(2);
    expect(lineTax(150, 700, 'exclusive', 'half-up').tax).toBe(11);
    expect(lineTax(150, 700, 'exclusive', 'half-even').tax).toBe(10);
    expect(lineTax(30, 500, 'exclusive', 'half-even').tax).toBe(2);
    // inclusive 20 %: net = 1503 / 1.2 = 1252.5; inclusive 100 %: net = 5 / 2 = 2.5
    expect(lineTax(1503, 2000, 'inclusive', 'half-up')).toEqual({ net: 1253, tax: 250, gross: 1503 });
    expect(lineTax(1503, 2000, 'inclusive', 'half-even')).toEqual({ net: 1252, tax: 251, gross: 1503 });
    expect(lineTax(5, 10_000, 'inclusive', 'half-up')).toEqual({ net: 3, tax: 2, gross: 5 });
    expect(lineTax(5, 10_000, 'inclusive', 'half-even')).toEqual({ net: 2, tax: 3, gross: 5 });
  });

  it('splits a returned (negative) line into exactly the negation of the sale', () => {
    expect(lineTax(-1503, 2000, 'inclusive', 'half-up')).toEqual({ net: -1253, tax: -250, gross: -1503 });
    expect(lineTax(-25, 1000, 'exclusive', 'half-even')).toEqual({ net: -25, tax: -2, gross: -27 });
    // 20 % of -1 is -0.2: the tax is 0, not -0 (which would print as "-€0.00")
    expect(Object.is(lineTax(-1, 2000, 'exclusive', 'half-up').tax, 0)).toBe(true);
  });

  it('refuses fractional amounts and rates outside 0..10000 bp', () => {
    expect(() => lineTax(10.5, 2000, 'exclusive', 'half-up')).toThrow(ValidationError);
    expect(() => lineTax(100, 10_001, 'exclusive', 'half-up')).toThrow(/taxRateBp/);
  });
});

describe('cart totals', () => {
  it('totals an inclusive cart so that every line and the cart reconcile', () => {
    const cart = cartTotals(
      [
        { sku: 'TEE', qty: 2, unitPrice: 1601, listPrice: 2000, taxRateBp: 2000 }, // 3202 → net 2668.33
        { sku: 'CAP', qty: 1, unitPrice: 1503, listPrice: 1503, taxRateBp: 2000 }, // net 1252.5 → 1253
        { sku: 'ZINE', qty: 3, unitPrice: 500, listPrice: 600, taxRateBp: 500 }, // 1500 → net 1428.57
      ],
      'inclusive',
      'half-up',
    );
    expect(cart.lines).toEqual([
      { sku: 'TEE', qty: 2, gross: 3202, net: 2668, tax: 534, discount: 798 },
      { sku: 'CAP', qty: 1, gross: 1503, net: 1253, tax: 250, discount: 0 },
      { sku: 'ZINE', qty: 3, gross: 1500, net: 1429, tax: 71, discount: 300 },
    ]);
    expect(cart).toMatchObject({ subtotalList: 7303, discount: 1098, net: 5350, tax: 855, total: 6205 });
    expect(cart.taxByRate).toEqual([
      { rateBp: 500, net: 1429, tax: 71 },
      { rateBp: 2000, net: 3921, tax: 784 },
    ]);
  });

  it('totals an exclusive cart as net plus tax added on top', () => {
    const cart = cartTotals(
      [
        { sku: 'TEE', qty: 1, unitPrice: 1400, listPrice: 2000, taxRateBp: 2000 },
        { sku: 'MUG', qty: 2, unitPrice: 999, listPrice: 999, taxRateBp: 700 }, // 7 % of 1998 = 139.86
      ],
      'exclusive',
      'half-up',
    );
    expect(cart).toMatchObject({ subtotalList: 3998, discount: 600, net: 3398, tax: 420, total: 3818 });
    expect(cart.lines[1]).toEqual({ sku: 'MUG', qty: 2, gross: 2138, net: 1998, tax: 140, discount: 0 });
  });

  it('rounds tax per line, so refunding one line gives back exactly the tax charged on it', () => {
    // Two lines of 25 at 10 %: 2.5 → 3 each, 6 in all (a whole-cart calculation would give 5).
    const line = { sku: 'PIN', qty: 1, unitPrice: 25, listPrice: 25, taxRateBp: 1000 };
    const cart = cartTotals([line, { ...line, sku: 'PIN-2' }], 'exclusive', 'half-up');
    expect(cart.tax).toBe(6);
    expect(lineTax(-25, 1000, 'exclusive', 'half-up').tax).toBe(-(cart.lines[0]?.tax ?? 0));
  });

  it('totals an empty cart as zero', () => {
    expect(cartTotals([], 'inclusive', 'half-even')).toEqual({
      lines: [], subtotalList: 0, discount: 0, net: 0, tax: 0, total: 0, taxByRate: [],
    });
  });
});

describe('pricing properties', () => {
  const taxMode = fc.constantFrom<TaxMode>('inclusive', 'exclusive');
  const rounding = fc.constantFrom<RoundingMode>('half-up', 'half-even', 'floor', 'ceil');
  const product = fc.record({
    sku: fc.constant('P-1'),
    price: fc.integer({ min: 0, max: 10_000_000 }),
    cost: fc.integer({ min: 0, max: 5_000_000 }),
    marginFloorBp: fc.integer({ min: 0, max: 9_999 }),
    taxRateBp: fc.integer({ min: 0, max: 10_000 }),
  });
  const tier = fc.option(
    fc.record({ id: fc.constant('t'), label: fc.constant('t'), percentOffBp: fc.integer({ min: 0, max: 10_000 }), untilMinute: fc.constant(null) }),
    { nil: null },
  );

  it('never prices below the floor or above list, and keeps the margin whenever list allows it', () => {
    fc.assert(
      fc.property(product, tier, taxMode, rounding, (p, t, mode, r) => {
        const u = unitPrice(p, { tier: t, taxMode: mode, rounding: r });
        const floor = floorPrice(p, mode);
        expect(u.price).toBeGreaterThanOrEqual(floor);
        expect(u.price).toBeLessThanOrEqual(p.price);
        expect(u.discount).toBe(p.price - u.price);
        if (p.price >= marginFloorPrice(p, mode)) {
          // The margin, measured on the net the till records, really meets the floor.
          const { net } = lineTax(u.price, p.taxRateBp, mode, r);
          expect((net - p.cost) * 10_000).toBeGreaterThanOrEqual(p.marginFloorBp * net);
        } else {
          expect(u.price).toBe(p.price);
        }
      }),
    );
  });

  it('refuses a manual price exactly when it is below the floor', () => {
    fc.assert(
      fc.property(product, taxMode, fc.double({ min: 0, max: 1, noNaN: true }), (p, mode, f) => {
        const manualPrice = Math.floor(p.price * f);
        const floor = floorPrice(p, mode);
        const run = () => unitPrice(p, { tier: null, taxMode: mode, rounding: 'half-up', manualPrice });
        if (manualPrice < floor) expect(run).toThrow(BelowMarginFloorError);
        else expect(run().price).toBe(manualPrice);
      }),
    );
  });

  it('reconciles every random cart: lines sum to the totals and total = net + tax', () => {
    const line = fc.record({
      sku: fc.constantFrom('A', 'B', 'C'),
      qty: fc.integer({ min: -3, max: 20 }),
      unitPrice: fc.integer({ min: 0, max: 1_000_000 }),
      markdown: fc.integer({ min: 0, max: 100_000 }),
      taxRateBp: fc.oneof(fc.constantFrom(0, 500, 700, 1000, 2000, 2100), fc.integer({ min: 0, max: 10_000 })),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), taxMode, rounding, (raw, mode, r) => {
        const lines = raw.map(({ markdown, ...l }) => ({ ...l, listPrice: l.unitPrice + markdown }));
        const c = cartTotals(lines, mode, r);
        const sum = (f: (l: (typeof c.lines)[number]) => number) => c.lines.reduce((a, l) => a + f(l), 0);
        expect(c.total).toBe(c.net + c.tax);
        expect(sum((l) => l.gross)).toBe(c.total);
        expect(sum((l) => l.net)).toBe(c.net);
        expect(sum((l) => l.tax)).toBe(c.tax);
        expect(sum((l) => l.discount)).toBe(c.discount);
        const charged = lines.reduce((a, l) => a + l.unitPrice * l.qty, 0);
        expect(c.subtotalList - c.discount).toBe(charged);
        expect(mode === 'inclusive' ? c.total : c.net).toBe(charged);
        expect(c.taxByRate.reduce((a, t) => a + t.net, 0)).toBe(c.net);
        expect(c.taxByRate.reduce((a, t) => a + t.tax, 0)).toBe(c.tax);
        const noNegativeZero = (o: object) => Object.values(o).every((v) => !Object.is(v, -0));
        expect(noNegativeZero(c) && c.lines.every(noNegativeZero) && c.taxByRate.every(noNegativeZero)).toBe(true);
        c.lines.forEach((l, i) => {
          const input = lines[i]!;
          expect(l.gross).toBe(l.net + l.tax);
          expect(l).toMatchObject(lineTax(input.unitPrice * input.qty, input.taxRateBp, mode, r));
        });
      }),
    );
  });
});
