import { describe, expect, it } from 'vitest';
import { parseCsv } from '../core/base/csv.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { DEMO_BRANDS, DEMO_LOCATIONS, DEMO_PRODUCTS, DEMO_STAFF, demoConfig } from '../core/event/demo-event.ts';
import type { Till } from '../core/event/event.ts';
import { managersOf } from '../core/ledger/entry-rules.ts';
import { tillHolder } from '../core/ledger/holders.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import { buildRefund } from '../core/refunds/refund-builder.ts';
import type { Refund } from '../core/refunds/refund.ts';
import { buildDashboard, dashboardCsv } from '../core/reports/dashboard.ts';
import { settle, settlementCsv, settlementDiscountsCsv } from '../core/reports/settlement.ts';
import { buildCheckout, priceItems } from '../core/selling/checkout.ts';
import type { Cart } from '../core/selling/cart.ts';
import type { Coupon } from '../core/selling/discounts.ts';
import type { Sale } from '../core/selling/sale.ts';
import { brandCsv, discountCsv, summarise } from './storefront/summary.ts';

/**
 * One definition of each figure (core/reports/figures.ts): the dashboard, the settlement statements and their
 * CSV, and the summary API must give the same gross, refunds, net sales, tax and discounts for the same event.
 * On the demo event with a refund, the settlement screen's tax (net of refunds) and its CSV's `tax` (tax in
 * sales only) used to differ: 36.79 against 38.22.
 */
const START = Date.UTC(2026, 10, 21, 9);
const config = demoConfig(START);

function demoDay() {
  let now = START + 10 * 60_000;
  const device = 'T1DEV0000001';
  const tillId = 'till-1';
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
  const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);
  const sales: Sale[] = [];
  const refunds: Refund[] = [];
  let receipt = 0;
  const coupon: Coupon = { code: 'SUMMER10', name: 'Summer 10 %', brandId: 'north-thread', percentBp: 1000, validFrom: '2026-11-01T00:00', validUntil: '2026-12-01T00:00' };
  const sell = (minutes: number, lines: Cart['lines'], more: Omit<Cart, 'lines'> = {}) => {
    now = START + minutes * 60_000;
    const total = priceItems(lines, config, product, now, { ...(more.discount ? { cart: more.discount } : {}), ...(more.coupons ? { coupon } : {}) }).totals.total;
    const ctx = {
      config, deviceId: device, tillId, holder, receiptNumber: `T1-${++receipt}`, clock, product, writer, isManager: managersOf(DEMO_STAFF),
      roleOf: (id: string) => DEMO_STAFF.find((m) => m.id === id)?.role, coupon: (code: string) => (code.toLowerCase() === 'summer10' ? coupon : undefined), couponUses: () => [],
    };
    const r = buildCheckout({ cart: { lines, ...more }, payments: [{ method: 'card', amount: total }], cashierId: 'ana', now }, ctx);
    for (const [b, entries] of r.entries) entries.forEach((e) => views.get(b)!.add(e));
    sales.push(...r.sales);
    return r.sales;
  };
  // Tiered prices (the first 15 minutes' and the first hour's), several brands, then a mug brought back.
  const first = sell(5, [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }, { brandId: 'mellow-ceramics', sku: 'MC-MUG-BLUE', qty: 2 }]);
  sell(40, [{ brandId: 'north-thread', sku: 'NT-TEE-BLK-S', qty: 3 }]);
  sell(130, [{ brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 1 }, { brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }]);
  // Discounts given at the till: a line's (a reason), a coupon and a whole-sale one, twice over.
  for (const m of [150, 160]) sell(m, [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 2, discount: { percentBp: 500, reason: 'Scuffed' } }], { coupons: ['SUMMER10'], discount: { percentBp: 500, reason: 'Regular' } });
  now = START + 200 * 60_000;
  const mug = first.find((s) => s.brandId === 'mellow-ceramics')!;
  const { refund } = buildRefund(mug, refunds, { lines: [{ sku: 'MC-MUG-BLUE', qty: 1, reason: 'changed-mind' }], method: 'card', cashierId: 'ana', now, approvedBy: 'mia' }, { config, deviceId: device, tillId, holder, clock, writer: writer(mug.brandId), rightsRecords: [] });
  refunds.push(refund);
  const tills: Till[] = [{ id: tillId, name: 'Booth A till', deviceId: device, locationId: 'booth-a', brandIds: ['north-thread', 'mellow-ceramics'], receiptPrefix: 'T1' }];
  return { sales, refunds, tills };
}

