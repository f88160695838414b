import { DEMO_STAFF } from '../event/demo-event.ts';
import { managersOf } from '../ledger/entry-rules.ts';
import { describe, expect, it } from 'vitest';
import { buildCheckout, priceItems } from '../selling/checkout.ts';
import { parseCsv } from '../base/csv.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import type { Brand } from '../event/event.ts';
import { HybridClock } from '../base/hlc.ts';
import { ONLINE, tillHolder, type HolderId } from '../ledger/holders.ts';
import { buildRefund } from '../refunds/refund-builder.ts';
import type { Refund } from '../refunds/refund.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import type { Sale } from '../selling/sale.ts';
import { reconcile, settle, settlementCsv, settlementText, SETTLEMENT_TEXT_WIDTH } from './settlement.ts';
import { closeShift, openShift, shiftsOf, type ShiftEvent } from '../event/shift.ts';
import { StockView } from '../ledger/stock-view.ts';
import { buildZReport, type ZReport } from './z-report.ts';

// 10:00 in Paris (UTC+1 in November): the drop runs 10:00–18:00 local.
const START = Date.UTC(2026, 10, 21, 9);
const config = demoConfig(START);
const brands: Brand[] = [
  { id: 'north-thread', name: 'North Thread', commissionBp: 1500, boothFee: 15000 },
  { id: 'mellow-ceramics', name: 'Mellow Ceramics', commissionBp: 1250, boothFee: 10000 },
  { id: 'quiet-brand', name: 'Quiet Brand', commissionBp: 1000, boothFee: 5000 },
];

/** A sale record built by hand (tax inclusive at 20 %), for figures that are easy to check. */
function sale(id: string, brandId: string, wallTime: number, gross: number, opts: { holder?: HolderId; discount?: number; checkoutId?: string } = {}): Sale {
  const tax = Math.round((gross * 2000) / 12_000);
  return {
    id, at: '', wallTime, writer: 'T1DEV0000001', eventId: config.id, brandId, tillId: 't1', holder: opts.holder ?? tillHolder('t1'),
    receiptNumber: `T1-${id}`, checkoutId: opts.checkoutId ?? `c-${id}`, cashierId: 'ana',
    lines: [{ sku: 'X', name: 'X', qty: 1, listPrice: gross + (opts.discount ?? 0), unitPrice: gross, tierId: null, taxRateBp: 2000, net: gross - tax, tax, gross, entryId: `e-${id}` }],
    payments: [{ method: 'card', amount: gross }], discount: opts.discount ?? 0, net: gross - tax, tax, total: gross,
  };
}

function refund(id: string, of: Sale, wallTime: number): Refund {
  const l = of.lines[0]!;
  return {
    id, at: '', wallTime, writer: of.writer, eventId: of.eventId, brandId: of.brandId, tillId: of.tillId, holder: of.holder, saleId: of.id,
    receiptNumber: of.receiptNumber, cashierId: 'ana', lines: [{ sku: l.sku, qty: 1, amount: l.gross, tax: l.tax, disposition: 'restock', reason: 'changed-mind', entryId: `e-${id}` }],
    payments: [{ method: 'card', amount: l.gross }], total: l.gross,
  };
}

/** Local Paris time on the drop's day (or later days) as epoch ms. */
const paris = (day: number, hour: number, minute = 0) => Date.UTC(2026, 10, 21 + day, hour - 1, minute);

