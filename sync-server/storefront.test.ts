import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS, demoConfig } from '../core/event/demo-event.ts';
import { hubHolder, ONLINE, RESERVE, tillHolder } from '../core/ledger/holders.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import type { Sale } from '../core/selling/sale.ts';
import type { StockItem, StockSnapshot } from './storefront/stock.ts';
import { demoWorld, synced, until, type World } from './test-support.ts';

type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const EVENT = DEMO_EVENT_ID;
const base = `/api/events/${EVENT}`;

async function start(opts: Parameters<typeof demoWorld>[0] = {}): Promise<Demo> {
  const d = await demoWorld(opts);
  w = d;
  return d;
}

interface Call {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by expect()
type Body = any;

async function call(d: Demo, path: string, c: Call = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.token) headers['authorization'] = `Bearer ${c.token}`;
  if (c.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${d.server.url}${path}`, { method: c.method ?? 'GET', headers, ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* CSV or empty */
  }
  return { status: res.status, body, headers: res.headers };
}

const stock = async (d: Demo): Promise<StockSnapshot> => (await call(d, `${base}/stock`, { token: d.demo.storefrontToken })).body as StockSnapshot;
const item = (s: StockSnapshot, sku: string): StockItem => s.items.find((i) => i.sku === sku)!;
const available = async (d: Demo, sku: string) => item(await stock(d), sku).available;

function order(d: Demo, key: string, body: unknown) {
  return call(d, `${base}/orders`, { method: 'POST', token: d.demo.storefrontToken, headers: { 'idempotency-key': key }, body });
}

const nt = (sku: string, qty: number) => ({ brandId: 'north-thread', sku, qty });

/** Online sales are the till `online`'s, whichever holder (online allocation or hub) the units came from. */
async function onlineSales(d: Demo, brandId = 'north-thread'): Promise<Sale[]> {
  return d.server.hub.read(brandDocName(EVENT, brandId), (doc) => new BrandDoc(doc).sales().items.filter((s) => s.tillId === 'online'));
}

describe('storefront stock', () => {
  // The demo's online stock: the online allocation (10 of each, 2 phones), the central hub (the same) and the
  // east hub (4 of each hoodie and tee), so most SKUs offer 20, hoodies and tees 24, at most 10 per order.
  it('lists every SKU with its price at the current tier and the stock of every fulfilment source', async () => {
    const d = await start();
    const res = await call(d, `${base}/stock`, { token: d.demo.storefrontToken });
    expect(res.status).toBe(200);
    const s = res.body as StockSnapshot;
    expect(s).toMatchObject({ eventId: EVENT, currency: 'EUR', phase: 'live', tier: { id: 'first-15', percentOffBp: 3000 } });
    expect(s.items).toHaveLength(DEMO_PRODUCTS.length);
    // Hero items first.
    expect(s.items[0]!.hero).toBe(true);
    expect(item(s, 'NT-HOODIE-M')).toEqual({
      brandId: 'north-thread',
      sku: 'NT-HOODIE-M',
      name: 'Drop Hoodie',
      variant: 'M',
      barcodes: [expect.stringMatching(/^\d{13}$/)],
      hero: true,
      listPrice: 6900,
      price: 4830, // 30 % off in the first 15 minutes
      tierId: 'first-15',
      currency: 'EUR',
      available: 24,
      maxPerOrder: 10,
      perCustomerLimit: null,
    });
    expect(item(s, 'SL-PHONE-11')).toMatchObject({ available: 4, maxPerOrder: 2 });
    // An organiser may read it too.
    expect((await call(d, `${base}/stock`, { token: d.demo.organiserToken })).status).toBe(200);
    expect((await call(d, `${base}/stock`)).status).toBe(401);
  });

  it('prices at the tier in force on the server clock', async () => {
    let now = Date.now();
    const d = await start({ now: () => now });
    now += 20 * 60_000; // 25 minutes into the drop: the −20 % tier
    const s = await stock(d);
    expect(s.tier?.id).toBe('first-hour');
    expect(item(s, 'NT-HOODIE-M')).toMatchObject({ price: 5520, tierId: 'first-hour' });
  });

  it('answers 304 to If-None-Match while nothing changed, and a new ETag once it has', async () => {
    const d = await start();
    const first = await call(d, `${base}/stock`, { token: d.demo.storefrontToken });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await call(d, `${base}/stock`, { token: d.demo.storefrontToken, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.get('etag')).toBe(etag);
    await call(d, `${base}/reservations`, { method: 'POST', token: d.demo.storefrontToken, body: { lines: [nt('NT-CAP', 1)] } });
    const changed = await call(d, `${base}/stock`, { token: d.demo.storefrontToken, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

describe('reservations', () => {
  it('hold stock, name every short line on 409, and free it when released', async () => {
    const d = await start();
    const token = d.demo.storefrontToken;
    const r = await call(d, `${base}/reservations`, { method: 'POST', token, body: { lines: [nt('NT-TEE-BLK-M', 3)] } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^rsv_/), lines: [nt('NT-TEE-BLK-M', 3)] });
    expect(r.body.expiresAt).toBeGreaterThan(Date.now() + 590_000);
    // With no destination it is pinned to the online allocation (7 left there; 10 + 4 at the hubs).
    expect(item(await stock(d), 'NT-TEE-BLK-M')).toMatchObject({ available: 21, maxPerOrder: 10 });

    const short = await call(d, `${base}/reservations`, {
      method: 'POST',
      token,
      body: { lines: [nt('NT-TEE-BLK-M', 22), { brandId: 'second-life', sku: 'SL-PHONE-11', qty: 5 }, nt('NT-CAP', 1)] },
    });
    expect(short.status).toBe(409);
    expect(short.body.type).toBe('InsufficientStock');
    expect(short.body.lines).toEqual([
      { brandId: 'north-thread', sku: 'NT-TEE-BLK-M', requested: 22, available: 21, byLocation: { online: 7, 'hub-central': 10, 'hub-east': 4 } },
      { brandId: 'second-life', sku: 'SL-PHONE-11', requested: 5, available: 4, byLocation: { online: 2, 'hub-central': 2 } },
    ]);
    // Units that exist, but not all in one place: refused too, saying where they are.
    const split = await call(d, `${base}/reservations`, { method: 'POST', token, body: { lines: [{ brandId: 'second-life', sku: 'SL-PHONE-11', qty: 3 }] } });
    expect(split.status).toBe(409);
    expect(split.body).toMatchObject({ type: 'NoSingleLocation', lines: [{ sku: 'SL-PHONE-11', requested: 3, available: 4, byLocation: { online: 2, 'hub-central': 2 } }] });
    expect(split.body.message).toMatch(/^no single location has stock for the whole order/);
    // A refused reservation holds nothing.
    expect(await available(d, 'NT-CAP')).toBe(20);

    expect((await call(d, `${base}/reservations/${r.body.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect(await available(d, 'NT-TEE-BLK-M')).toBe(24);
    expect((await call(d, `${base}/reservations/${r.body.id}`, { method: 'DELETE', token })).status).toBe(404);
  });

