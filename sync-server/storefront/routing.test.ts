import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { hubHolder, ONLINE } from '../../core/ledger/holders.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { api, demoWorld, pairTill, type ApiReply } from '../test-support.ts';

/**
 * Routed online orders against the demo mall: the online allocation (no coordinates), the central hub
 * (10 of each) and the east hub in Montreuil (4 of each hoodie and tee), two pick-up points without stock.
 */
type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: Demo | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const base = `/api/events/${DEMO_EVENT_ID}`;
const MONTREUIL = { lat: 48.8638, lon: 2.4485 };
const nt = (sku: string, qty: number) => ({ brandId: 'north-thread', sku, qty });
const mc = (sku: string, qty: number) => ({ brandId: 'mellow-ceramics', sku, qty });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by expect()
type Body = any;
const body = (r: ApiReply): Body => r.body;

async function start(): Promise<Demo> {
  w = await demoWorld();
  return w;
}

async function prices(d: Demo): Promise<Map<string, number>> {
  const s = body(await api(d.server.url, 'GET', `${base}/stock`, { token: d.demo.storefrontToken }));
  return new Map((s.items as { sku: string; price: number }[]).map((i) => [i.sku, i.price]));
}

async function place(d: Demo, key: string, lines: { brandId: string; sku: string; qty: number }[], fulfilment?: unknown, reservationId?: string): Promise<ApiReply> {
  const p = await prices(d);
  const amount = lines.reduce((a, l) => a + p.get(l.sku)! * l.qty, 0);
  return api(d.server.url, 'POST', `${base}/orders`, {
    token: d.demo.storefrontToken,
    headers: { 'idempotency-key': key },
    body: { lines, payment: { method: 'card', amount }, ...(fulfilment ? { fulfilment } : {}), ...(reservationId ? { reservationId } : {}) },
  });
}

const soldFrom = (d: Demo, brandId: string, holder: string, sku: string) =>
  d.server.hub.read(brandDocName(DEMO_EVENT_ID, brandId), (doc) =>
    new BrandDoc(doc)
      .ledger()
      .items.filter((e) => e.kind === 'sale' && e.from === holder && e.sku === sku)
      .reduce((a, e) => a + e.qty, 0),
  );

