import { describe, expect, it } from 'vitest';
import { ONLINE, tillHolder } from './holders.ts';
import type { Refund } from '../refunds/refund.ts';
import { retentionReport, type RetentionInput } from './retention.ts';
import type { Sale } from '../selling/sale.ts';

const DAY = 86_400_000;
const SPRING = Date.UTC(2026, 3, 1, 9);
const DROP = Date.UTC(2026, 5, 1, 9);
const events = [
  { eventId: 'spring', startsAt: SPRING, endsAt: SPRING + 8 * 3_600_000 },
  { eventId: 'drop', startsAt: DROP, endsAt: DROP + 8 * 3_600_000 },
  { eventId: 'autumn', startsAt: DROP + 45 * DAY, endsAt: DROP + 45 * DAY + 8 * 3_600_000 },
];
const hash = (c: string) => c.repeat(64).slice(0, 64);

let n = 0;
function sale(eventId: string, at: number, total: number, who?: { email?: string; phone?: string }, opts: Partial<Sale> = {}): Sale {
  const id = `s${++n}`;
  return {
    id, at: '', wallTime: at, writer: 'T1DEV0000001', eventId, brandId: 'north-thread', tillId: 't1', holder: tillHolder('t1'),
    receiptNumber: `R-${n}`, checkoutId: `c${n}`, cashierId: 'ana', lines: [], payments: [], discount: 0, net: total, tax: 0, total,
    ...(who ? { customer: { consent: true as const, ...(who.email ? { emailSha256: hash(who.email) } : {}), ...(who.phone ? { phoneSha256: hash(who.phone) } : {}) } } : {}),
    ...opts,
  };
}

const report = (over: Partial<RetentionInput>) => retentionReport({ eventId: 'drop', events, sales: [], refunds: [], now: DROP + 200 * DAY, ...over });

describe('new and returning buyers', () => {
  it('counts a buyer seen in an earlier event (in person or online) as returning, everyone else as new', () => {
    const sales = [
      sale('spring', SPRING, 3000, { email: 'a' }),
      sale('spring', SPRING, 3000, { email: 'b' }, { holder: ONLINE, tillId: 'online' }),
      sale('drop', DROP + 1000, 5000, { email: 'a' }),
      sale('drop', DROP + 2000, 5000, { email: 'b' }),
      sale('drop', DROP + 3000, 5000, { email: 'c' }),
      sale('drop', DROP + 4000, 5000),
    ];
    const r = report({ sales });
    expect(r).toMatchObject({ buyers: 3, newBuyers: 1, returningBuyers: 2, anonymousSales: 1 });
  });

  it('recognises one buyer across an e-mail at one event and a phone at another once both were given together', () => {
    const sales = [
      sale('spring', SPRING, 1000, { email: 'a' }),
      sale('spring', SPRING + 1, 1000, { email: 'a', phone: 'p' }),
      sale('drop', DROP, 1000, { phone: 'p' }),
    ];
    expect(report({ sales })).toMatchObject({ newBuyers: 0, returningBuyers: 1 });
  });
});

describe('cohort retention of the drop\'s new buyers', () => {
  it('counts returns in other events within 30, 60 and 90 days, only over buyers whose window has passed', () => {
    const sales = [
      sale('drop', DROP, 1000, { email: 'a' }),
      sale('drop', DROP, 1000, { email: 'b' }),
      sale('drop', DROP, 1000, { email: 'c' }),
      sale('drop', DROP, 1000, { email: 'd' }),
      // a comes back online 20 days later (an order of the autumn event's channel); b at the autumn event.
      sale('autumn', DROP + 20 * DAY, 1000, { email: 'a' }, { holder: ONLINE, tillId: 'online' }),
      sale('autumn', DROP + 45 * DAY, 1000, { email: 'b' }),
      // c buys again in the drop itself: that is not a return.
      sale('drop', DROP + 3_600_000, 1000, { email: 'c' }),
    ];
    const r = report({ sales });
    expect(r.cohort).toEqual([
      { days: 30, eligible: 4, retained: 1, rateBp: 2500 },
      { days: 60, eligible: 4, retained: 2, rateBp: 5000 },
      { days: 90, eligible: 4, retained: 2, rateBp: 5000 },
    ]);
    // 40 days after the drop, the 60- and 90-day windows have not passed yet.
    const early = report({ sales, now: DROP + 40 * DAY });
    expect(early.cohort.map((c) => [c.eligible, c.rateBp])).toEqual([[4, 2500], [0, null], [0, null]]);
  });
});

describe('LTV uplift and conversion', () => {
  it('compares the new buyers\' spend net of refunds with the brand\'s other buyers', () => {
    const big = sale('drop', DROP, 9000, { email: 'n1' });
    const sales = [
      big,
      sale('autumn', DROP + 45 * DAY, 3000, { email: 'n1' }),
      sale('drop', DROP, 4000, { email: 'n2' }),
      sale('spring', SPRING, 5000, { email: 'o1' }),
      sale('drop', DROP + 1, 1000, { email: 'o1' }),
      sale('spring', SPRING, 4000, { email: 'o2' }),
      sale('drop', DROP, 9999, { email: 'other-brand' }, { brandId: 'mellow-ceramics' }),
    ];
    const refunds = [{ id: 'r1', saleId: big.id, brandId: 'north-thread', total: 2000 } as Refund];
    const r = report({ sales, refunds, brandIds: ['north-thread'] });
    // New: n1 (9000 − 2000 + 3000 = 10000) and n2 (4000) → 7000 each. Others: o1 6000, o2 4000 → 5000.
    expect(r.ltv.newBuyers).toEqual({ buyers: 2, spend: 14_000, perBuyer: 7000 });
    expect(r.ltv.otherBuyers).toEqual({ buyers: 2, spend: 10_000, perBuyer: 5000 });
    expect(r.ltv.upliftBp).toBe(4000);
  });

  it('divides the drop\'s orders per creator code by the code\'s clicks, with or without consent', () => {
    const sales = [
      sale('drop', DROP, 1000, undefined, { source: 'maya', checkoutId: 'c-x' }),
      sale('drop', DROP, 1000, undefined, { source: 'maya', checkoutId: 'c-x', brandId: 'mellow-ceramics' }),
      sale('drop', DROP, 1000, { email: 'a' }, { source: 'maya' }),
      sale('spring', SPRING, 1000, undefined, { source: 'maya' }),
      sale('drop', DROP, 1000, undefined, { source: 'untracked' }),
    ];
    const r = report({ sales, clicks: { maya: 40, leo: 10 } });
    expect(r.conversion).toEqual([
      { source: 'leo', clicks: 10, orders: 0, conversionBp: 0 },
      { source: 'maya', clicks: 40, orders: 2, conversionBp: 500 },
      { source: 'untracked', clicks: 0, orders: 1, conversionBp: null },
    ]);
  });

  it('refuses a drop that is not among the events', () => {
    expect(() => report({ eventId: 'nope' })).toThrow(/not among the events/);
  });
});