  it('refuses bad input with the field named', async () => {
    const d = await start();
    const token = d.demo.storefrontToken;
    const bad = async (body: unknown) => (await call(d, `${base}/reservations`, { method: 'POST', token, body })).body;
    expect(await bad({ lines: [] })).toMatchObject({ type: 'ValidationError', field: 'lines' });
    expect(await bad({ lines: [nt('NT-CAP', 0)] })).toMatchObject({ field: 'lines[0].qty' });
    expect(await bad({ lines: [nt('NOPE', 1)] })).toMatchObject({ field: 'lines[0].sku' });
    expect(await bad({ lines: [{ brandId: 'other', sku: 'NT-CAP', qty: 1 }] })).toMatchObject({ field: 'lines[0].brandId' });
    expect(await bad({ lines: [nt('NT-CAP', 1)], ttlSeconds: 3601 })).toMatchObject({ field: 'ttlSeconds' });
  });

  it('stop counting when they expire, are swept, and survive a restart until then', async () => {
    let now = Date.now();
    const d = await start({ now: () => now });
    const token = d.demo.storefrontToken;
    const r = await call(d, `${base}/reservations`, { method: 'POST', token, body: { lines: [nt('NT-SOCKS', 4)], ttlSeconds: 60 } });
    expect(r.status).toBe(201);
    expect(r.body.expiresAt).toBe(now + 60_000);
    await d.restart();
    expect(await available(d, 'NT-SOCKS')).toBe(16);
    now += 61_000;
    expect(await available(d, 'NT-SOCKS')).toBe(20);
    expect((await call(d, `${base}/reservations/${r.body.id}`, { token })).body).toMatchObject({ active: false });
    await d.server.storefront.sweep();
    expect((await call(d, `${base}/reservations/${r.body.id}`, { token })).status).toBe(404);
    expect(await d.server.stores.event(EVENT).list('reservations')).toEqual([]);
  });
});

