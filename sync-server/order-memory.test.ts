import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName } from '../core/event/schema.ts';
import { hubHolder, ONLINE, RESERVE } from '../core/ledger/holders.ts';
import { Auth } from './auth.ts';
import { MemoryStore } from './storage/memory-store.ts';
import { storesOf } from './storage/store-access.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { api, demoWorld, type World } from './test-support.ts';

/**
 * What the order path keeps in memory (storefront/order-setup.ts, storefront/key-memory.ts, the token cache of
 * auth.ts) must never answer from a stale copy: each test changes what a cache was derived from and checks
 * the very next request sees the change.
 */
type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const EVENT = DEMO_EVENT_ID;
const base = `/api/events/${EVENT}`;

async function start(): Promise<Demo> {
  const d = await demoWorld({ tap: true });
  w = d;
  return d;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by expect()
type Body = any;

async function call(d: Demo, path: string, opts: { method?: string; token?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  return api(d.server.url, opts.method ?? 'GET', path, { token: opts.token ?? d.demo.storefrontToken, body: opts.body, ...(opts.key ? { headers: { 'idempotency-key': opts.key } } : {}) });
}

const cap = async (d: Demo, token?: string) => ((await call(d, `${base}/stock`, token ? { token } : {})).body as StockSnapshot).items.find((i) => i.sku === 'NT-CAP')!;
const caps = (qty: number, amount: number) => ({ lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty }], payment: { method: 'card', amount } });
const order = (d: Demo, key: string, body: unknown, token?: string) => call(d, `${base}/orders`, { method: 'POST', key, body, ...(token ? { token } : {}) });

describe('the order path reads its memory fresh', () => {
  it('charges a tier changed in the set-up on the very next order', async () => {
    const d = await start();
    const { price, listPrice } = await cap(d);
    expect(price).toBeLessThan(listPrice);
    // Warm: the set-up has been decoded for orders.
    expect((await order(d, 'tier-1', caps(1, price))).status).toBe(201);
    const patched = await call(d, base, { method: 'PATCH', token: d.demo.organiserToken, body: { drop: { ...(await d.server.events.requireEvent(EVENT)).drop, tiers: [{ id: 'full', label: 'full price', percentOffBp: 0, untilMinute: null }] } } });
    expect(patched.status).toBe(200);
    // The old price is refused by name, with the new total; the new one is charged.
    const stale = await order(d, 'tier-2', caps(1, price));
    expect(stale.status).toBe(422);
    expect(stale.body).toMatchObject({ type: 'PaymentMismatch', total: listPrice });
    const fresh = await order(d, 'tier-3', caps(1, listPrice));
    expect(fresh.status).toBe(201);
    expect(fresh.body.total).toBe(listPrice);
  });

  it('routes on the stock as it is after a move, not as it was at the last order', async () => {
    const d = await start();
    const { price } = await cap(d);
    expect((await order(d, 'move-1', caps(1, price))).status).toBe(201);
    // Every source's caps but one go back to the reserve (the organiser's move; a till's sale does the same).
    const rights = (holder: string) => d.server.hub.read(brandDocName(EVENT, 'north-thread'), (_doc, view) => view!.rights(holder, 'NT-CAP'));
    const line = (qty: number) => [{ brandId: 'north-thread', sku: 'NT-CAP', qty }];
    const online = await rights(ONLINE);
    if (online > 0) await d.server.events.transfer(EVENT, ONLINE, RESERVE, line(online));
    await d.server.events.transfer(EVENT, hubHolder('hub-central'), RESERVE, line((await rights(hubHolder('hub-central'))) - 1));
    expect((await cap(d)).available).toBe(1);
    const tooMany = await order(d, 'move-2', caps(2, price * 2));
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.type).toBe('InsufficientStock');
    expect((await order(d, 'move-3', caps(1, price))).status).toBe(201);
    expect((await cap(d)).available).toBe(0);
  });

  it('refuses a revoked storefront token on its very next order', async () => {
    const d = await start();
    const issued = await call(d, `${base}/tokens`, { method: 'POST', token: d.demo.organiserToken, body: { role: 'storefront', label: 'leaky shop' } });
    const shop = issued.body as { token: string; id: string };
    const { price } = await cap(d, shop.token);
    // Warm: the token's record is in memory now.
    expect((await order(d, 'rev-1', caps(1, price), shop.token)).status).toBe(201);
    const revoked = await call(d, `${base}/tokens/${shop.id}/revoke`, { method: 'POST', token: d.demo.organiserToken, body: { reason: 'leaked' } });
    expect(revoked.status).toBe(200);
    const next = await order(d, 'rev-2', caps(1, price), shop.token);
    expect(next.status).toBe(401);
    expect(next.body.type).toBe('TokenRevoked');
    expect(await d.server.stores.event(EVENT).get('idempotency', 'rev-2')).toBeUndefined();
    expect((await d.server.stores.event(EVENT).list('orders')).length).toBe(1);
  });

  it('replays a key first seen after a restart with its stored answer, placing nothing twice', async () => {
    const d = await start();
    const { price } = await cap(d);
    const first = await order(d, 'restart-1', caps(1, price));
    expect(first.status).toBe(201);
    await d.restart();
    // A new key first: the keys' memory is loaded, and a new one is placed.
    expect((await order(d, 'restart-2', caps(1, price))).status).toBe(201);
    const replay = await order(d, 'restart-1', caps(1, price));
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.orderId).toBe(first.body.orderId);
    expect((await d.server.stores.event(EVENT).list('orders')).length).toBe(2);
    // The same key with another body is still refused by name.
    expect((await order(d, 'restart-1', caps(2, price * 2))).body.type).toBe('IdempotencyKeyReused');
  });

  it('answers a sold-out refusal, and its retry, from memory: nothing is written', async () => {
    const d = await start();
    const { price, available } = await cap(d);
    expect((await order(d, 'all', caps(available, price * available))).status).toBe(409);
    // Take the whole offer in orders of at most 10 (the per-order cap), then the crowd is refused.
    let left = available;
    for (let i = 0; left > 0; i++) {
      const n = Math.min(10, left);
      const placed = await order(d, `take-${i}`, caps(n, price * n));
      if (placed.status !== 201) {
        // The units may sit in two sources, none holding the whole order: take one at a time.
        expect((await order(d, `take-${i}-1`, caps(1, price))).status).toBe(201);
        left -= 1;
      } else left -= n;
    }
    expect((await cap(d)).available).toBe(0);
    const writes: string[] = [];
    d.tap!.tap = (c, proceed) => {
      writes.push(c.op);
      return proceed();
    };
    const refused = await order(d, 'late', caps(1, price));
    expect(refused.status).toBe(409);
    const again = await order(d, 'late', caps(1, price));
    expect(again.status).toBe(409);
    expect(again.body).toEqual(refused.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await order(d, 'late', caps(2, price * 2))).body.type).toBe('IdempotencyKeyReused');
    expect(writes).toEqual([]);
    expect(await d.server.stores.event(EVENT).get('idempotency', 'late')).toBeUndefined();
  });
});