describe('routed online orders', () => {
  it('go to the nearest hub that holds the stock', async () => {
    const d = await start();
    const res = await place(d, 'east-1', [nt('NT-HOODIE-M', 2)], { type: 'ship', destination: MONTREUIL });
    expect(res.status).toBe(201);
    expect(body(res)).toMatchObject({ routedTo: 'hub-east' });
    expect(body(res).distanceKm).toBeCloseTo(0.509, 2);
    expect(await soldFrom(d, 'north-thread', hubHolder('hub-east'), 'NT-HOODIE-M')).toBe(2);
    const got = body(await api(d.server.url, 'GET', `${base}/orders/${body(res).orderId}`, { token: d.demo.storefrontToken }));
    // The customer's coordinates steer routing only; they are not kept.
    expect(got).toMatchObject({ routedTo: 'hub-east', fulfilment: { type: 'ship' } });
    expect(got.fulfilment.destination).toBeUndefined();
  });

  it('skip a nearer hub that lacks any unit of the order', async () => {
    const d = await start();
    // The east hub has hoodies but no mugs: the whole order goes to the central hub.
    const res = await place(d, 'mixed', [nt('NT-HOODIE-M', 1), mc('MC-MUG-BLUE', 1)], { type: 'ship', destination: MONTREUIL });
    expect(body(res)).toMatchObject({ routedTo: 'hub-central' });
    expect(body(res).distanceKm).toBeGreaterThan(8);
    // And 5 hoodies are more than the east hub's 4.
    expect(body(await place(d, 'five', [nt('NT-HOODIE-L', 5)], { type: 'ship', destination: MONTREUIL }))).toMatchObject({ routedTo: 'hub-central' });
    expect(await soldFrom(d, 'north-thread', hubHolder('hub-east'), 'NT-HOODIE-M')).toBe(0);
    expect(await soldFrom(d, 'north-thread', hubHolder('hub-east'), 'NT-HOODIE-L')).toBe(0);
  });

  it('to a pick-up point go to the stock nearest that point', async () => {
    const d = await start();
    const res = await place(d, 'pick', [nt('NT-TEE-WHT-S', 1)], { type: 'pickup', locationId: 'pickup-batignolles' });
    expect(res.status).toBe(201);
    expect(body(res)).toMatchObject({ routedTo: 'hub-central' });
    expect(body(res).distanceKm).toBeCloseTo(1.8, 0);
    const points = body(await api(d.server.url, 'GET', `${base}/pickup-points`, { token: d.demo.storefrontToken }));
    expect(points.pickupPoints.map((p: { id: string }) => p.id)).toEqual(['hub-central', 'hub-east', 'pickup-batignolles', 'pickup-canal']);
    expect(points.pickupPoints[2]).toEqual({ id: 'pickup-batignolles', kind: 'pickup', name: 'Batignolles café (pick-up)', address: '20 Rue des Batignolles, 75017 Paris', lat: 48.8839, lon: 2.3216, openingHours: 'Tue–Sun 08:00–22:00' });
    // A booth is no pick-up point; a shipment has no pick-up point.
    expect(body(await place(d, 'booth', [nt('NT-CAP', 1)], { type: 'pickup', locationId: 'booth-a' }))).toMatchObject({ type: 'ValidationError', field: 'fulfilment.locationId' });
    expect(body(await place(d, 'ship-loc', [nt('NT-CAP', 1)], { type: 'ship', locationId: 'hub-east' }))).toMatchObject({ field: 'fulfilment.locationId' });
    expect(body(await place(d, 'far', [nt('NT-CAP', 1)], { type: 'ship', destination: { lat: 91, lon: 0 } }))).toMatchObject({ field: 'fulfilment.destination.lat' });
  });

  it('are refused with a clear 409 when no location has the stock, and nothing is written', async () => {
    const d = await start();
    const res = await place(d, 'none', [nt('NT-HOODIE-XL', 25)], { type: 'ship', destination: MONTREUIL });
    expect(res.status).toBe(409);
    expect(body(res)).toMatchObject({ type: 'InsufficientStock', lines: [{ sku: 'NT-HOODIE-XL', requested: 25, available: 24, byLocation: { 'hub-east': 4, 'hub-central': 10, online: 10 } }] });
    expect(body(res).message).toBe('no location has stock for north-thread/NT-HOODIE-XL (25 wanted, 24 available: 4 at hub-east, 10 at hub-central, 10 at online)');
    const split = await place(d, 'split', [nt('NT-HOODIE-XL', 12)], { type: 'ship', destination: MONTREUIL });
    expect(body(split)).toMatchObject({ type: 'NoSingleLocation' });
    expect(await d.server.stores.event(DEMO_EVENT_ID).list('orders')).toEqual([]);
    expect(await d.server.stores.event(DEMO_EVENT_ID).list('web-receipt-seq')).toEqual([]);
    for (const holder of [ONLINE, hubHolder('hub-central'), hubHolder('hub-east')]) expect(await soldFrom(d, 'north-thread', holder, 'NT-HOODIE-XL')).toBe(0);
    // The next order still gets the first receipt number.
    expect(body(await place(d, 'ok', [nt('NT-HOODIE-XL', 1)]))).toMatchObject({ receiptNumber: 'WEB-00001', routedTo: 'online' });
  });

  it('keep reservations where their units are: a reserved hub is skipped by others and taken by its order', async () => {
    const d = await start();
    const token = d.demo.storefrontToken;
    const r = await api(d.server.url, 'POST', `${base}/reservations`, { token, body: { lines: [nt('NT-TEE-BLK-S', 4)], fulfilment: { type: 'ship', destination: MONTREUIL } } });
    expect(r.status).toBe(201);
    // Every east-hub tee is held: another customer in Montreuil is sent to the central hub.
    expect(body(await place(d, 'other', [nt('NT-TEE-BLK-S', 1)], { type: 'ship', destination: MONTREUIL }))).toMatchObject({ routedTo: 'hub-central' });
    const s = body(await api(d.server.url, 'GET', `${base}/stock`, { token }));
    expect(s.items.find((i: { sku: string }) => i.sku === 'NT-TEE-BLK-S')).toMatchObject({ available: 19, maxPerOrder: 10 });
    const mine = await place(d, 'mine', [nt('NT-TEE-BLK-S', 4)], { type: 'ship', destination: MONTREUIL }, body(r).id);
    expect(body(mine)).toMatchObject({ routedTo: 'hub-east' });
    expect(await soldFrom(d, 'north-thread', hubHolder('hub-east'), 'NT-TEE-BLK-S')).toBe(4);
  });

  it('sell exactly the units there are when many race, nearest source first', async () => {
    const d = await start();
    // NT-TEE-WHT-M: 4 at the east hub, 10 at the central hub, 10 online.
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => place(d, `race-${i}`, [nt('NT-TEE-WHT-M', 1)], { type: 'ship', destination: MONTREUIL })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(24);
    expect(results.filter((r) => r.status === 409)).toHaveLength(36);
    const routed = results.filter((r) => r.status === 201).map((r) => body(r).routedTo as string);
    expect([routed.filter((x) => x === 'hub-east').length, routed.filter((x) => x === 'hub-central').length, routed.filter((x) => x === 'online').length]).toEqual([4, 10, 10]);
    expect([await soldFrom(d, 'north-thread', hubHolder('hub-east'), 'NT-TEE-WHT-M'), await soldFrom(d, 'north-thread', hubHolder('hub-central'), 'NT-TEE-WHT-M'), await soldFrom(d, 'north-thread', ONLINE, 'NT-TEE-WHT-M')]).toEqual([4, 10, 10]);
    const negative = await d.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (_doc, view) => view!.negativeBalances());
    expect(negative).toEqual([]);
  }, 30_000);
});