describe('orders', () => {
  it('are written as sales of the source they are routed to, priced like the till, and consume their reservation', async () => {
    const d = await start();
    const s = await stock(d);
    const hoodie = item(s, 'NT-HOODIE-M');
    const mug = item(s, 'MC-MUG-BLUE');
    const r = await call(d, `${base}/reservations`, { method: 'POST', token: d.demo.storefrontToken, body: { lines: [nt('NT-HOODIE-M', 2)] } });
    const total = hoodie.price * 2 + mug.price;
    const res = await order(d, 'order-1', {
      reservationId: r.body.id,
      lines: [nt('NT-HOODIE-M', 2), { brandId: 'mellow-ceramics', sku: 'MC-MUG-BLUE', qty: 1 }],
      payment: { method: 'card', amount: total, reference: 'psp_123' },
      source: 'creator-amy',
      fulfilment: { type: 'pickup', locationId: 'hub-central' },
    });
    expect(res.status).toBe(201);
    // Collected at the central hub, which holds every unit of it: routed there (distance 0), although the
    // reservation (made without a destination) had locked the online allocation's units.
    expect(res.body).toMatchObject({ orderId: expect.stringMatching(/^o_/), status: 'placed', receiptNumber: 'WEB-00001', total, currency: 'EUR', routedTo: 'hub-central', distanceKm: 0 });
    expect(res.body.sales).toHaveLength(2);
    expect(res.headers.get('location')).toBe(`${base}/orders/${res.body.orderId}`);

    // The reservation is consumed, the stock down by what was sold.
    expect((await call(d, `${base}/reservations/${r.body.id}`, { token: d.demo.storefrontToken })).status).toBe(404);
    const after = await stock(d);
    expect(item(after, 'NT-HOODIE-M')).toMatchObject({ available: 22, maxPerOrder: 10 });
    expect(item(after, 'MC-MUG-BLUE').available).toBe(19);

    // An organiser's replica sees the sales, by the hub's holder and the online till, written by the server.
    const p = d.provider(brandDocName(EVENT, 'north-thread'), d.demo.organiserToken);
    await synced(p);
    const sale = new BrandDoc(p.doc).sales().items.find((x) => x.id === res.body.sales[0] || x.id === res.body.sales[1])!;
    expect(sale).toMatchObject({ holder: 'hub:hub-central', tillId: 'online', writer: 'SERVER000000', receiptNumber: 'WEB-00001', source: 'creator-amy', total: hoodie.price * 2 });
    expect(sale.lines[0]).toMatchObject({ sku: 'NT-HOODIE-M', qty: 2, unitPrice: hoodie.price, listPrice: 6900, tierId: 'first-15' });
    const entries = new BrandDoc(p.doc).ledger().items.filter((e) => e.ref === sale.id);
    expect(entries).toEqual([expect.objectContaining({ kind: 'sale', from: 'hub:hub-central', sku: 'NT-HOODIE-M', qty: 2, writer: 'SERVER000000' })]);

    const got = await call(d, `${base}/orders/${res.body.orderId}`, { token: d.demo.storefrontToken });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      orderId: res.body.orderId,
      status: 'placed',
      receiptNumber: 'WEB-00001',
      total,
      fulfilment: { type: 'pickup', locationId: 'hub-central' },
      routedTo: 'hub-central',
      lines: [
        { brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 2, unitPrice: hoodie.price, gross: hoodie.price * 2 },
        { brandId: 'mellow-ceramics', sku: 'MC-MUG-BLUE', qty: 1, unitPrice: mug.price },
      ],
    });
    expect(typeof got.body.createdAt).toBe('number');
    const next = await order(d, 'order-2', { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: item(after, 'NT-CAP').price } });
    expect(next.body.receiptNumber).toBe('WEB-00002');
  });

  it('accept exactly 50 of 500 concurrent orders for the last 50 units, spread over two sources', async () => {
    // 500 orders in one burst from one address and token: above the default rate limits, which this test
    // is not about (see abuse-storefront.test.ts).
    const d = await start({ limits: { storefrontPerTokenPerSecond: 1000, storefrontPerAddressPerSecond: 1000 } });
    // An organiser watches the brand: its replica must see exactly the 50 sales. (Its connection also keeps the
    // document loaded: see the report on reloading a document while its unload is compacting it.)
    const watcher = d.provider(brandDocName(EVENT, 'north-thread'), d.demo.organiserToken);
    await synced(watcher);
    // The online allocation and the central hub hold 10 NT-SOCKS each after seeding; bring online to 40.
    await d.server.events.receive(EVENT, RESERVE, [nt('NT-SOCKS', 30)]);
    await d.server.events.transfer(EVENT, RESERVE, ONLINE, [nt('NT-SOCKS', 30)]);
    const price = item(await stock(d), 'NT-SOCKS').price;
    expect(await available(d, 'NT-SOCKS')).toBe(50);

    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => order(d, `race-${i}`, { lines: [nt('NT-SOCKS', 1)], payment: { method: 'card', amount: price } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(450);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.lines).toEqual([{ brandId: 'north-thread', sku: 'NT-SOCKS', requested: 1, available: 0, byLocation: {} }]);
    expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.receiptNumber)).size).toBe(50);

    const soldFrom = (doc: Parameters<Parameters<typeof d.server.hub.read>[1]>[0], holder: string) =>
      new BrandDoc(doc)
        .ledger()
        .items.filter((e) => e.kind === 'sale' && e.from === holder && e.sku === 'NT-SOCKS')
        .reduce((a, e) => a + e.qty, 0);
    const { sold, rights, negative } = await d.server.hub.read(brandDocName(EVENT, 'north-thread'), (doc, view) => ({
      // With no destination the online allocation goes first, then the hub.
      sold: [soldFrom(doc, ONLINE), soldFrom(doc, hubHolder('hub-central'))],
      rights: [view!.rights(ONLINE, 'NT-SOCKS'), view!.rights(hubHolder('hub-central'), 'NT-SOCKS')],
      negative: view!.negativeBalances(),
    }));
    expect(sold).toEqual([40, 10]);
    expect(rights).toEqual([0, 0]);
    expect(negative).toEqual([]);
    expect(await onlineSales(d)).toHaveLength(50);
    expect(await available(d, 'NT-SOCKS')).toBe(0);
    await until(() => new BrandDoc(watcher.doc).sales().items.filter((x) => x.tillId === 'online').length === 50, 'the organiser to see the 50 sales');
  }, 60_000);

  it('replay the first response for a retried Idempotency-Key, also when the retries are concurrent', async () => {
    const d = await start();
    const price = item(await stock(d), 'NT-CAP').price;
    const body = { lines: [nt('NT-CAP', 2)], payment: { method: 'card', amount: price * 2 } };
    const first = await order(d, 'key-a', body);
    expect(first.status).toBe(201);
    const again = await order(d, 'key-a', { payment: body.payment, lines: body.lines }); // same body, other key order
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const burst = await Promise.all(Array.from({ length: 8 }, () => order(d, 'key-b', body)));
    expect(new Set(burst.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(burst.map((r) => JSON.stringify(r.body))).size).toBe(1);

    const sales = await onlineSales(d);
    expect(sales.map((s) => s.receiptNumber).sort()).toEqual(['WEB-00001', 'WEB-00002']);
    expect(await available(d, 'NT-CAP')).toBe(16);

    const reused = await order(d, 'key-a', { ...body, lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price } });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('IdempotencyKeyReused');

    // A refusal is the key's answer too.
    const tooMany = { lines: [nt('NT-CAP', 17)], payment: { method: 'card', amount: price * 17 } };
    expect((await order(d, 'key-c', tooMany)).status).toBe(409);
    expect((await order(d, 'key-c', tooMany)).status).toBe(409);
  });

  /**
   * Makes the store refuse the next commit that writes an order, as a full disk or a crash between planning
   * and writing would: the commit is not made, so nothing of it may be stored.
   */
  function failNextOrderCommit(d: Demo): { refused: () => number } {
    let refused = 0;
    d.tap!.tap = (call, proceed) => {
      if (refused === 0 && call.op === 'commit' && call.commit?.put?.some((p) => p.ns === 'orders')) {
        refused++;
        return Promise.reject(new Error('disk on fire (injected)'));
      }
      return proceed();
    };
    return { refused: () => refused };
  }

  it('write an order as one commit: a failed one leaves nothing (no order, key, receipt number, sale or consumed reservation), and the retry places it once', async () => {
    const d = await start({ tap: true });
    const price = item(await stock(d), 'NT-TOTE').price;
    const held = await call(d, `${base}/reservations`, { method: 'POST', token: d.demo.storefrontToken, body: { lines: [nt('NT-TOTE', 1)], ttlSeconds: 600 } });
    expect(held.status).toBe(201);
    const failing = failNextOrderCommit(d);
    const body = { lines: [nt('NT-TOTE', 1)], payment: { method: 'card', amount: price }, reservationId: held.body.id };
    const first = await order(d, 'crashy', body);
    expect(first.status).toBe(500);
    expect(failing.refused()).toBe(1);
    const records = d.server.stores.event(EVENT);
    expect(await records.list('orders')).toEqual([]);
    expect(await records.list('idempotency')).toEqual([]);
    expect(await records.list('web-receipt-seq')).toEqual([]);
    expect((await records.list('reservations')).map(([id]) => id)).toEqual([held.body.id]);
    // The brand document in memory was dropped with the failed write and reloaded from the store: no sale.
    expect(await onlineSales(d)).toHaveLength(0);
    const stored = await records.loadDoc(brandDocName(EVENT, 'north-thread'));
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    expect(new BrandDoc(doc).sales().items.filter((x) => x.tillId === 'online')).toHaveLength(0);

    // A restart finds the same nothing; the retry under the same key places the order, once.
    await d.restart();
    const nt0 = brandDocName(EVENT, 'north-thread');
    // Held open so no unload compacts it between the two counts.
    const handle = await d.server.hub.open(nt0);
    const countBefore = d.server.stores.event(EVENT).updateCount(nt0) ?? 0;
    const retry = await order(d, 'crashy', body);
    expect(retry.status).toBe(201);
    expect(retry.body.receiptNumber).toBe('WEB-00001');
    // The sale's update was stored once, by the order's commit: the hub did not append it a second time.
    expect(d.server.stores.event(EVENT).updateCount(nt0)).toBe(countBefore + 1);
    handle.close();
    expect((await onlineSales(d)).map((x) => x.id)).toEqual(retry.body.sales);
    const again = await order(d, 'crashy', body);
    expect(again.body).toEqual(retry.body);
    expect(await onlineSales(d)).toHaveLength(1);
    expect(await d.server.stores.event(EVENT).list('reservations')).toEqual([]);
    expect((await order(d, 'next', { lines: [nt('NT-TOTE', 1)], payment: { method: 'card', amount: price } })).body.receiptNumber).toBe('WEB-00002');
  });

  it('refuse the retry of a failed order whose units are gone by then, storing nothing', async () => {
    const d = await start({ tap: true });
    const price = item(await stock(d), 'SL-PHONE-12').price;
    const phone = { brandId: 'second-life', sku: 'SL-PHONE-12', qty: 2 };
    failNextOrderCommit(d);
    const body = { lines: [phone], payment: { method: 'card', amount: price * 2 } };
    expect((await order(d, 'lost', body)).status).toBe(500);
    // Meanwhile the organiser moves the online and the hub's phones to the reserve.
    await d.server.events.transfer(EVENT, ONLINE, RESERVE, [phone]);
    await d.server.events.transfer(EVENT, hubHolder('hub-central'), RESERVE, [phone]);
    const retry = await order(d, 'lost', body);
    expect(retry.status).toBe(409);
    expect(await onlineSales(d, 'second-life')).toEqual([]);
    expect(await d.server.stores.event(EVENT).list('orders')).toEqual([]);
  });

  it('refuse a payment that does not match, a missing Idempotency-Key, and another event’s token', async () => {
    const d = await start();
    const price = item(await stock(d), 'NT-CAP').price;
    const mismatch = await order(d, 'k1', { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price + 1 } });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toMatchObject({ type: 'PaymentMismatch', total: price, amount: price + 1 });

    const noKey = await call(d, `${base}/orders`, { method: 'POST', token: d.demo.storefrontToken, body: { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price } } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.type).toBe('IdempotencyKeyRequired');
    expect((await order(d, 'x'.repeat(101), { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price } })).status).toBe(400);

    const admin = d.server.adminToken;
    const other = { ...demoConfig(Date.now()), id: 'other-mall', name: 'Other Mall' };
    expect((await call(d, '/api/events', { method: 'POST', token: admin, body: { config: other } })).status).toBe(201);
    const foreign = (await call(d, '/api/events/other-mall/tokens', { method: 'POST', token: admin, body: { role: 'storefront' } })).body.token as string;
    for (const [path, method] of [
      [`${base}/stock`, 'GET'],
      [`${base}/orders`, 'POST'],
      [`${base}/reservations`, 'POST'],
      [`${base}/stock/stream?token=${foreign}`, 'GET'],
    ] as const) {
      const res = await call(d, path, { method, ...(path.includes('?') ? {} : { token: foreign }), headers: { 'idempotency-key': 'k2' }, ...(method === 'POST' ? { body: { lines: [nt('NT-CAP', 1)] } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Only a storefront places online orders: not an organiser.
    expect((await order({ ...d, demo: { ...d.demo, storefrontToken: d.demo.organiserToken } }, 'k3', { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price } })).status).toBe(403);
    expect(await onlineSales(d)).toHaveLength(0);
  });

  it('keep customer details only hashed, and only with consent', async () => {
    const d = await start();
    const price = item(await stock(d), 'NT-CAP').price;
    const pay = { method: 'card', amount: price };
    const yes = await order(d, 'c1', { lines: [nt('NT-CAP', 1)], payment: pay, customer: { email: ' Alice@Example.com ', phone: '+33 6 12 34 56 78', consent: true } });
    const no = await order(d, 'c2', { lines: [nt('NT-CAP', 1)], payment: pay, customer: { email: 'bob@example.com', consent: false } });
    expect([yes.status, no.status]).toEqual([201, 201]);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const orders = new Map(await d.server.stores.event(EVENT).list<{ customer?: unknown }>('orders'));
    expect(orders.get(yes.body.orderId)?.customer).toEqual({ consent: true, emailSha256: sha('alice@example.com'), phoneSha256: sha('+33612345678') });
    expect(orders.get(no.body.orderId)?.customer).toEqual({ consent: false });
    // The consenting customer's hashes are on the order's sale too (as a till records them), the other's not.
    const sales = await d.server.hub.read(brandDocName(EVENT, 'north-thread'), (doc) => new BrandDoc(doc).sales().items);
    const saleOf = (receipt: string) => sales.find((x) => x.receiptNumber === receipt);
    expect(saleOf(yes.body.receiptNumber)?.customer).toEqual({ consent: true, emailSha256: sha('alice@example.com'), phoneSha256: sha('+33612345678') });
    expect(saleOf(no.body.receiptNumber)).toBeDefined();
    expect(saleOf(no.body.receiptNumber)?.customer).toBeUndefined();
    const everything = JSON.stringify([
      ...(await d.server.stores.event(EVENT).list('orders')),
      ...(await d.server.stores.event(EVENT).list('idempotency')),
    ]).toLowerCase();
    expect(everything).not.toContain('alice@example.com');
    expect(everything).not.toContain('bob@example.com');
    expect(everything).not.toContain('12 34 56');
  });

  it('move forward through fulfilment statuses only, by the organiser', async () => {
    const d = await start();
    const price = item(await stock(d), 'NT-CAP').price;
    const placed = await order(d, 's1', { lines: [nt('NT-CAP', 1)], payment: { method: 'card', amount: price }, fulfilment: { type: 'ship' } });
    const url = `${base}/orders/${placed.body.orderId}/status`;
    const set = (status: string, token = d.demo.organiserToken) => call(d, url, { method: 'POST', token, body: { status } });
    expect((await set('allocated', d.demo.storefrontToken)).status).toBe(403);
    expect((await set('allocated')).body).toMatchObject({ status: 'allocated' });
    expect((await set('ready')).body.type).toBe('InvalidStatusTransition'); // a shipped order is never "ready for pick-up"
    expect((await set('placed')).status).toBe(409);
    expect((await set('shipped')).status).toBe(200);
    expect((await set('bogus')).status).toBe(422);
    const done = await set('delivered');
    expect(done.body.history.map((h: { status: string }) => h.status)).toEqual(['placed', 'allocated', 'shipped', 'delivered']);
    expect((await call(d, `${base}/orders/${placed.body.orderId}`, { token: d.demo.storefrontToken })).body.status).toBe('delivered');
    expect((await call(d, `${base}/orders/o_nope`, { token: d.demo.storefrontToken })).status).toBe(404);
  });
});