describe('one definition of each figure', () => {
  it('gives the same gross, refunds, net sales, tax and discounts on the dashboard, the settlement (screen and CSV) and the summary API', () => {
    const { sales, refunds, tills } = demoDay();
    const refundTax = refunds.reduce((a, r) => a + r.lines.reduce((b, l) => b + l.tax, 0), 0);
    expect(refundTax).toBeGreaterThan(0);
    const expected = {
      gross: sales.reduce((a, s) => a + s.total, 0),
      refunds: refunds.reduce((a, r) => a + r.total, 0),
      tax: sales.reduce((a, s) => a + s.tax, 0) - refundTax,
      discounts: sales.reduce((a, s) => a + s.discount, 0),
    };
    expect(expected.discounts).toBeGreaterThan(0);
    const netSales = expected.gross - expected.refunds;

    const dash = buildDashboard({ config, brands: DEMO_BRANDS, locations: DEMO_LOCATIONS, tills, products: DEMO_PRODUCTS, sales, refunds });
    expect({ gross: dash.totals.gross, refunds: dash.totals.refunded, netSales: dash.totals.netSales, tax: dash.totals.tax, discounts: dash.totals.discount }).toEqual({ ...expected, netSales });

    const statements = settle({ config, brands: DEMO_BRANDS, sales, refunds });
    const sum = (k: 'gross' | 'refunds' | 'netSales' | 'tax' | 'discounts') => statements.reduce((a, s) => a + s.event[k], 0);
    expect({ gross: sum('gross'), refunds: sum('refunds'), netSales: sum('netSales'), tax: sum('tax'), discounts: sum('discounts') }).toEqual({ ...expected, netSales });

    // The settlement CSV's `tax` column is the screen's tax (s.event.tax), brand by brand.
    const rows = parseCsv(settlementCsv(statements)).map((r) => r.fields);
    const col = (name: string) => rows[0]!.indexOf(name);
    for (const s of statements) {
      const row = rows.find((r) => r[0] === s.brandId && r[2] === 'event')!;
      expect(row[col('tax')]).toBe((s.event.tax / 100).toFixed(2));
      expect(row[col('netSales')]).toBe((s.event.netSales / 100).toFixed(2));
    }

    const summary = summarise({ config, brands: DEMO_BRANDS, locations: DEMO_LOCATIONS, tills, docs: DEMO_BRANDS.map((b) => ({ brandId: b.id, sales: sales.filter((s) => s.brandId === b.id), refunds: refunds.filter((r) => r.brandId === b.id), invalid: 0 })) });
    expect(summary.totals).toMatchObject({ ...expected, netSales });
    // Per brand, the summary, the dashboard and the statement agree too, and so do both CSVs.
    const summaryRows = parseCsv(brandCsv(summary)).map((r) => r.fields);
    const dashRows = parseCsv(dashboardCsv(dash, 'byBrand')).map((r) => r.fields);
    for (const s of statements) {
      expect(summary.byBrand.find((r) => r.key === s.brandId)).toMatchObject({ gross: s.event.gross, refunds: s.event.refunds, netSales: s.event.netSales, tax: s.event.tax, discounts: s.event.discounts });
      expect(dash.byBrand.find((r) => r.key === s.brandId)).toMatchObject({ gross: s.event.gross, refunded: s.event.refunds, netSales: s.event.netSales, tax: s.event.tax });
      expect(summaryRows.find((r) => r[0] === s.brandId)![summaryRows[0]!.indexOf('tax')]).toBe(String(s.event.tax));
      expect(dashRows.find((r) => r[0] === s.brandId)![dashRows[0]!.indexOf('tax')]).toBe((s.event.tax / 100).toFixed(2));
    }
  });

  it('names every discount the same way on the dashboard, the settlement (screen, text and CSV) and the summary API, adding up to the discounts', () => {
    const { sales, refunds, tills } = demoDay();
    const discounts = sales.reduce((a, s) => a + s.discount, 0);
    const dash = buildDashboard({ config, brands: DEMO_BRANDS, locations: DEMO_LOCATIONS, tills, products: DEMO_PRODUCTS, sales, refunds });
    const names = dash.byDiscount.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['Scuffed', 'Coupon SUMMER10 · Summer 10 %', 'Regular · whole sale', '−30 % first 15 min']));
    expect(dash.byDiscount.reduce((a, d) => a + d.amount, 0)).toBe(discounts);
    const coupon = dash.byDiscount.find((d) => d.kind === 'coupon')!;
    expect(coupon).toMatchObject({ code: 'SUMMER10', sales: 2 });
    expect(coupon.amount).toBeGreaterThan(0);

    const summary = summarise({ config, brands: DEMO_BRANDS, locations: DEMO_LOCATIONS, tills, docs: DEMO_BRANDS.map((b) => ({ brandId: b.id, sales: sales.filter((s) => s.brandId === b.id), refunds: refunds.filter((r) => r.brandId === b.id), invalid: 0 })) });
    expect(summary.byDiscount).toEqual(dash.byDiscount);

    // The settlement splits them by brand: the coupon and the reasons are North Thread's alone.
    const statements = settle({ config, brands: DEMO_BRANDS, sales, refunds });
    const nt = statements.find((s) => s.brandId === 'north-thread')!;
    expect(nt.discountsByName.find((d) => d.kind === 'coupon')).toEqual(coupon);
    expect(statements.flatMap((s) => s.discountsByName).reduce((a, d) => a + d.amount, 0)).toBe(discounts);
    for (const s of statements) expect(s.discountsByName.reduce((a, d) => a + d.amount, 0)).toBe(s.event.discounts);

    // The CSVs carry the same rows: the dashboard's and the settlement's in decimals, the summary's in minor units.
    const dashCsv = parseCsv(dashboardCsv(dash, 'byDiscount')).map((r) => r.fields);
    expect(dashCsv[0]).toEqual(['key', 'currency', 'kind', 'name', 'code', 'sales', 'amount']);
    expect(dashCsv.find((r) => r[2] === 'coupon')).toEqual([coupon.key, 'EUR', 'coupon', coupon.name, 'SUMMER10', '2', (coupon.amount / 100).toFixed(2)]);
    expect(parseCsv(discountCsv(summary)).map((r) => r.fields).find((r) => r[2] === 'coupon')).toEqual([coupon.key, 'EUR', 'coupon', coupon.name, 'SUMMER10', '2', String(coupon.amount)]);
    expect(parseCsv(settlementDiscountsCsv(statements)).map((r) => r.fields).find((r) => r[3] === 'coupon')).toEqual(['north-thread', 'North Thread', 'EUR', 'coupon', coupon.name, 'SUMMER10', '2', (coupon.amount / 100).toFixed(2)]);
  });
});
