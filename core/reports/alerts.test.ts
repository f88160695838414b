import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_THRESHOLDS, evaluateAlerts, type AlertInput } from './alerts.ts';
import type { VoidRecord } from './audit.ts';
import type { Product } from '../catalog/catalog.ts';
import { DEMO_LOCATIONS, DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { locationOfFor, type Till } from '../event/event.ts';
import { HybridClock } from '../base/hlc.ts';
import { hubHolder, RESERVE, tillHolder } from '../ledger/holders.ts';
import { newId } from '../base/ids.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import { StockView } from '../ledger/stock-view.ts';

const START = Date.UTC(2026, 10, 21, 9);
const config = demoConfig(START);
const tills: Till[] = [
  { id: 't1', name: 'Till 1', deviceId: 'T1DEV0000001', locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'T1' },
  { id: 't2', name: 'Till 2', deviceId: 'T2DEV0000002', locationId: 'booth-b', brandIds: ['north-thread'], receiptPrefix: 'T2' },
];
const CAP = DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!; // low-stock threshold 3, safety stock 1
const TOTE: Product = { ...DEMO_PRODUCTS.find((p) => p.sku === 'NT-TOTE')!, lowStockThreshold: 4, safetyStock: 2 };
const products = [CAP, TOTE];

let seq = 0;
function sale(cashierId: string, wallTime: number, opts: Partial<Sale> = {}, priceSetBy?: string): Sale {
  const id = `s${++seq}`;
  return {
    id, at: '', wallTime, writer: 'T1DEV0000001', eventId: config.id, brandId: 'north-thread', tillId: 't1', holder: tillHolder('t1'),
    receiptNumber: `T1-${seq}`, checkoutId: `c${seq}`, cashierId,
    lines: [{ sku: 'NT-CAP', name: 'Five-panel Cap', qty: 1, listPrice: 2500, unitPrice: priceSetBy ? 1500 : 2500, tierId: null, taxRateBp: 0, net: 2500, tax: 0, gross: 2500, entryId: `e${seq}`, ...(priceSetBy ? { priceSetBy } : {}) }],
    payments: [], discount: 0, net: 2500, tax: 0, total: 2500, ...opts,
  };
}
const refundOf = (s: Sale, id: string): Refund => ({ ...s, id, saleId: s.id, lines: [], payments: [], total: 0 }) as unknown as Refund;

function stock(entries: [string, string, number][]): NonNullable<AlertInput['stock']> {
  const clock = new HybridClock('SERVER000000', { now: () => START });
  const view = new StockView();
  for (const [holder, sku, qty] of entries) view.add({ id: newId('e', clock), at: '', writer: 'SERVER000000', kind: 'receive', sku, qty, to: holder });
  return [{ brandId: 'north-thread', byLocation: view.byLocation(locationOfFor(tills)) }];
}

const base = (over: Partial<AlertInput>): AlertInput => ({ config, tills, locations: DEMO_LOCATIONS, products, sales: [], refunds: [], now: START + 3_600_000, ...over });

describe('stock alerts', () => {
  it('raises low stock, below safety stock and out of stock per SKU per location, only the worst of them', () => {
    const alerts = evaluateAlerts(base({
      stock: stock([
        [tillHolder('t1'), 'NT-CAP', 3], // booth A: at the threshold of 3 → low
        [tillHolder('t2'), 'NT-CAP', 9], // booth B: fine
        [hubHolder('hub-central'), 'NT-TOTE', 1], // below the safety stock of 2
        [tillHolder('t1'), 'NT-TOTE', 5],
      ]),
    }));
    expect(alerts.map((a) => a.id)).toEqual(['below-safety-stock:north-thread/NT-TOTE@hub-central', 'low-stock:north-thread/NT-CAP@booth-a']);
    expect(alerts[0]).toMatchObject({ severity: 'critical', ongoing: true, subject: { sku: 'NT-TOTE', locationId: 'hub-central' } });
    expect(alerts[1]!.message).toContain('Booth A');
  });

  it('raises one event-wide out-of-stock alert when no location has any stock of a SKU', () => {
    const view = stock([[tillHolder('t1'), 'NT-CAP', 1]]);
    // The one cap is sold: every location is at zero.
    const sold = view[0]!.byLocation.get('booth-a')!.get('NT-CAP')!;
    sold.sellable = 0;
    const alerts = evaluateAlerts(base({ stock: view }));
    expect(alerts.map((a) => a.id)).toEqual(['out-of-stock:north-thread/NT-CAP@*']);
    expect(alerts[0]!.message).toContain('no location');
  });

  it('leaves the central reserve out unless asked, and takes per-location thresholds from the lookup', () => {
    const s = stock([[RESERVE, 'NT-CAP', 1], [tillHolder('t1'), 'NT-CAP', 6]]);
    expect(evaluateAlerts(base({ stock: s }))).toEqual([]);
    expect(evaluateAlerts(base({ stock: s }), { includeReserve: true }).map((a) => a.kind)).toEqual(['low-stock']);
    const lookup = (_p: Product, loc: string) => (loc === 'booth-a' ? { lowStockThreshold: 10, safetyStock: 0 } : undefined);
    expect(evaluateAlerts(base({ stock: s, thresholdFor: lookup })).map((a) => a.id)).toEqual(['low-stock:north-thread/NT-CAP@booth-a']);
  });
});

describe('fraud-pattern alerts', () => {
  it('flags a cashier whose refunds exceed the rate once they have made enough sales', () => {
    const bob = Array.from({ length: 5 }, (_, i) => sale('bob', START + i * 60_000));
    const ana = Array.from({ length: 4 }, (_, i) => sale('ana', START + i * 60_000));
    // bob: 2 refunds / 5 sales = 40 % > 20 %; ana: 4 refunds but only 4 sales, too few to judge.
    const refunds = [refundOf(bob[0]!, 'r1'), refundOf(bob[1]!, 'r2'), ...ana.map((s, i) => refundOf(s, `ra${i}`))];
    const alerts = evaluateAlerts(base({ sales: [...bob, ...ana], refunds }));
    expect(alerts.map((a) => a.id)).toEqual(['refund-rate:bob']);
    expect(alerts[0]!.message).toContain('40.0 %');
    // One refund in five is exactly 20 %: not above the threshold.
    expect(evaluateAlerts(base({ sales: bob, refunds: [refundOf(bob[0]!, 'r1')] }))).toEqual([]);
  });

  it('raises one alert per burst of voids within the window, named after its first void so it stays stable', () => {
    const v = (id: string, minute: number, cashierId = 'bob'): VoidRecord => ({ id, tillId: 't1', cashierId, wallTime: START + minute * 60_000, lines: [], total: 100, reason: 'cart cleared' });
    const voids = [v('v1', 0), v('v2', 4), v('v3', 9), v('v4', 30), v('v5', 31), v('a1', 0, 'ana'), v('a2', 20, 'ana'), v('a3', 40, 'ana')];
    const first = evaluateAlerts(base({ voids }));
    expect(first.map((a) => a.id)).toEqual(['repeated-voids:bob:v1']);
    // Two more voids join the second group: now it is a burst too; the first keeps its id.
    const again = evaluateAlerts(base({ voids: [...voids, v('v6', 32)] }));
    expect(again.map((a) => a.id).sort()).toEqual(['repeated-voids:bob:v1', 'repeated-voids:bob:v4']);
    expect(evaluateAlerts(base({ voids }), { voidCount: 4 })).toEqual([]);
  });

  it('reports manual prices, manager oversells, sales outside the drop and writes the server refused', () => {
    const priced = sale('ana', START + 60_000, {}, 'mgr-1');
    const early = sale('ana', START - 60_000);
    const late = sale('ana', config.drop.endsAt);
    const clock = new HybridClock('T1DEV0000001', { now: () => START });
    const entryId = newId('e', clock);
    const oversell: LedgerEntry = { id: entryId, at: entryId.slice(2), writer: 'T1DEV0000001', kind: 'sale', sku: 'NT-CAP', qty: 2, from: tillHolder('t1'), ref: priced.id, override: { managerId: 'mgr-1', reason: 'customer waiting', shortfall: 1 } };
    const alerts = evaluateAlerts(base({
      sales: [priced, early, late, sale('ana', config.drop.endsAt - 1)],
      overrides: [oversell],
      rejections: [{ at: START + 5, deviceId: 'T9DEV0000009', doc: 'event/demo-flash-mall/brand/north-thread', reason: 'entry names another writer', tillId: 't9' }],
    }));
    expect(alerts.map((a) => a.kind).sort()).toEqual(['outside-hours', 'outside-hours', 'oversell', 'price-override', 'rejected-write']);
    expect(alerts[0]!.kind).toBe('rejected-write'); // critical first
    expect(alerts.find((a) => a.kind === 'oversell')).toMatchObject({ at: priced.wallTime, subject: { tillId: 't1', cashierId: 'mgr-1' } });
    expect(alerts.find((a) => a.kind === 'price-override')!.message).toContain('mgr-1');
    // Money formatted in the event's currency, never bare minor units.
    expect(alerts.find((a) => a.kind === 'price-override')!.message).not.toMatch(/minor units|\b\d{3,} instead of/);
    expect(alerts.find((a) => a.kind === 'price-override')!.message).toMatch(/€\d+\.\d{2} instead of €\d+\.\d{2}/);
    expect(alerts.filter((a) => a.kind === 'outside-hours').map((a) => a.subject.ref).sort()).toEqual([early.id, late.id].sort());
    expect(evaluateAlerts(base({ sales: [early] }), { outsideHoursGraceMs: 120_000 })).toEqual([]);
  });

  it('gives the same ids when evaluated again, so a watcher sends each alert once', () => {
    const input = base({ sales: [sale('ana', START - 1)], stock: stock([[tillHolder('t1'), 'NT-CAP', 2]]) });
    const ids = evaluateAlerts(input).map((a) => a.id);
    expect(ids).toHaveLength(2);
    expect(evaluateAlerts({ ...input, now: input.now + 60_000 }).map((a) => a.id)).toEqual(ids);
    expect(DEFAULT_ALERT_THRESHOLDS.refundRateBp).toBe(2000);
  });
});

describe('coupon over its limit', () => {
  const coupon = { code: 'LAST1', name: 'One only', brandId: 'north-thread', amount: 100, usageLimit: 1, validFrom: '2026-11-01T00:00', validUntil: '2026-12-01T00:00' };
  const used = (at: string, tillId: string) => sale('ana', START + 60_000, { at, tillId, discounts: [{ kind: 'coupon', code: 'last1', reason: 'One only', amount: 100, total: 100 }] });

  it('raises one alert per use past the limit, in hybrid-clock order, naming the receipt and till', () => {
    const first = used('0000000001000-0000-T1DEV0000001', 't1');
    const second = used('0000000002000-0000-T2DEV0000002', 't2');
    const alerts = evaluateAlerts(base({ sales: [second, first, sale('ana', START)], coupons: [coupon] })).filter((a) => a.kind === 'coupon-over-limit');
    expect(alerts.map((a) => a.id)).toEqual([`coupon-over-limit:last1:${second.id}`]);
    expect(alerts[0]).toMatchObject({ severity: 'warning', ongoing: false, subject: { tillId: 't2', ref: second.id } });
    expect(alerts[0]!.message).toContain(`receipt ${second.receiptNumber} at till t2 was use 2`);
  });

  it('raises nothing within the limit, for a coupon with no limit, or for another brand’s sales with the code', () => {
    const one = used('0000000001000-0000-T1DEV0000001', 't1');
    const other = { ...used('0000000002000-0000-T1DEV0000001', 't1'), brandId: 'mellow-ceramics' };
    const { usageLimit: _, ...unlimited } = coupon;
    expect(evaluateAlerts(base({ sales: [one, other], coupons: [coupon] })).filter((a) => a.kind === 'coupon-over-limit')).toEqual([]);
    expect(evaluateAlerts(base({ sales: [one, used('0000000003000-0000-T1DEV0000001', 't1')], coupons: [unlimited] })).filter((a) => a.kind === 'coupon-over-limit')).toEqual([]);
  });
});
