import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig, DEMO_EVENT_ID, DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import { ONLINE, RESERVE } from '../../core/ledger/holders.ts';
import { api, demoWorld, type World } from '../test-support.ts';

/**
 * Post-drop analytics reach only events the caller may read. Regression: another organiser's event that used
 * the same brand id (`north-thread`) was counted in the demo organiser's report — its dates, its buyers.
 */
const E = DEMO_EVENT_ID;
const F = 'rival-fair';
const EMAIL = 'shopper@example.com';

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function order(url: string, eventId: string, token: string, key: string) {
  const priced = await api(url, 'GET', `/api/events/${eventId}/stock`, { token });
  const item = (priced.body as { items: { sku: string; price: number }[] }).items.find((i) => i.sku === 'NT-CAP')!;
  const res = await api(url, 'POST', `/api/events/${eventId}/orders`, {
    token,
    headers: { 'idempotency-key': key },
    body: { lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], payment: { method: 'card', amount: item.price, reference: 'psp-1' }, customer: { email: EMAIL, consent: true } },
  });
  expect(res.status).toBe(201);
}

describe('post-drop analytics across events', () => {
  it('count only the caller’s events, even when another event uses the same brand id', async () => {
    w = await demoWorld();
    const { url, adminToken: admin } = w.server;
    const rival = demoConfig(Date.now() - 30 * 86_400_000);
    // Another organiser's earlier event, with a brand of the same id and a buyer who later buys at the demo.
    const created = await api(url, 'POST', '/api/events', {
      token: admin,
      // Started a month ago and still open: the server takes orders only while a drop is open (DropEnded).
      body: { config: { ...rival, drop: { ...rival.drop, endsAt: Date.now() + 3_600_000 }, id: F, name: 'Rival Fair' }, brands: [{ id: 'north-thread', name: 'Not North Thread', commissionBp: 0, boothFee: 0 }], locations: [{ id: 'web', kind: 'online', name: 'Web' }] },
    });
    expect(created.status).toBe(201);
    const cap = DEMO_PRODUCTS.filter((p) => p.sku === 'NT-CAP');
    await w.server.events.putProducts(F, cap);
    await w.server.events.receive(F, RESERVE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 5 }]);
    await w.server.events.transfer(F, RESERVE, ONLINE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 5 }]);
    const rivalShop = ((await api(url, 'POST', `/api/events/${F}/tokens`, { token: admin, body: { role: 'storefront' } })).body as { token: string }).token;
    await order(url, F, rivalShop, 'order-key-rival-1');
    await order(url, E, w.demo.storefrontToken, 'order-key-demo-01');

    const mine = await api(url, 'GET', `/api/events/${E}/analytics`, { token: w.demo.organiserToken });
    expect(mine.status).toBe(200);
    expect((mine.body as { events: { eventId: string }[] }).events.map((e) => e.eventId)).toEqual([E]);
    expect(mine.body).toMatchObject({ buyers: 1, newBuyers: 1, returningBuyers: 0 });

    // The admin may read both events: there the shopper is a returning buyer.
    const all = await api(url, 'GET', `/api/events/${E}/analytics`, { token: admin });
    expect((all.body as { events: { eventId: string }[] }).events.map((e) => e.eventId).sort()).toEqual([E, F].sort());
    expect(all.body).toMatchObject({ buyers: 1, returningBuyers: 1 });
  });
});