describe('stock stream', () => {
  interface SseEvent {
    event: string;
    data: Body;
  }

  /** Opens the stream with fetch and collects its events. */
  async function openStream(d: Demo, token: string) {
    const ctrl = new AbortController();
    const res = await fetch(`${d.server.url}${base}/stock/stream?token=${encodeURIComponent(token)}`, { signal: ctrl.signal });
    const events: SseEvent[] = [];
    let comments = 0;
    if (res.status === 200) {
      void (async () => {
        const decoder = new TextDecoder();
        let buf = '';
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            let end: number;
            while ((end = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, end);
              buf = buf.slice(end + 2);
              if (block.startsWith(':')) comments++;
              const name = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (name && data) events.push({ event: name, data: JSON.parse(data) });
            }
          }
        } catch {
          /* aborted */
        }
      })();
    }
    return { res, events, comments: () => comments, close: () => ctrl.abort() };
  }

  it('sends a snapshot, then the SKUs an order or a reservation changes', async () => {
    const d = await start();
    const s = await openStream(d, d.demo.storefrontToken);
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toContain('text/event-stream');
    await until(() => s.events.length > 0, 'the snapshot');
    expect(s.events[0]!.event).toBe('snapshot');
    expect(item(s.events[0]!.data as StockSnapshot, 'NT-CAP').available).toBe(20);

    const price = item(await stock(d), 'NT-CAP').price;
    expect((await order(d, 'sse-1', { lines: [nt('NT-CAP', 3)], payment: { method: 'card', amount: price * 3 } })).status).toBe(201);
    await until(() => s.events.some((e) => e.event === 'stock'), 'a stock event after the order');
    const update = s.events.find((e) => e.event === 'stock')!.data as { items: StockItem[] };
    expect(update.items).toEqual([expect.objectContaining({ brandId: 'north-thread', sku: 'NT-CAP', available: 17 })]);

    await call(d, `${base}/reservations`, { method: 'POST', token: d.demo.storefrontToken, body: { lines: [{ brandId: 'second-life', sku: 'SL-CABLE', qty: 4 }] } });
    await until(() => s.events.some((e) => e.event === 'stock' && e.data.items.some((i: StockItem) => i.sku === 'SL-CABLE' && i.available === 16)), 'a stock event after the reservation');

    // Stock moved into a hub is on offer at once…
    await d.server.events.transfer(EVENT, RESERVE, 'hub:hub-central', [nt('NT-CAP', 1)]);
    await until(() => s.events.some((e) => e.event === 'stock' && e.data.items.some((i: StockItem) => i.sku === 'NT-CAP' && i.available === 18)), 'a stock event after a transfer to a hub');
    // …stock moved between holders the storefront never sells from (the reserve, a booth's till) is not: no event.
    const before = s.events.length;
    await d.server.events.transfer(EVENT, RESERVE, tillHolder(d.demo.tills[0]!.tillId), [nt('NT-CAP', 1)]);
    await new Promise((r) => setTimeout(r, 150));
    expect(s.events.length).toBe(before);
    s.close();
  });
  // The stream caps (per address and per server, no longer per token) are tested in stock-stream.test.ts.
});

