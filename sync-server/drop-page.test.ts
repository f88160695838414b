import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { demoWorld, type World } from './test-support.ts';

/**
 * What a drop page relies on: the drop's window and the server's clock in the stock reads (the countdown
 * never trusts the shopper's clock), stock reads a CDN may keep for a second, and the window enforced on the
 * server, where a script cannot skip the page's locked button.
 */
type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const base = `/api/events/${DEMO_EVENT_ID}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by expect()
type Body = any;

async function call(d: Demo, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${d.demo.storefrontToken}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${d.server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 };
const onlineSales = (d: Demo) => d.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.filter((s) => s.tillId === 'online').length);

/** A world whose clock the test moves; the demo drop starts at `startsAt` (5 minutes before the real now). */
async function startAt(offsetFromStartMs: number): Promise<{ d: Demo; clock: { now: number }; startsAt: number; endsAt: number }> {
  const clock = { now: Date.now() };
  const d = await demoWorld({ now: () => clock.now });
  w = d;
  const s = (await call(d, `${base}/stock`)).body as StockSnapshot;
  clock.now = s.drop.startsAt + offsetFromStartMs;
  return { d, clock, startsAt: s.drop.startsAt, endsAt: s.drop.endsAt };
}

describe('the drop window', () => {
  it('is in every stock read, with the server clock beside it and a one-second cache policy', async () => {
    const { d, clock, startsAt, endsAt } = await startAt(-60_000);
    const res = await call(d, `${base}/stock`);
    expect(res.status).toBe(200);
    expect(res.body.phase).toBe('before');
    expect(res.body.drop).toEqual({ startsAt, endsAt });
    expect(endsAt).toBeGreaterThan(startsAt);
    expect(Number(res.headers.get('server-time'))).toBe(clock.now);
    expect(res.headers.get('cache-control')).toBe('public, max-age=1, stale-while-revalidate=5');

    // The clock moving does not change the body's tag: a cache revalidates with 304 while nothing changed.
    clock.now += 1000;
    const again = await call(d, `${base}/stock`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(Number(again.headers.get('server-time'))).toBe(clock.now);
    expect(again.headers.get('cache-control')).toBe('public, max-age=1, stale-while-revalidate=5');
  });

  it('refuses a reservation before the start with DropNotStarted, holding nothing', async () => {
    const { d, startsAt } = await startAt(-1);
    const before = (await call(d, `${base}/stock`)).body as StockSnapshot;
    const res = await call(d, `${base}/reservations`, { method: 'POST', body: { lines: [hoodie] } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('DropNotStarted');
    expect(res.body.message).toContain(new Date(startsAt).toISOString());
    const after = (await call(d, `${base}/stock`)).body as StockSnapshot;
    expect(after.items).toEqual(before.items);
  });

  it('refuses an order before the start with DropNotStarted, writing no sale; at the start it sells', async () => {
    const { d, clock, startsAt } = await startAt(-1);
    const price = ((await call(d, `${base}/stock`)).body as StockSnapshot).items.find((i) => i.sku === hoodie.sku)!.listPrice;
    const body = { lines: [hoodie], payment: { method: 'card', amount: price } };
    const early = await call(d, `${base}/orders`, { method: 'POST', body, headers: { 'idempotency-key': 'early-1' } });
    expect(early.status).toBe(409);
    expect(early.body.type).toBe('DropNotStarted');
    expect(await onlineSales(d)).toBe(0);

    clock.now = startsAt;
    const tiered = ((await call(d, `${base}/stock`)).body as StockSnapshot).items.find((i) => i.sku === hoodie.sku)!.price;
    const onTime = await call(d, `${base}/orders`, { method: 'POST', body: { ...body, payment: { method: 'card', amount: tiered } }, headers: { 'idempotency-key': 'on-time-1' } });
    expect(onTime.status).toBe(201);
    expect(await onlineSales(d)).toBe(1);
  });

  it('refuses a reservation and an order from the end on with DropEnded, writing no sale', async () => {
    const { d, clock, endsAt } = await startAt(0);
    clock.now = endsAt;
    const res = await call(d, `${base}/reservations`, { method: 'POST', body: { lines: [hoodie] } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('DropEnded');
    const price = ((await call(d, `${base}/stock`)).body as StockSnapshot).items.find((i) => i.sku === hoodie.sku)!.price;
    const late = await call(d, `${base}/orders`, { method: 'POST', body: { lines: [hoodie], payment: { method: 'card', amount: price } }, headers: { 'idempotency-key': 'late-1' } });
    expect(late.status).toBe(409);
    expect(late.body.type).toBe('DropEnded');
    expect(await onlineSales(d)).toBe(0);
  });
});