describe('fulfilment from the till', () => {
  it('lets a till list and advance only the orders routed to its location', async () => {
    const d = await start();
    const hubTill = d.demo.tills.find((t) => t.name === 'East hub till')!;
    const east = await pairTill(d.server.url, hubTill.code);
    const booth = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const toEast = body(await place(d, 'e1', [nt('NT-HOODIE-S', 1)], { type: 'pickup', locationId: 'hub-east' }));
    const toCentral = body(await place(d, 'c1', [mc('MC-VASE', 1)], { type: 'pickup', locationId: 'hub-east' }));
    expect([toEast.routedTo, toCentral.routedTo]).toEqual(['hub-east', 'hub-central']);

    const list = await api(d.server.url, 'GET', `${base}/locations/hub-east/orders`, { token: east.token });
    expect(list.status).toBe(200);
    expect(body(list).orders).toEqual([expect.objectContaining({ orderId: toEast.orderId, status: 'placed', routedTo: 'hub-east', next: ['allocated', 'picked', 'ready', 'collected'] })]);
    expect((await api(d.server.url, 'GET', `${base}/locations/hub-central/orders`, { token: east.token })).status).toBe(403);
    expect((await api(d.server.url, 'GET', `${base}/locations/hub-east/orders`, { token: booth.token })).status).toBe(403);
    expect((await api(d.server.url, 'GET', `${base}/locations/hub-east/orders`, { token: d.demo.storefrontToken })).status).toBe(403);
    expect(body(await api(d.server.url, 'GET', `${base}/locations/hub-central/orders`, { token: d.demo.organiserToken })).orders).toHaveLength(1);

    const status = (orderId: string, s: string, token: string) => api(d.server.url, 'POST', `${base}/orders/${orderId}/status`, { token, body: { status: s } });
    expect((await status(toEast.orderId, 'picked', east.token)).status).toBe(200);
    expect((await status(toCentral.orderId, 'picked', east.token)).status).toBe(403);
    expect((await status(toEast.orderId, 'collected', booth.token)).status).toBe(403);
    expect(body(await status(toEast.orderId, 'shipped', east.token))).toMatchObject({ type: 'InvalidStatusTransition' });
    const ready = body(await status(toEast.orderId, 'ready', east.token));
    expect(ready).toMatchObject({ status: 'ready', next: ['collected'] });
    // The storefront reads it.
    expect(body(await api(d.server.url, 'GET', `${base}/orders/${toEast.orderId}`, { token: d.demo.storefrontToken })).history.map((h: { status: string }) => h.status)).toEqual(['placed', 'picked', 'ready']);
    await status(toEast.orderId, 'collected', east.token);
    expect(body(await api(d.server.url, 'GET', `${base}/locations/hub-east/orders`, { token: east.token })).orders).toEqual([]);
    expect(body(await api(d.server.url, 'GET', `${base}/locations/hub-east/orders?state=all`, { token: east.token })).orders).toHaveLength(1);
    // The index of routed orders is rebuilt from storage after a restart.
    await d.restart();
    expect(body(await api(d.server.url, 'GET', `${base}/locations/hub-east/orders?state=all`, { token: east.token })).orders).toEqual([expect.objectContaining({ status: 'collected' })]);
  });
});

