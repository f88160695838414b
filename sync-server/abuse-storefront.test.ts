import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { api, demoWorld, type World } from './test-support.ts';

/** Holding stock hostage: hold caps per token, per customer and per drop, and the hold time while live. */
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const ADMIN = 'test-admin-token-0123456789';
const E = `/api/events/${DEMO_EVENT_ID}`;
const socks = (qty: number) => [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty }];

describe('hold caps', () => {
  it('refuses holds over the per-token, per-customer and per-drop caps with 409 naming the cap, and cuts holds to liveHoldSeconds while the drop is live', async () => {
    const d = await demoWorld();
    w = d;
    const url = d.server.url;
    // The demo drop started five minutes ago: it is live.
    const set = await api(url, 'PATCH', E, { token: ADMIN, body: { buyerLimits: { heldUnitsPerToken: 5, heldUnitsPerCustomer: 3, holdsPerDrop: 4, liveHoldSeconds: 120 } } });
    expect(set.status).toBe(200);
    const other = await api(url, 'POST', `${E}/tokens`, { token: ADMIN, body: { role: 'storefront' } });
    const a = d.demo.storefrontToken;
    const b = (other.body as { token: string }).token;
    const reserve = (token: string, body: Record<string, unknown>) => api(url, 'POST', `${E}/reservations`, { token, body });

    const before = Date.now();
    const first = await reserve(a, { lines: socks(3), ttlSeconds: 3600 });
    expect(first.status).toBe(201);
    expect((first.body as { expiresAt: number }).expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect((first.body as { expiresAt: number }).expiresAt).toBeGreaterThanOrEqual(before + 119_000);

    const overToken = await reserve(a, { lines: socks(3) });
    expect(overToken.status).toBe(409);
    expect(overToken.body).toMatchObject({ type: 'HoldLimitError', details: { limit: 'heldUnitsPerToken', max: 5, held: 3 } });

    // One customer, their e-mail written two ways, through two tokens.
    expect((await reserve(a, { lines: socks(2), customer: { email: 'Buyer@Example.com' } })).status).toBe(201);
    const overCustomer = await reserve(b, { lines: socks(2), customer: { email: '  buyer@example.COM ' } });
    expect(overCustomer.status).toBe(409);
    expect(overCustomer.body).toMatchObject({ type: 'HoldLimitError', details: { limit: 'heldUnitsPerCustomer', max: 3, held: 2 } });

    expect((await reserve(b, { lines: socks(1) })).status).toBe(201);
    expect((await reserve(b, { lines: socks(1) })).status).toBe(201);
    const overDrop = await reserve(b, { lines: socks(1) });
    expect(overDrop.status).toBe(409);
    expect(overDrop.body).toMatchObject({ type: 'HoldLimitError', details: { limit: 'holdsPerDrop', max: 4, held: 4 } });
    // Nothing refused was kept.
    expect(await d.server.stores.event(DEMO_EVENT_ID).list('reservations')).toHaveLength(4);
  });

  it('refuses buyer limits out of bounds, naming the field', async () => {
    const d = await demoWorld();
    w = d;
    const res = await api(d.server.url, 'PATCH', E, { token: ADMIN, body: { buyerLimits: { liveHoldSeconds: 5 } } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'buyerLimits.liveHoldSeconds', message: expect.stringMatching(/from 30 to 3600/) });
    const unknown = await api(d.server.url, 'PATCH', E, { token: ADMIN, body: { buyerLimits: { holdForever: 1 } } });
    expect(unknown.status).toBe(422);
  });
});

describe('buyer limits', () => {
  async function limitedDrop(buyerLimits: Record<string, number>) {
    const d = await demoWorld();
    w = d;
    const url = d.server.url;
    expect((await api(url, 'PATCH', E, { token: ADMIN, body: { buyerLimits } })).status).toBe(200);
    const other = await api(url, 'POST', `${E}/tokens`, { token: ADMIN, body: { role: 'storefront' } });
    const stock = (await api(url, 'GET', `${E}/stock`, { token: d.demo.storefrontToken })).body as { buyerLimits: unknown; items: { sku: string; price: number; perCustomerLimit: number | null }[] };
    const price = (sku: string) => stock.items.find((i) => i.sku === sku)!.price;
    let n = 0;
    const order = (token: string, lines: { brandId: string; sku: string; qty: number }[], extra: { customer?: Record<string, unknown>; reference?: string } = {}) => {
      const amount = lines.reduce((a, l) => a + price(l.sku) * l.qty, 0);
      return api(url, 'POST', `${E}/orders`, {
        token,
        headers: { 'idempotency-key': `limit-${++n}` },
        body: { lines, payment: { method: 'card', amount, ...(extra.reference ? { reference: extra.reference } : {}) }, ...(extra.customer ? { customer: extra.customer } : {}) },
      });
    };
    const sales = () => d.server.stores.event(DEMO_EVENT_ID).list('orders').then((r) => r.length);
    return { d, a: d.demo.storefrontToken, b: (other.body as { token: string }).token, stock, order, sales };
  }

  it('holds one customer to the per-product limit across tokens, on the normalised e-mail and the payment reference, and states it in the stock feed', async () => {
    const x = await limitedDrop({ perCustomerPerProduct: 2 });
    expect(x.stock.buyerLimits).toEqual({ perCustomerPerProduct: 2, perCustomerPerDrop: null, liveHoldSeconds: 600 });
    expect(x.stock.items.find((i) => i.sku === 'NT-SOCKS')!.perCustomerLimit).toBe(2);

    expect((await x.order(x.a, socks(2), { customer: { email: 'Buyer@Example.com', consent: false }, reference: 'psp_A' })).status).toBe(201);
    const sameEmail = await x.order(x.b, socks(1), { customer: { email: '  buyer@example.COM ', consent: true } });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toMatchObject({ type: 'BuyerLimitError', message: 'NT-SOCKS is limited to 2 per customer in this drop; this customer has bought 2 and asks for 1', details: { limit: 'perCustomerPerProduct', max: 2, bought: 2, sku: 'NT-SOCKS' } });
    const sameCard = await x.order(x.b, socks(1), { customer: { email: 'someone-else@example.com', consent: false }, reference: ' PSP_a ' });
    expect(sameCard.status).toBe(409);
    // Another product is within its own limit; an order naming nobody cannot be checked, so it is refused.
    expect((await x.order(x.b, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 2 }], { customer: { email: 'buyer@example.com', consent: false } })).status).toBe(201);
    const anonymous = await x.order(x.b, socks(1));
    expect(anonymous.status).toBe(422);
    expect((anonymous.body as { message: string }).message).toMatch(/send customer\.email, customer\.phone or payment\.reference/);
    expect(await x.sales()).toBe(2);
  });

  it('holds one customer to the per-drop limit, and still after a restart', async () => {
    const x = await limitedDrop({ perCustomerPerDrop: 3 });
    expect((await x.order(x.a, socks(2), { customer: { phone: '+33 6 12 34 56 78', consent: false } })).status).toBe(201);
    await x.d.restart();
    const over = await x.order(x.b, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 2 }], { customer: { phone: '+33612345678', consent: false } });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ type: 'BuyerLimitError', details: { limit: 'perCustomerPerDrop', max: 3, bought: 2 } });
    expect(await x.sales()).toBe(1);
  });
});
