import { DEMO_STAFF } from '../core/event/demo-event.ts';
import { managersOf } from '../core/ledger/entry-rules.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCheckout, priceItems } from '../core/selling/checkout.ts';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { ownerOfFor } from '../core/event/event.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { tillHolder } from '../core/ledger/holders.ts';
import { formatReceiptNumber } from '../core/base/ids.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import type { Sale } from '../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import type { SalesSummary, SummaryRow } from './storefront/summary.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { demoWorld, synced, type World } from './test-support.ts';

type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const EVENT = DEMO_EVENT_ID;
const base = `/api/events/${EVENT}`;

async function call(d: Demo, path: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${d.server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const sum = (rows: SummaryRow[], f: keyof SummaryRow) => rows.reduce((a, r) => a + (r[f] as number), 0);

/** Pairs the demo's booth A till and sells through a stock y-websocket client, as a till does. */
async function tillSale(d: Demo, lines: { sku: string; qty: number }[]): Promise<Sale> {
  const deviceId = 'TESTDEV00001';
  const paired = JSON.parse((await call(d, '/api/pair', '', { method: 'POST', body: { code: d.demo.tills[0]!.code, deviceId } })).text) as { token: string; tillId: string; receiptPrefix: string };
  const p = d.provider(brandDocName(EVENT, 'north-thread'), paired.token);
  await synced(p);
  const brand = new BrandDoc(p.doc);
  const view = new StockView();
  for (const e of brand.ledger().items) view.add(e);
  const { config, tills } = await d.server.events.setup(EVENT);
  const now = Date.now();
  const clock = new HybridClock(deviceId, { now: () => Date.now() });
  const items = lines.map((l) => ({ brandId: 'north-thread', ...l }));
  const product = (_b: string, sku: string) => brand.productBySku(sku);
  const total = priceItems(items, config!, product, now).totals.total;
  const checkout = buildCheckout(
    { cart: { lines: items }, payments: [{ method: 'cash', amount: total, tendered: total }], cashierId: 'cashier-1', now },
    {
      config: config!,
      deviceId,
      tillId: paired.tillId,
      holder: tillHolder(paired.tillId),
      receiptNumber: formatReceiptNumber(paired.receiptPrefix, 1),
      clock,
      product,
      writer: () => new LedgerWriter(deviceId, clock, view, ownerOfFor(tills)),
      isManager: managersOf(DEMO_STAFF),
    },
  );
  const sale = checkout.sales[0]!;
  brand.appendSale(sale, checkout.entries.get('north-thread')!);
  const reached = async () => d.server.hub.read(brandDocName(EVENT, 'north-thread'), (doc) => doc.getMap('sales').has(sale.id));
  const end = Date.now() + 5000;
  while (!(await reached())) {
    if (Date.now() > end) throw new Error('the till sale did not reach the server');
    await new Promise((r) => setTimeout(r, 20));
  }
  return sale;
}

async function onlineOrder(d: Demo, key: string, lines: { brandId: string; sku: string; qty: number }[], source?: string) {
  const stock = JSON.parse((await call(d, `${base}/stock`, d.demo.storefrontToken)).text) as StockSnapshot;
  const amount = lines.reduce((a, l) => a + stock.items.find((i) => i.sku === l.sku)!.price * l.qty, 0);
  const res = await call(d, `${base}/orders`, d.demo.storefrontToken, {
    method: 'POST',
    headers: { 'idempotency-key': key },
    body: { lines, payment: { method: 'card', amount }, ...(source ? { source } : {}) },
  });
  expect(res.status).toBe(201);
  return JSON.parse(res.text) as { total: number };
}

describe('sales summary', () => {
  it('totals every brand document’s sales, online and at the tills, with breakdowns that add up', async () => {
    const d = await demoWorld();
    w = d;
    await onlineOrder(d, 'a', [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }, { brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 2 }], 'creator-amy');
    await onlineOrder(d, 'b', [{ brandId: 'second-life', sku: 'SL-CASE-12', qty: 3 }]);
    await onlineOrder(d, 'c', [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], 'creator-amy');
    const till = await tillSale(d, [{ sku: 'NT-TEE-BLK-M', qty: 2 }, { sku: 'NT-SOCKS', qty: 1 }]);

    const res = await call(d, `${base}/summary`, d.demo.organiserToken);
    expect(res.status).toBe(200);
    const s = JSON.parse(res.text) as SalesSummary;

    // The truth: every sale in every brand document.
    const all: Sale[] = [];
    for (const b of ['north-thread', 'second-life', 'mellow-ceramics']) {
      all.push(...(await d.server.hub.read(brandDocName(EVENT, b), (doc) => new BrandDoc(doc).sales().items)));
    }
    expect(all).toHaveLength(5);
    const gross = all.reduce((a, x) => a + x.total, 0);
    expect(s).toMatchObject({ eventId: EVENT, currency: 'EUR', timeZone: 'Europe/Paris', invalidSales: 0 });
    const salesTax = all.reduce((a, x) => a + x.tax, 0);
    expect(s.totals).toEqual({
      orders: 4,
      sales: 5,
      units: 10,
      gross,
      refunds: 0,
      netSales: gross,
      salesTax,
      refundTax: 0,
      tax: salesTax,
      discounts: all.reduce((a, x) => a + x.discount, 0),
    });
    expect(s.totals.discounts).toBeGreaterThan(0);

    for (const rows of [s.byBrand, s.byLocation, s.byTill, s.byHour, s.bySource, s.bySku, s.byTier]) {
      for (const f of ['units', 'gross', 'netSales', 'tax', 'discounts'] as const) expect(sum(rows, f)).toBe(s.totals[f]);
    }
    // Sale-level breakdowns also add up in sales.
    for (const rows of [s.byBrand, s.byLocation, s.byTill, s.byHour, s.bySource]) expect(sum(rows, 'sales')).toBe(5);

    const row = (rows: SummaryRow[], key: string) => rows.find((r) => r.key === key);
    expect(row(s.byBrand, 'north-thread')).toMatchObject({ label: 'North Thread', orders: 3, sales: 3 });
    expect(row(s.byLocation, 'online')).toMatchObject({ orders: 3, sales: 4 });
    expect(row(s.byLocation, 'booth-a')).toMatchObject({ orders: 1, gross: till.total });
    expect(row(s.byTill, 'online')?.sales).toBe(4);
    expect(row(s.byTill, till.tillId)).toMatchObject({ label: 'Booth A till', gross: till.total });
    expect(row(s.bySource, 'creator-amy')).toMatchObject({ orders: 2 });
    expect(row(s.bySource, 'direct')).toMatchObject({ orders: 2 });
    expect(row(s.byTier, 'first-15')?.units).toBe(10);
    expect(s.bySku.find((r) => r.sku === 'MC-VASE')).toMatchObject({ brandId: 'mellow-ceramics', units: 2, label: 'Bud Vase' });

    // Hours in the event's time zone.
    const hour = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
      .formatToParts(till.wallTime)
      .reduce<Record<string, string>>((a, p) => ({ ...a, [p.type]: p.value }), {});
    expect(s.byHour.map((r) => r.key)).toContain(`${hour['year']}-${hour['month']}-${hour['day']}T${hour['hour']}`);
    for (const r of s.byHour) expect(r.key).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}$/);
  });

  it('gives the per-brand table as CSV, and only to the organiser', async () => {
    const d = await demoWorld();
    w = d;
    const a = await onlineOrder(d, 'a', [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 2 }]);
    const res = await call(d, `${base}/summary?format=csv`, d.demo.organiserToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows = res.text.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['brandId', 'brandName', 'currency', 'orders', 'sales', 'units', 'gross', 'refunds', 'netSales', 'salesTax', 'refundTax', 'tax', 'discounts']);
    expect(rows).toHaveLength(4); // every brand, with or without sales
    expect(rows.find((r) => r[0] === 'north-thread')).toEqual(['north-thread', 'North Thread', 'EUR', '1', '1', '2', String(a.total), '0', String(a.total), expect.any(String), '0', expect.any(String), expect.any(String)]);
    expect(rows.find((r) => r[0] === 'second-life')?.slice(3)).toEqual(['0', '0', '0', '0', '0', '0', '0', '0', '0', '0']);

    expect((await call(d, `${base}/summary`, d.demo.storefrontToken)).status).toBe(403);
    expect((await call(d, `${base}/summary?format=xml`, d.demo.organiserToken)).status).toBe(422);
    expect((await call(d, '/api/events/nope/summary', d.server.adminToken)).status).toBe(404);
  });
});