describe('settlement statements', () => {
  it('gives each brand gross, discounts, tax, refunds, commission on net sales excluding tax, the booth fee and the payout', () => {
    const s1 = sale('s1', 'north-thread', paris(0, 11), 12_000, { discount: 3000 });
    const s2 = sale('s2', 'north-thread', paris(0, 12), 6_000);
    const s3 = sale('s3', 'mellow-ceramics', paris(0, 12), 2_400);
    const [nt, mc] = settle({ config, brands, sales: [s1, s2, s3], refunds: [refund('r1', s2, paris(0, 15))] });
    // North Thread: gross 180.00 with 30.00 tax; refund 60.00 with 10.00 tax.
    expect(nt!.event).toMatchObject({ sales: 2, gross: 18_000, discounts: 3000, salesTax: 3000, refunds: 6000, refundTax: 1000, netSales: 12_000, tax: 2000 });
    // Base = (180 − 30) − (60 − 10) = 100.00; commission 15 % = 15.00; payout 120 − 15 − 150 booth fee.
    expect(nt!.event.commissionBase).toBe(10_000);
    expect(nt!.event.commission).toBe(1500);
    expect(nt!.event.boothFee).toBe(15_000);
    expect(nt!.event.payout).toBe(12_000 - 1500 - 15_000);
    // Mellow: 24.00 gross, 4.00 tax → base 20.00, 12.5 % = 2.50.
    expect(mc!.event).toMatchObject({ gross: 2400, commissionBase: 2000, commission: 250, payout: 2400 - 250 - 10_000 });
  });

  it('settles a brand with no sales: zero figures, and it owes the booth fee', () => {
    const statements = settle({ config, brands, sales: [sale('s1', 'north-thread', paris(0, 11), 1000)], refunds: [] });
    const quiet = statements.find((s) => s.brandId === 'quiet-brand')!;
    expect(quiet.event).toMatchObject({ sales: 0, gross: 0, refunds: 0, commission: 0, boothFee: 5000, payout: -5000 });
    expect(quiet.days).toEqual([expect.objectContaining({ date: '2026-11-21', boothFee: 5000, payout: -5000 })]);
    expect(settlementText(quiet, config)).toContain('the brand owes the organiser');
  });

  it('counts a multi-brand checkout in each brand, and only its own part', () => {
    const a = sale('s1', 'north-thread', paris(0, 11), 5000, { checkoutId: 'c-shared' });
    const b = sale('s2', 'mellow-ceramics', paris(0, 11), 2200, { checkoutId: 'c-shared' });
    const [nt, mc] = settle({ config, brands, sales: [a, b], refunds: [] });
    expect(nt!.event.gross).toBe(5000);
    expect(mc!.event.gross).toBe(2200);
  });

  it('puts sales at 23:30 and 00:30 Paris time on two different days, and the days add up to the event', () => {
    const late = sale('s1', 'north-thread', paris(0, 23, 30), 12_000);
    const early = sale('s2', 'north-thread', paris(1, 0, 30), 6_000);
    // 23:30 in Paris is 22:30 UTC, the same UTC day; 00:30 is 23:30 UTC, still the FIRST UTC day.
    expect(new Date(early.wallTime).toISOString().slice(0, 10)).toBe('2026-11-21');
    const [nt] = settle({ config, brands, sales: [late, early], refunds: [] });
    expect(nt!.days.map((d) => [d.date, d.gross])).toEqual([
      ['2026-11-21', 12_000],
      ['2026-11-22', 6_000],
    ]);
    for (const k of ['gross', 'tax', 'commissionBase', 'commission', 'boothFee', 'payout'] as const) {
      expect(nt!.days.reduce((a, d) => a + d[k], 0)).toBe(nt!.event[k]);
    }
    expect(nt!.days[0]!.boothFee).toBe(15_000);
    expect(nt!.days[1]!.boothFee).toBe(0);
  });

  it('puts a refund made after the event on its own day, with a negative commission that gives back the commission on it', () => {
    const s = sale('s1', 'north-thread', paris(0, 11), 12_000);
    const later = refund('r1', s, paris(5, 10));
    const [nt] = settle({ config, brands, sales: [s], refunds: [later] });
    const refundDay = nt!.days.find((d) => d.date === '2026-11-26')!;
    expect(refundDay).toMatchObject({ sales: 0, refundCount: 1, refunds: 12_000, commissionBase: -10_000, commission: -1500, payout: -12_000 + 1500 });
    expect(nt!.event).toMatchObject({ netSales: 0, commissionBase: 0, commission: 0, payout: -15_000 });
  });

  it('rounds each day\'s commission with the event rounding and makes the event commission their sum', () => {
    // Bases of 0.03 and 0.03 at 15 %: 0.45 minor each → 0 half-up per day (rate × event base would be 0.9 → 1).
    const day1 = { ...sale('s1', 'north-thread', paris(0, 11), 4), tax: 1, net: 3 };
    day1.lines = [{ ...day1.lines[0]!, tax: 1, net: 3 }];
    const day2 = { ...day1, id: 's2', checkoutId: 'c2', wallTime: paris(1, 11) };
    const [nt] = settle({ config, brands, sales: [day1, day2], refunds: [] });
    expect(nt!.days.map((d) => d.commission)).toEqual([0, 0]);
    expect(nt!.event.commission).toBe(0);
  });

  it('writes CSV with one row per brand per period and a printable statement that fits its width', () => {
    const s = sale('s1', 'north-thread', paris(0, 11), 12_000);
    const statements = settle({ config, brands, sales: [s], refunds: [refund('r1', s, paris(1, 9))] });
    const rows = parseCsv(settlementCsv(statements)).map((r) => r.fields);
    expect(rows[0]).toContain('commissionBase');
    const nt = rows.filter((r) => r[0] === 'north-thread');
    expect(nt.map((r) => r[2])).toEqual(['event', '2026-11-21', '2026-11-22']);
    const payout = rows[0]!.indexOf('payout');
    expect(nt[0]![payout]).toBe('-150.00');
    const text = settlementText(statements[0]!, config);
    expect(text).toContain('DAY 2026-11-22');
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(SETTLEMENT_TEXT_WIDTH);
  });
});

