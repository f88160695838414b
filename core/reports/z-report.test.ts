import { DEMO_STAFF } from '../event/demo-event.ts';
import { managersOf } from '../ledger/entry-rules.ts';
import { describe, expect, it } from 'vitest';
import type { Product } from '../catalog/catalog.ts';
import { buildCheckout, priceItems } from '../selling/checkout.ts';
import { parseCsv } from '../base/csv.ts';
import { DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { buildRefund } from '../refunds/refund-builder.ts';
import type { Refund } from '../refunds/refund.ts';
import type { VoidRecord } from './audit.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { PAYMENT_METHODS, type Payment, type Sale } from '../selling/sale.ts';
import { closeShift, moveCash, openShift, openShiftOf, type ShiftEvent } from '../event/shift.ts';
import { StockView } from '../ledger/stock-view.ts';
import { buildZReport, decimal, percent, Z_TEXT_WIDTH, zonedDate, zReportCsv, zReportProblems, zReportText } from './z-report.ts';

const DEVICE = 'T1DEV0000001';
// 10:00 in Paris: the drop starts, −30 % for 15 minutes, −20 % to the hour, then −10 %.
const START = Date.UTC(2026, 10, 21, 9);
const min = (m: number) => START + m * 60_000;
const config = demoConfig(START);
const holder = tillHolder('t1');
/** A product at the reduced 5.5 % rate, so the report has two tax rates. */
const ZINE: Product = { ...DEMO_PRODUCTS.find((p) => p.sku === 'NT-SOCKS')!, sku: 'NT-ZINE', name: 'Drop Zine', price: 1000, cost: 200, taxRateBp: 550, barcodes: [] };
const products = [...DEMO_PRODUCTS, ZINE];

/** One till selling through the real checkout and refund builders, with a clock the test moves. */
function till() {
  let now = START;
  const clock = new HybridClock(DEVICE, { now: () => now });
  const views = new Map<string, StockView>();
  const writers = new Map<string, LedgerWriter>();
  const writer = (brandId: string) => {
    if (!writers.has(brandId)) {
      const view = new StockView();
      views.set(brandId, view);
      writers.set(brandId, new LedgerWriter(DEVICE, clock, view, (h) => (h === holder ? DEVICE : undefined)));
    }
    return writers.get(brandId)!;
  };
  const product = (b: string, s: string) => products.find((p) => p.brandId === b && p.sku === s);
  // Opening stock: ten of everything but the phones, which this till has none of.
  for (const brandId of ['north-thread', 'second-life']) {
    const batch = writer(brandId).batch();
    for (const p of products.filter((p) => p.brandId === brandId && !p.serialTracked)) batch.receive(holder, p.sku, 10);
    batch.entries.forEach((e) => views.get(brandId)!.add(e));
  }
  let receipt = 0;
  const sales: Sale[] = [];
  const refunds: Refund[] = [];
  const events: ShiftEvent[] = [];

  const sell = (
    minute: number,
    lines: { brandId?: string; sku: string; qty: number; serial?: string }[],
    pay: (total: number) => Payment[],
    opts: { override?: { managerId: string; reason: string }; tillId?: string } = {},
  ): Sale[] => {
    now = min(minute);
    const cart = { lines: lines.map((l) => ({ brandId: 'north-thread', ...l })) };
    const total = priceItems(cart.lines, config, product, now).totals.total;
    const ctx = { config, deviceId: DEVICE, tillId: opts.tillId ?? 't1', holder, receiptNumber: `T1-${String(++receipt).padStart(5, '0')}`, clock, product, writer, isManager: managersOf(DEMO_STAFF) };
    const result = buildCheckout({ cart, payments: pay(total), cashierId: 'ana', now, ...(opts.override ? { override: opts.override } : {}) }, ctx);
    for (const [brandId, entries] of result.entries) entries.forEach((e) => views.get(brandId)!.add(e));
    sales.push(...result.sales);
    return result.sales;
  };

  const refund = (minute: number, sale: Sale, sku: string, reason: string, method: 'cash' | 'card', approvedBy?: string): Refund => {
    now = min(minute);
    const ctx = { config, deviceId: DEVICE, tillId: 't1', holder, clock, writer: writer(sale.brandId), rightsRecords: [] };
    const req = { lines: [{ sku, qty: 1, reason }], method, cashierId: 'ana', now, ...(approvedBy ? { approvedBy } : {}) };
    const { refund, entries } = buildRefund(sale, refunds, req, ctx);
    entries.forEach((e) => views.get(sale.brandId)!.add(e));
    refunds.push(refund);
    return refund;
  };

  const actor = (minute: number) => {
    now = min(minute);
    return { tillId: 't1', cashierId: 'ana', now };
  };
  const overrides = () => [...views.values()].flatMap((v) => v.overrides());
  return { clock, sales, refunds, events, sell, refund, actor, overrides };
}

/**
 * A morning: float 100.00, a cash sale with change in the −30 % tier, a card sale of two tax rates and a
 * multi-brand sale paid by voucher and card with a phone sold beyond stock in the −20 % tier, a defective
 * item refunded in cash and a change of mind refunded to the card, a change top-up, banking, and sales
 * that belong to no shift of this till.
 */
function morning() {
  const t = till();
  // Before the shift: not in the report.
  t.sell(0.5, [{ sku: 'NT-TOTE', qty: 1 }], (total) => [{ method: 'cash', amount: total }]);
  t.events.push(openShift(t.events, { ...t.actor(1), float: 10_000 }, t.clock));
  const [a] = t.sell(5, [{ sku: 'NT-HOODIE-M', qty: 1 }, { sku: 'NT-SOCKS', qty: 2 }], (total) => [{ method: 'cash', amount: total, tendered: 10_000 }]);
  t.events.push(moveCash(t.events, { ...t.actor(10), kind: 'cash-in', amount: 2000, reason: 'change-top-up' }, t.clock));
  const [b] = t.sell(20, [{ sku: 'NT-TEE-BLK-M', qty: 1 }, { sku: 'NT-ZINE', qty: 1 }], (total) => [{ method: 'card', amount: total, reference: 'A1' }]);
  t.sell(
    30,
    [{ sku: 'NT-TOTE', qty: 1 }, { brandId: 'second-life', sku: 'SL-PHONE-12', qty: 1, serial: 'IMEI-1' }],
    (total) => [{ method: 'other', amount: 10_000, reference: 'VOUCHER-1' }, { method: 'card', amount: total - 10_000 }],
    { override: { managerId: 'mia', reason: 'display unit' } },
  );
  // Another till's sale in the same hour: not this till's drawer.
  t.sell(31, [{ sku: 'NT-CAP', qty: 1 }], (total) => [{ method: 'cash', amount: total }], { tillId: 't2' });
  t.refund(40, a!, 'NT-HOODIE-M', 'defective', 'cash');
  t.refund(45, b!, 'NT-ZINE', 'changed-mind', 'card', 'mia');
  t.events.push(moveCash(t.events, { ...t.actor(50), kind: 'cash-out', amount: 5000, reason: 'banking' }, t.clock));
  const closing = { ...t.actor(60) };
  // After the close: not in the report.
  t.sell(70, [{ sku: 'NT-SOCKS', qty: 1 }], (total) => [{ method: 'cash', amount: total }]);
  t.refund(75, a!, 'NT-SOCKS', 'defective', 'cash');
  return { ...t, closing };
}

function report(counted: number) {
  const m = morning();
  const shift = openShiftOf(m.events, 't1')!;
  // The sales list holds the first cash sale twice (a view and a document may both yield it): counted once.
  const sales = [...m.sales, m.sales[1]!];
  const r = buildZReport({ config, shift, closing: { at: m.closing.now, by: 'ana', counted }, sales, refunds: m.refunds, refundedSales: m.sales, overrides: m.overrides() });
  return { r, m, shift };
}

describe('Z report', () => {
  it('counts the shift’s own sales only, with gross, net, tax and discounts to the cent', () => {
    const { r } = report(8480);
    expect(r).toMatchObject({ tillId: 't1', date: '2026-11-21', openedAt: min(1), closedAt: min(60), openedBy: 'ana', closedBy: 'ana' });
    // Cash sale 65.10 (hoodie 48.30 + two socks 16.80), card sale 31.20 (tee 23.20 + zine 8.00), and
    // 411.00 (tote 12.00 + phone 399.00, held at list by its margin floor) in two brand records.
    expect(r.sales).toEqual({ transactions: 3, records: 4, units: 7, gross: 50_730, net: 42_366, tax: 8364, discount: 3870 });
    expect(r.taxByRate).toEqual([
      { rateBp: 550, net: 758, tax: 42, gross: 800 },
      { rateBp: 2000, net: 41_608, tax: 8322, gross: 49_930 },
    ]);
    // The phone's tier applied but its floor held it at list: its units count under the tier, for nothing off.
    expect(r.discountsByTier).toEqual([
      { tierId: 'first-15', label: '−30 % first 15 min', units: 3, amount: 2790 },
      { tierId: 'first-hour', label: '−20 % first hour', units: 4, amount: 1080 },
    ]);
  });

  it('splits payments by method for sales and refunds, with the cash tendered and the change given', () => {
    const { r } = report(8480);
    expect(r.payments).toEqual({
      sales: { cash: 6510, card: 34_220, other: 10_000 },
      refunds: { cash: 4830, card: 800, other: 0 },
      cashTendered: 10_000,
      changeGiven: 3490,
    });
    expect(r.refunds).toEqual({
      count: 2,
      units: 2,
      total: 5630,
      tax: 847,
      byReason: [
        { reason: 'defective', label: 'Defective or damaged', units: 1, amount: 4830 },
        { reason: 'changed-mind', label: 'Changed their mind', units: 1, amount: 800 },
      ],
      taxByRate: [
        { rateBp: 550, tax: 42, amount: 800 },
        { rateBp: 2000, tax: 805, amount: 4830 },
      ],
    });
    expect(r.netTakings).toBe(45_100);
  });

  it('lists the oversell a manager allowed on this shift, and counts only this shift’s voids', () => {
    const { r, m, shift } = report(8480);
    const phoneSale = m.sales.find((s) => s.brandId === 'second-life')!;
    expect(r.overrides).toEqual([{ receiptNumber: 'T1-00004', saleId: phoneSale.id, sku: 'SL-PHONE-12', qty: 1, shortfall: 1, managerId: 'mia', reason: 'display unit' }]);
    expect(r.voids).toEqual({ count: 0, total: 0 });
    const voided = (id: string, tillId: string, wallTime: number, total: number): VoidRecord => ({ id, tillId, cashierId: 'ana', wallTime, reason: 'cart cleared', lines: [{ sku: 'NT-CAP', name: 'Five-panel Cap', qty: 1 }], total });
    const withVoids = buildZReport({ config, shift, closing: { at: r.closedAt, by: 'ana', counted: 8480 }, sales: m.sales, refunds: m.refunds, refundedSales: m.sales, voids: [voided('v1', 't1', r.openedAt + 1, 2400), voided('v1', 't1', r.openedAt + 1, 2400), voided('v2', 't2', r.openedAt + 1, 999), voided('v3', 't1', r.openedAt - 1, 999), voided('v4', 't1', r.closedAt, 1200)] });
    expect(withVoids.voids).toEqual({ count: 2, total: 3600 });
    expect(zReportText(withVoids, config)).toContain('Voided value');
    // Overrides of sales outside the shift are not this shift's.
    const none = buildZReport({ config, shift: openShiftOf(m.events, 't1')!, closing: { at: min(25), by: 'ana', counted: 0 }, sales: m.sales, refunds: [], overrides: m.overrides() });
    expect(none.overrides).toEqual([]);
  });

  it('expects float + cash sales − cash refunds + cash in − cash out in the drawer, and reports the difference', () => {
    const short = report(8480).r;
    // 100.00 + 65.10 − 48.30 + 20.00 − 50.00 = 86.80
    expect(short.cash).toEqual({ float: 10_000, sales: 6510, refunds: 4830, cashIn: 2000, cashOut: 5000, expected: 8680, counted: 8480, discrepancy: -200 });
    expect(short.movements.map((mv) => [mv.kind, mv.amount])).toEqual([
      ['cash-in', 2000],
      ['cash-out', 5000],
    ]);
    expect(report(8880).r.cash.discrepancy).toBe(200);
    expect(report(8680).r.cash.discrepancy).toBe(0);
  });

  it('reconciles: payments by method add up to the sales, tax by rate to the tax, tiers to the discount', () => {
    const { r } = report(8480);
    expect(zReportProblems(r)).toEqual([]);
    expect(PAYMENT_METHODS.reduce((a, k) => a + r.payments.sales[k], 0)).toBe(r.sales.gross);
    expect(PAYMENT_METHODS.reduce((a, k) => a + r.payments.refunds[k], 0)).toBe(r.refunds.total);
    expect(r.taxByRate.reduce((a, t) => a + t.tax, 0)).toBe(r.sales.tax);
    expect(r.discountsByTier.reduce((a, t) => a + t.amount, 0)).toBe(r.sales.discount);
    // And the check notices a report that does not add up.
    expect(zReportProblems({ ...r, taxByRate: r.taxByRate.slice(1) })).toEqual(['tax by rate vs tax: 8322 ≠ 8364', 'net by rate vs net: 41608 ≠ 42366', 'gross by rate vs gross sales: 49930 ≠ 50730']);
  });

  it('reports a closed shift from its close event, and refuses an open one with no count', () => {
    const m = morning();
    const open = openShiftOf(m.events, 't1')!;
    expect(() => buildZReport({ config, shift: open, sales: m.sales, refunds: m.refunds })).toThrow(/still open/);
    m.events.push(closeShift(m.events, { ...m.actor(60), counted: 8480, expected: 8680, currency: 'EUR', locale: 'en-IE' }, m.clock));
    const closed = { ...open, close: m.events.at(-1) as Extract<ShiftEvent, { kind: 'close' }> };
    const r = buildZReport({ config, shift: closed, sales: m.sales, refunds: m.refunds });
    expect(r.cash).toMatchObject({ expected: 8680, counted: 8480, discrepancy: -200 });
    expect(r.closedAt).toBe(min(60));
  });

  it('dates the report by the event’s time zone, not UTC', () => {
    // 23:30 UTC on 21 November is already 22 November in Paris; in Los Angeles it is still the 21st.
    expect(zonedDate(Date.UTC(2026, 10, 21, 23, 30), 'Europe/Paris')).toBe('2026-11-22');
    expect(zonedDate(Date.UTC(2026, 10, 21, 23, 30), 'America/Los_Angeles')).toBe('2026-11-21');
    const { r } = report(8480);
    const late = buildZReport({ config: { ...config, timeZone: 'Asia/Tokyo' }, shift: { ...openShiftOf(morning().events, 't1')!, openedAt: Date.UTC(2026, 10, 21, 16) }, closing: { at: min(60) + 86_400_000, by: 'ana', counted: 0 }, sales: [], refunds: [] });
    expect(late.date).toBe('2026-11-22');
    expect(r.date).toBe('2026-11-21');
  });

  it('writes CSV with one figure per row, money as plain decimals', () => {
    const { r } = report(8480);
    const rows = parseCsv(zReportCsv(r, 'EUR')).map((x) => x.fields);
    expect(rows[0]).toEqual(['section', 'item', 'measure', 'value']);
    for (const row of [
      ['shift', 'date', 'day', '2026-11-21'],
      ['shift', 'opened', 'time', '2026-11-21 10:01'],
      ['shift', 'currency', 'code', 'EUR'],
      ['sales', 'all', 'transactions', '3'],
      ['sales', 'all', 'gross', '507.30'],
      ['tax', '5.5%', 'tax', '0.42'],
      ['tax', '20%', 'net', '416.08'],
      ['discount', 'first-15', 'amount', '27.90'],
      ['sale payments', 'card', 'amount', '342.20'],
      ['sale payments', 'cash', 'change given', '34.90'],
      ['refund payments', 'cash', 'amount', '48.30'],
      ['refunds', 'defective', 'amount', '48.30'],
      ['overrides', 'all', 'count', '1'],
      ['voids', 'all', 'count', '0'],
      ['voids', 'all', 'total', '0.00'],
      ['cash', 'expected', 'amount', '86.80'],
      ['cash', 'counted', 'amount', '84.80'],
      ['cash', 'discrepancy', 'amount', '-2.00'],
    ]) {
      expect(rows).toContainEqual(row);
    }
    const paid = rows.filter((x) => x[0] === 'sale payments' && x[2] === 'amount').reduce((a, x) => a + Number(x[3]) * 100, 0);
    expect(Math.round(paid)).toBe(r.sales.gross);
    expect(rows.every((x) => x.length === 4)).toBe(true);
  });

  it('prints as 42-column text with the figures and the discrepancy flagged', () => {
    const { r } = report(8480);
    const text = zReportText(r, config);
    const lines = text.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(Z_TEXT_WIDTH);
    expect(lines).toContain('Expected                            €86.80');
    expect(lines).toContain('Counted                             €84.80');
    expect(lines).toContain('*** Discrepancy (short)             -€2.00');
    expect(lines).toContain('Sales card                         €342.20');
    expect(lines).toContain('Opened 2026-11-21 10:01                ana');
    expect(zReportText(report(8680).r, config)).toMatch(/^Discrepancy {26}€0\.00$/m);
  });

  it('formats rates and amounts for files exactly', () => {
    expect([percent(2000), percent(550), percent(1225), percent(0)]).toEqual(['20%', '5.5%', '12.25%', '0%']);
    expect([decimal(14_830, 'EUR'), decimal(-200, 'EUR'), decimal(5, 'EUR'), decimal(500, 'JPY'), decimal(-1, 'KWD')]).toEqual(['148.30', '-2.00', '0.05', '500', '-0.001']);
  });
});