describe('storefront pieces', () => {
  it('order statuses only move forward along the fulfilment path', async () => {
    const { canAdvance } = await import('./storefront/orders.ts');
    expect(canAdvance('placed', 'allocated', 'pickup')).toBe(true);
    expect(canAdvance('placed', 'collected', 'pickup')).toBe(true); // skipping is allowed
    expect(canAdvance('allocated', 'shipped', 'pickup')).toBe(false);
    expect(canAdvance('shipped', 'ready', undefined)).toBe(false);
    expect(canAdvance('allocated', 'shipped', undefined)).toBe(true);
    expect(canAdvance('ready', 'ready', 'pickup')).toBe(false);
    expect(canAdvance('delivered', 'placed', 'ship')).toBe(false);
  });

  it('If-None-Match matches strong and weak tags, lists and *', async () => {
    const { ifNoneMatch } = await import('./storefront/stock.ts');
    expect(ifNoneMatch('"a"', '"a"')).toBe(true);
    expect(ifNoneMatch('W/"a"', '"a"')).toBe(true);
    expect(ifNoneMatch('"b", "a"', '"a"')).toBe(true);
    expect(ifNoneMatch('*', '"a"')).toBe(true);
    expect(ifNoneMatch('"b"', '"a"')).toBe(false);
    expect(ifNoneMatch(undefined, '"a"')).toBe(false);
  });

  it('hours are reckoned in the event time zone, across a daylight-saving change', async () => {
    const { hourFormat, hourKey } = await import('./storefront/summary.ts');
    const paris = hourFormat('Europe/Paris');
    expect(hourKey(Date.UTC(2026, 10, 21, 9, 30), paris)).toBe('2026-11-21T10');
    expect(hourKey(Date.UTC(2026, 6, 1, 23, 5), paris)).toBe('2026-07-02T01');
    // 2026-10-25 03:00 CEST → 02:00 CET: both 00:30 and 01:30 UTC are "02" local.
    expect(hourKey(Date.UTC(2026, 9, 25, 0, 30), paris)).toBe('2026-10-25T02');
    expect(hourKey(Date.UTC(2026, 9, 25, 1, 30), paris)).toBe('2026-10-25T02');
    expect(hourKey(Date.UTC(2026, 10, 21, 0, 0), hourFormat('America/New_York'))).toBe('2026-11-20T19');
  });

  it('fingerprints ignore key order but not values', async () => {
    const { fingerprint, normalisePhone } = await import('./storefront/input.ts');
    expect(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(normalisePhone(' +33 (0)6 12-34.56 ')).toBe('+330612345' + '6');
  });
});