describe('reconciliation with the Z reports', () => {
  /** Two tills, each with its own device and shifts, selling through the real checkout and refund builders. */
  function mall() {
    let now = START;
    const tills = ['t1', 't2'].map((tillId, i) => {
      const device = `T${i + 1}DEV000000${i + 1}`;
      const holder = tillHolder(tillId);
      const clock = new HybridClock(device, { now: () => now });
      const views = new Map<string, StockView>();
      const writers = new Map<string, LedgerWriter>();
      const writer = (brandId: string) => {
        if (!writers.has(brandId)) {
          views.set(brandId, new StockView());
          writers.set(brandId, new LedgerWriter(device, clock, views.get(brandId)!, (h) => (h === holder ? device : undefined)));
        }
        return writers.get(brandId)!;
      };
      for (const brandId of ['north-thread', 'mellow-ceramics']) {
        const batch = writer(brandId).batch();
        for (const p of DEMO_PRODUCTS.filter((p) => p.brandId === brandId)) batch.receive(holder, p.sku, 20);
        batch.entries.forEach((e) => views.get(brandId)!.add(e));
      }
      return { tillId, device, holder, clock, views, writer, receipt: 0, events: [] as ShiftEvent[] };
    });
    const sales: Sale[] = [];
    const refunds: Refund[] = [];
    const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);
    const at = (ms: number) => (now = ms);
    const sell = (t: (typeof tills)[number], ms: number, lines: { brandId: string; sku: string; qty: number }[]) => {
      at(ms);
      const total = priceItems(lines, config, product, now).totals.total;
      const ctx = { config, deviceId: t.device, tillId: t.tillId, holder: t.holder, receiptNumber: `${t.tillId}-${++t.receipt}`, clock: t.clock, product, writer: t.writer, isManager: managersOf(DEMO_STAFF) };
      const r = buildCheckout({ cart: { lines }, payments: [{ method: 'card', amount: total }], cashierId: 'ana', now }, ctx);
      for (const [b, entries] of r.entries) entries.forEach((e) => t.views.get(b)!.add(e));
      sales.push(...r.sales);
      return r.sales;
    };
    const giveBack = (t: (typeof tills)[number], ms: number, s: Sale, sku: string) => {
      at(ms);
      const { refund } = buildRefund(s, refunds, { lines: [{ sku, qty: 1, reason: 'changed-mind' }], method: 'card', cashierId: 'ana', now, approvedBy: 'mgr', rightsOverride: { managerId: 'mgr', reason: 'returned at another till' } }, { config, deviceId: t.device, tillId: t.tillId, holder: t.holder, clock: t.clock, writer: t.writer(s.brandId), rightsRecords: [] });
      refunds.push(refund);
      return refund;
    };
    const shift = (t: (typeof tills)[number], from: number, to: number, inside: () => void): ZReport => {
      t.events.push(openShift(t.events, { tillId: t.tillId, cashierId: 'ana', now: at(from), float: 10_000 }, t.clock));
      inside();
      at(to);
      const open = shiftsOf(t.events, t.tillId).find((s) => !s.close)!;
      const preview = buildZReport({ config, shift: open, closing: { at: to, by: 'ana', counted: 10_000 }, sales, refunds, refundedSales: sales });
      t.events.push(closeShift(t.events, { tillId: t.tillId, cashierId: 'ana', now: to, counted: preview.cash.expected, expected: preview.cash.expected, currency: 'EUR', locale: 'en' }, t.clock));
      const closed = shiftsOf(t.events, t.tillId).find((s) => s.id === open.id)!;
      return buildZReport({ config, shift: closed, sales, refunds, refundedSales: sales });
    };
    return { tills, sales, refunds, sell, giveBack, shift };
  }

  it('proves the statements equal the sum of the tills\' Z reports, with sales on several tills and brands, a refund after the event, online sales and a brand with no sales', () => {
    const m = mall();
    const [t1, t2] = m.tills as [(typeof m.tills)[number], (typeof m.tills)[number]];
    let multi: Sale[] = [];
    const reports: ZReport[] = [];
    reports.push(m.shift(t1, paris(0, 9, 50), paris(0, 18, 10), () => {
      multi = m.sell(t1, paris(0, 10, 5), [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }, { brandId: 'mellow-ceramics', sku: 'MC-MUG-BLUE', qty: 2 }]);
      m.sell(t1, paris(0, 11), [{ brandId: 'north-thread', sku: 'NT-TEE-BLK-S', qty: 3 }]);
    }));
    reports.push(m.shift(t2, paris(0, 9, 55), paris(0, 18, 5), () => {
      m.sell(t2, paris(0, 10, 30), [{ brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 1 }]);
      m.sell(t2, paris(0, 17, 59), [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }]);
    }));
    // Three days after the event, a customer brings the mug back to till 2, in a shift of its own.
    reports.push(m.shift(t2, paris(3, 10), paris(3, 12), () => {
      m.giveBack(t2, paris(3, 11), multi.find((s) => s.brandId === 'mellow-ceramics')!, 'MC-MUG-BLUE');
    }));
    // An online order: in the statements, in no Z report.
    const online = { ...sale('web-1', 'north-thread', paris(0, 12), 6900), holder: ONLINE, tillId: 'online' };
    const statements = settle({ config, brands: DEMO_BRANDS, sales: [...m.sales, online], refunds: m.refunds });

    const result = reconcile(statements, reports, { sales: [...m.sales, online], refunds: m.refunds });
    expect(result.rows.filter((r) => r.difference !== 0)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.uncovered).toEqual({ sales: [], refunds: [] });
    expect(result.rows.find((r) => r.measure === 'gross')!.settlement).toBe(m.sales.reduce((a, s) => a + s.total, 0));
    // The online sale is settled with the brand all the same.
    const nt = statements.find((s) => s.brandId === 'north-thread')!;
    expect(nt.online.gross).toBe(6900);
    expect(nt.event.gross).toBe(nt.tills.gross + nt.online.gross);
    expect(statements.find((s) => s.brandId === 'second-life')!.event.gross).toBe(0);
  });

  it('shows the difference, and the records no Z report covers, when a till sold outside its shifts', () => {
    const m = mall();
    const t1 = m.tills[0]!;
    const reports = [m.shift(t1, paris(0, 9, 50), paris(0, 12), () => m.sell(t1, paris(0, 10, 5), [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty: 1 }]))];
    const stray = m.sell(t1, paris(0, 13), [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 1 }]);
    const result = reconcile(settle({ config, brands: DEMO_BRANDS, sales: m.sales, refunds: [] }), reports, { sales: m.sales, refunds: [] });
    expect(result.ok).toBe(false);
    expect(result.rows.find((r) => r.measure === 'gross')!.difference).toBe(stray[0]!.total);
    expect(result.uncovered.sales).toEqual([stray[0]!.id]);
  });

  it('sets aside the sales of a shift still open and says which shift it is, comparing only the closed ones', () => {
    const m = mall();
    const [t1, t2] = m.tills as [(typeof m.tills)[number], (typeof m.tills)[number]];
    const reports = [m.shift(t1, paris(0, 9, 50), paris(0, 12), () => m.sell(t1, paris(0, 10, 5), [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty: 1 }]))];
    // Till 2 opened its shift and sells; it has not closed, so it has no Z report yet.
    t2.events.push(openShift(t2.events, { tillId: t2.tillId, cashierId: 'ana', now: paris(0, 9, 55), float: 10_000 }, t2.clock));
    const inOpen = m.sell(t2, paris(0, 11), [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 2 }]);
    const open = shiftsOf(t2.events, t2.tillId).filter((x) => !x.close).map((x) => ({ tillId: x.tillId, shiftId: x.id, openedAt: x.openedAt }));
    const statements = settle({ config, brands: DEMO_BRANDS, sales: m.sales, refunds: [] });
    const result = reconcile(statements, reports, { sales: m.sales, refunds: [] }, open);
    expect(result.ok).toBe(true);
    expect(result.rows.filter((r) => r.difference !== 0)).toEqual([]);
    expect(result.open).toEqual([{ ...open[0]!, sales: 1, refunds: 0, gross: inOpen[0]!.total }]);
    expect(result.uncovered).toEqual({ sales: [], refunds: [] });
    // A sale outside every shift is still a difference: set aside only what an open shift holds.
    const stray = m.sell(t1, paris(0, 13), [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }]);
    const again = reconcile(settle({ config, brands: DEMO_BRANDS, sales: m.sales, refunds: [] }), reports, { sales: m.sales, refunds: [] }, open);
    expect(again.ok).toBe(false);
    expect(again.uncovered.sales).toEqual([stray[0]!.id]);
  });

  it('flags two Z reports of one till that overlap (their records would count twice)', () => {
    const m = mall();
    const t1 = m.tills[0]!;
    const a = m.shift(t1, paris(0, 9), paris(0, 12), () => undefined);
    const b = { ...a, shiftId: 'sh_other', openedAt: paris(0, 11) };
    expect(reconcile([], [a, b]).overlapping).toEqual(['sh_other']);
  });
});
