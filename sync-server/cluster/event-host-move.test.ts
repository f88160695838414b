import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type pg from 'pg';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { brandDocName } from '../../core/event/schema.ts';
import { ONLINE, RESERVE } from '../../core/ledger/holders.ts';
import { freshDatabase, type TestDatabase } from '../storage/pg-test-support.ts';
import { api, demoWorld, eventually, world, type World } from '../test-support.ts';
import { DELIVERY_HEADER } from '../analytics/webhook.ts';

/**
 * The event as a unit that moves between processes (event-host.ts): two real servers on one PostgreSQL.
 * When an event leaves a process and comes back, nothing the process remembered from before is served;
 * an idle event's lease goes back at once; a process taking an event over starts its alert watcher.
 */
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const E = DEMO_EVENT_ID;
const ADMIN = 'test-admin-token-0123456789';
const CLUSTER = { ttlMs: 900, renewEveryMs: 300 };

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

let worlds: World[] = [];
let receiver: Server | undefined;
afterEach(async () => {
  for (const w of worlds.reverse()) await w.stop();
  worlds = [];
  receiver?.close();
  receiver = undefined;
  await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
});

function sql(text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  return db.query(text, params);
}

async function owned(url: string): Promise<string[]> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as { cluster: { events: { eventId: string }[] } };
  return body.cluster.events.map((e) => e.eventId);
}

/**
 * Moves the event from the process serving it to `to`: the lease is taken from under it (as a process
 * that stalled would find it), the owner notices and drops the event, the lease runs out, and the next
 * request on `to` takes it.
 */
async function move(from: World, to: World, storefrontToken: string): Promise<void> {
  await sql(`UPDATE leases SET owner = 'thief', url = 'http://127.0.0.1:9', epoch = epoch + 1, expires_at = clock_timestamp() + interval '1 minute' WHERE event_id = $1`, [E]);
  await eventually(async () => expect(await owned(from.server.url)).toEqual([]));
  await sql(`UPDATE leases SET expires_at = clock_timestamp() WHERE event_id = $1`, [E]);
  expect((await api(to.server.url, 'GET', `/api/events/${E}/stock`, { token: storefrontToken })).status).toBe(200);
  expect(await owned(to.server.url)).toEqual([E]);
}

