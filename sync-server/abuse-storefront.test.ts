import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/demo-event.ts';
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
    expect(await d.server.storage.listRecords('reservations')).toHaveLength(4);
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