describe('CORS for the storefront API', () => {
  const SHOP = 'https://shop.example.com';

  async function raw(d: Demo, method: string, path: string, headers: Record<string, string>) {
    const res = await fetch(`${d.server.url}${path}`, { method, headers });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('answers preflights and responses for the origins the organiser allows, on storefront routes only', async () => {
    const d = await start();
    const preflight = { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' };
    // Nothing allowed yet.
    expect((await raw(d, 'OPTIONS', `${base}/orders`, preflight)).status).toBe(403);

    const put = (origins: unknown, token = d.demo.organiserToken) => api(d.server.url, 'PUT', `${base}/storefront/origins`, { token, body: { origins } });
    expect((await put([SHOP], d.demo.storefrontToken)).status).toBe(403);
    expect(body(await put(['https://shop.example.com/buy'])).field).toBe('origins[0]');
    expect(body(await put(['ftp://shop.example.com'])).field).toBe('origins[0]');
    expect(body(await put([`${SHOP}:443`, 'http://localhost:3000']))).toEqual({ origins: [SHOP, 'http://localhost:3000'] });
    expect(body(await api(d.server.url, 'GET', `${base}/storefront/origins`, { token: d.demo.organiserToken }))).toEqual({ origins: [SHOP, 'http://localhost:3000'] });

    const ok = await raw(d, 'OPTIONS', `${base}/orders`, preflight);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    expect(ok.headers.get('vary')).toBe('Origin');
    expect((await raw(d, 'OPTIONS', `${base}/orders`, { ...preflight, origin: 'https://evil.example' })).status).toBe(403);
    expect((await raw(d, 'OPTIONS', `${base}/orders`, { ...preflight, 'access-control-request-method': 'PUT' })).status).toBe(403);
    expect((await raw(d, 'OPTIONS', `${base}/orders`, { ...preflight, 'access-control-request-headers': 'x-secret' })).status).toBe(403);
    expect((await raw(d, 'OPTIONS', `${base}/reservations/rsv_x`, { ...preflight, 'access-control-request-method': 'DELETE' })).headers.get('access-control-allow-methods')).toBe('GET, DELETE');

    const stock = await raw(d, 'GET', `${base}/stock`, { origin: SHOP, authorization: `Bearer ${d.demo.storefrontToken}` });
    expect(stock.status).toBe(200);
    expect(stock.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(stock.headers.get('access-control-expose-headers')).toContain('etag');
    // Errors are readable cross-origin too; other origins get no allowance.
    const denied = await raw(d, 'GET', `${base}/stock`, { origin: SHOP });
    expect([denied.status, denied.headers.get('access-control-allow-origin')]).toEqual([401, SHOP]);
    expect((await raw(d, 'GET', `${base}/stock`, { origin: 'https://evil.example', authorization: `Bearer ${d.demo.storefrontToken}` })).headers.get('access-control-allow-origin')).toBeNull();
    // The stream, opened by EventSource with the token in the query.
    const ctrl = new AbortController();
    const stream = await fetch(`${d.server.url}${base}/stock/stream?token=${d.demo.storefrontToken}`, { headers: { origin: SHOP }, signal: ctrl.signal });
    expect([stream.status, stream.headers.get('access-control-allow-origin')]).toEqual([200, SHOP]);
    ctrl.abort();

    // The fulfilment side stays same-origin: no preflight answer, no allowance.
    expect((await raw(d, 'OPTIONS', `${base}/orders/o_x/status`, preflight)).status).toBe(405);
    const list = await raw(d, 'GET', `${base}/locations/hub-east/orders`, { origin: SHOP, authorization: `Bearer ${d.demo.organiserToken}` });
    expect([list.status, list.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    // An empty list turns it off again.
    await put([]);
    expect((await raw(d, 'OPTIONS', `${base}/orders`, preflight)).status).toBe(403);
  });
});
