import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { demoWorld, type World } from './test-support.ts';

/**
 * Order tracking: the confirmation's link is an unguessable id (not the order id), stable across replays,
 * readable with no token and showing no personal data, and it follows the order as the hub moves it on.
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

async function call(d: Demo, path: string, init: { method?: string; token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? d.demo.storefrontToken : init.token;
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${d.server.url}${path}`, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

async function start(): Promise<Demo> {
  const d = await demoWorld({ exampleStorefrontDir: fileURLToPath(new URL('../examples/storefront', import.meta.url)) });
  w = d;
  return d;
}

async function placePickup(d: Demo, key: string) {
  const s = (await call(d, `${base}/stock`)).body as StockSnapshot;
  const price = s.items.find((i) => i.sku === 'NT-HOODIE-M')!.price;
  const body = { lines: [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }], payment: { method: 'card', amount: price, reference: 'psp_123' }, customer: { email: 'sam@example.com', phone: '+33 6 12 34 56 78', consent: true }, fulfilment: { type: 'pickup', locationId: 'hub-east' } };
  return call(d, `${base}/orders`, { method: 'POST', body, headers: { 'idempotency-key': key } });
}

describe('order tracking', () => {
  it('gives each order an unguessable link, the same on a replay, that is not the order id', async () => {
    const d = await start();
    const first = await placePickup(d, 'track-1');
    expect(first.status).toBe(201);
    const { id, path } = first.body.tracking;
    expect(id).toMatch(/^t_[A-Za-z0-9_-]{43}$/);
    expect(path).toBe(`/t/${id}`);
    expect(id).not.toContain(first.body.orderId);
    const replay = await placePickup(d, 'track-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.tracking.id).toBe(id);
    const other = await placePickup(d, 'track-2');
    expect(other.body.tracking.id).not.toBe(id);
  });

  it('shows the status, the pick-up point and its hours with no token and no personal data, and follows the hub', async () => {
    const d = await start();
    const placed = await placePickup(d, 'track-3');
    const url = `/api/track/${placed.body.tracking.id}`;
    const first = await call(d, url, { token: null, headers: { origin: 'https://elsewhere.example' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.body).toMatchObject({ receiptNumber: placed.body.receiptNumber, status: 'placed', steps: ['placed', 'allocated', 'picked', 'ready', 'collected'], fulfilment: 'pickup' });
    expect(first.body.collectAt).toEqual({ name: 'East micro-hub', address: '5 Rue de Paris, 93100 Montreuil', openingHours: 'Sat–Sun 10:00–19:00' });
    const text = JSON.stringify(first.body);
    for (const secret of ['psp_123', 'sam@example.com', 'customer', 'payment', 'buyerKeys', placed.body.orderId]) expect(text).not.toContain(secret);

    // Nothing moved: 304 to the poller.
    const same = await call(d, url, { token: null, headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(same.status).toBe(304);

    // The organiser (or the hub's till) marks it ready: the link shows it.
    const moved = await call(d, `${base}/orders/${placed.body.orderId}/status`, { method: 'POST', token: d.demo.organiserToken, body: { status: 'ready' } });
    expect(moved.status).toBe(200);
    const after = await call(d, url, { token: null, headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('ready');
    expect(after.body.history.map((h: { status: string }) => h.status)).toEqual(['placed', 'ready']);
  });

  it('answers the same 404 for an unknown id, a malformed one and an order id', async () => {
    const d = await start();
    const placed = await placePickup(d, 'track-4');
    for (const id of [`t_${'A'.repeat(43)}`, 'guess', placed.body.orderId, placed.body.receiptNumber]) {
      const res = await call(d, `/api/track/${encodeURIComponent(id)}`, { token: null });
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('TrackingNotFound');
    }
  });

  it('sends /t/<id> on to the tracking page with the id in the fragment', async () => {
    const d = await start();
    const placed = await placePickup(d, 'track-5');
    const res = await call(d, placed.body.tracking.path, { token: null });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/examples/storefront/track.html#${placed.body.tracking.id}`);
    expect((await call(d, '/t/not-an-id', { token: null })).status).toBe(404);
  });
});
