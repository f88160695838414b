import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { api, demoWorld, freshDeviceId, type World } from './test-support.ts';

/** Rate limits on pairing and the storefront API: 429 with Retry-After, counted, and nothing done. */
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const ADMIN = 'test-admin-token-0123456789';

async function rateLimited(url: string, limit: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`popup_rate_limited_total{limit="${limit}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

function pair(url: string, code: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ code, deviceId: freshDeviceId() }) });
}

describe('pairing', () => {
  it('answers 429 with Retry-After once an address has tried pairPerMinute codes, even a right one, and pairs nothing', async () => {
    const d = await demoWorld({ limits: { pairPerMinute: 5 } });
    w = d;
    for (let i = 0; i < 5; i++) expect((await pair(d.server.url, `WRONG${i}`)).status).not.toBe(429);
    const refused = await pair(d.server.url, d.demo.tills[0]!.code);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ type: 'RateLimitedError', message: expect.stringMatching(/at most 5 pairing attempts a minute from one address/) });
    expect(await rateLimited(d.server.url, 'pair-address')).toBe(1);
    expect((await d.server.events.setup(DEMO_EVENT_ID)).tills).toHaveLength(0);
  });

  it('takes the address from X-Forwarded-For only when told to trust a proxy', async () => {
    const d = await demoWorld({ limits: { pairPerMinute: 2 } });
    w = d;
    // Not trusted: a client naming a fresh address per try is still one address.
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push((await pair(d.server.url, 'WRONG', { 'x-forwarded-for': `10.0.0.${i}` })).status);
    expect(tries[2]).toBe(429);
    await d.stop();
    const p = await demoWorld({ limits: { pairPerMinute: 2, trustProxy: true } });
    w = p;
    // Trusted: the last hop (what the proxy appended) is the client; what the client put before it is ignored.
    expect((await pair(p.server.url, 'WRONG', { 'x-forwarded-for': '1.1.1.1, 10.0.0.1' })).status).not.toBe(429);
    expect((await pair(p.server.url, 'WRONG', { 'x-forwarded-for': '2.2.2.2, 10.0.0.1' })).status).not.toBe(429);
    expect((await pair(p.server.url, 'WRONG', { 'x-forwarded-for': '3.3.3.3, 10.0.0.1' })).status).toBe(429);
    expect((await pair(p.server.url, 'WRONG', { 'x-forwarded-for': '10.0.0.2' })).status).not.toBe(429);
  });
});

describe('storefront API', () => {
  it('limits requests per token (429, Retry-After, counted)', async () => {
    const d = await demoWorld({ limits: { storefrontPerTokenPerSecond: 3 } });
    w = d;
    const stock = `/api/events/${DEMO_EVENT_ID}/stock`;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(d.server.url, 'GET', stock, { token: d.demo.storefrontToken })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await fetch(`${d.server.url}${stock}`, { headers: { authorization: `Bearer ${d.demo.storefrontToken}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await rateLimited(d.server.url, 'storefront-token')).toBe(2);
    // Another token is counted apart.
    const other = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens`, { token: ADMIN, body: { role: 'storefront' } });
    expect((await api(d.server.url, 'GET', stock, { token: (other.body as { token: string }).token })).status).toBe(200);
  });

  it('limits requests per address across tokens, and places no order when refused', async () => {
    const d = await demoWorld({ limits: { storefrontPerAddressPerSecond: 2 } });
    w = d;
    const other = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens`, { token: ADMIN, body: { role: 'storefront' } });
    const tokens: [string, string] = [d.demo.storefrontToken, (other.body as { token: string }).token];
    expect((await api(d.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/stock`, { token: tokens[0] })).status).toBe(200);
    expect((await api(d.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/stock`, { token: tokens[1] })).status).toBe(200);
    const order = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/orders`, {
      token: tokens[1],
      headers: { 'idempotency-key': 'abuse-1' },
      body: { lines: [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty: 1 }], customer: { email: 'a@example.com' } },
    });
    expect(order.status).toBe(429);
    expect(await rateLimited(d.server.url, 'storefront-address')).toBe(1);
    expect(await d.server.stores.event(DEMO_EVENT_ID).list('orders')).toEqual([]);
  });
});