describe('the token cache', () => {
  it('does not use a record cached under an earlier lease of its event (a cluster: another process may have revoked it)', async () => {
    const store = new MemoryStore();
    let epoch: number | undefined = 1;
    const auth = new Auth(storesOf(store), 'admin-token-0123456789abcdef', Date.now, { epochOf: () => epoch });
    const token = await auth.issue({ role: 'storefront', eventId: 'e1', label: 'shop', createdAt: Date.now() });
    expect((await auth.check(token)).ok).toBe(true);
    // Another process revokes it in the shared store while this one is not the event's holder, then this one
    // takes the event again under a new epoch.
    const other = new Auth(storesOf(store), 'admin-token-0123456789abcdef');
    epoch = undefined;
    expect((await other.revoke('e1', (await other.list('e1'))[0]!.id, 'stolen'))?.revokedAt).toBeDefined();
    epoch = 2;
    const after = await auth.check(token);
    expect(after.ok).toBe(false);
    expect(!after.ok && after.refusal.type).toBe('TokenRevoked');
  });

  it('does not keep a record read while a revocation was being written', async () => {
    const store = new MemoryStore();
    const stores = storesOf(store);
    const auth = new Auth(stores, 'admin-token-0123456789abcdef');
    const token = await auth.issue({ role: 'storefront', eventId: 'e1', label: 'shop', createdAt: Date.now() });
    const server = stores.server();
    const get = server.get.bind(server);
    let gate: (() => void) | undefined;
    // The check's read returns the live record, but only after the revocation has been stored.
    server.get = (async (ns: string, key: string) => {
      const v = await get(ns, key);
      if (ns === 'tokens' && gate === undefined) await new Promise<void>((r) => (gate = r));
      return v;
    }) as typeof server.get;
    const checking = auth.check(token);
    await new Promise((r) => setTimeout(r, 10));
    server.get = get;
    await auth.revoke('e1', (await auth.list('e1'))[0]!.id, 'stolen');
    gate!();
    expect((await checking).ok).toBe(true);
    const next = await auth.check(token);
    expect(!next.ok && next.refusal.type).toBe('TokenRevoked');
  });
});