describe('an event moving between two processes on one PostgreSQL', () => {
  it('A → B → A: back on A, the per-customer limit, the queue numbering and the Q&A board count what B wrote', async () => {
    // Documents stay loaded: the event leaves A because its lease does, not because it went idle.
    const opts = { store: { url: db.url }, cluster: CLUSTER, hub: { idleUnloadMs: 60_000 } };
    const a = await demoWorld(opts);
    worlds.push(a);
    const b = await world(opts);
    worlds.push(b);
    const shop = a.demo.storefrontToken;
    const path = `/api/events/${E}`;
    expect((await api(a.server.url, 'PATCH', path, { token: ADMIN, body: { buyerLimits: { perCustomerPerDrop: 3 } } })).status).toBe(200);
    const stock = (await api(a.server.url, 'GET', `${path}/stock`, { token: shop })).body as { items: { sku: string; price: number }[] };
    const price = stock.items.find((i) => i.sku === 'NT-SOCKS')!.price;
    let n = 0;
    const buy = (url: string, qty: number) =>
      api(url, 'POST', `${path}/orders`, {
        token: shop,
        headers: { 'idempotency-key': `move-${++n}` },
        body: { lines: [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty }], payment: { method: 'card', amount: price * qty }, customer: { email: 'buyer@example.com', consent: false } },
      });
    // The waiting room is on only while a ticket is taken (with it on, an order needs an admitted ticket).
    const room = async (url: string, enabled: boolean) => expect((await api(url, 'PUT', `${path}/queue`, { token: a.demo.organiserToken, body: { enabled, admitPerSecond: 50 } })).status).toBe(200);
    const ticket = async (url: string) => {
      await room(url, true);
      const res = await api(url, 'POST', `${path}/queue/tickets`, { token: shop, body: { browserKey: randomBytes(32).toString('base64url') } });
      expect(res.status).toBe(201);
      await room(url, false);
      return (res.body as { place: number }).place;
    };
    const ask = async (url: string, text: string) => expect((await api(url, 'POST', `${path}/qa/questions`, { token: shop, body: { browserKey: randomBytes(32).toString('base64url'), text } })).status).toBe(201);
    const board = async (url: string) => ((await api(url, 'GET', `${path}/qa/moderation`, { token: a.demo.organiserToken })).body as { questions: { text: string }[] }).questions.map((q) => q.text).sort();

    // On A: the buyer takes 2 of 3, the first ticket, a first question; A holds all of it in memory now.
    expect((await buy(a.server.url, 2)).status).toBe(201);
    expect(await ticket(a.server.url)).toBe(1);
    await ask(a.server.url, 'Do the socks run small?');
    expect(await board(a.server.url)).toEqual(['Do the socks run small?']);

    await move(a, b, shop);
    // On B: the buyer takes their third, a second ticket, a second question.
    expect((await buy(b.server.url, 1)).status).toBe(201);
    expect(await ticket(b.server.url)).toBe(2);
    await ask(b.server.url, 'Is there a larger size?');

    await move(b, a, shop);
    // Back on A: what B wrote counts. Stale memory would sell a fourth, give place 2 again, miss B's question.
    const fourth = await buy(a.server.url, 1);
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ type: 'BuyerLimitError', details: { limit: 'perCustomerPerDrop', max: 3, bought: 3 } });
    expect(await ticket(a.server.url)).toBe(3);
    expect(await board(a.server.url)).toEqual(['Do the socks run small?', 'Is there a larger size?']);
  });

  it('an idle event gives its lease back: another process takes it at once, long before the lease would run out', async () => {
    const opts = { store: { url: db.url }, cluster: { ttlMs: 30_000, renewEveryMs: 1000 }, hub: { idleUnloadMs: 100 } };
    const a = await demoWorld(opts);
    worlds.push(a);
    const b = await world(opts);
    worlds.push(b);
    expect((await api(a.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken })).status).toBe(200);
    // Its documents unload when idle; its host goes, and so does its lease.
    await eventually(async () => expect(await owned(a.server.url)).toEqual([]), 10_000);
    expect(a.server.hosts.eventIds()).toEqual([]);
    const [lease] = await sql(`SELECT owner, expires_at <= clock_timestamp() AS expired FROM leases WHERE event_id = $1`, [E]);
    expect(lease).toMatchObject({ expired: true });

    const started = Date.now();
    expect((await api(b.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken })).status).toBe(200);
    expect(await owned(b.server.url)).toEqual([E]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a process taking an event over starts its alert watcher: the new owner delivers the alert to the webhook', async () => {
    const got: string[] = [];
    receiver = createServer((req, res) => {
      got.push(String(req.headers[DELIVERY_HEADER]));
      req.resume();
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const opts = {
      store: { url: db.url },
      cluster: CLUSTER,
      alerts: { debounceMs: 20, rejectionPollMs: 100, webhook: { backoffMs: 40, maxAttempts: 3, timeoutMs: 1000, allowPrivate: true } },
    };
    const a = await demoWorld(opts);
    worlds.push(a);
    expect((await api(a.server.url, 'PUT', `/api/events/${E}/alerts/webhook`, { token: a.demo.organiserToken, body: { url: hook, secret: 'a-webhook-secret-of-some-length' } })).status).toBe(200);
    const b = await world(opts);
    worlds.push(b);
    // A stops (its leases go back); B is asked for nothing about alerts, only to move stock.
    await a.server.close();
    worlds = worlds.filter((w) => w !== a);
    const doc = brandDocName(E, 'north-thread');
    const qty = await b.server.hub.read(doc, (_d, view) => view!.rights(ONLINE, 'NT-CAP'));
    await b.server.events.transfer(E, ONLINE, RESERVE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty }]);
    await eventually(async () => expect(got).toContain(`${E}/out-of-stock:north-thread/NT-CAP@online`), 10_000);
    expect(await owned(b.server.url)).toEqual([E]);
  });
});
