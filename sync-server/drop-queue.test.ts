import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import { RESERVE } from '../core/ledger/holders.ts';
import { fulfilmentSources } from '../core/ledger/routing.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { demoWorld, type World } from './test-support.ts';

/**
 * The waiting room, attacked as a script holding a real storefront token would: no ticket, a forged one, a
 * real one from another browser, a real one before its turn, and many tickets from one address.
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
const browserKey = () => randomBytes(32).toString('base64url');

async function call(d: Demo, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? d.demo.storefrontToken}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${d.server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 };
const onlineSales = (d: Demo) => d.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.filter((s) => s.tillId === 'online').length);

/** A drop already live, its waiting room turned on now at `rate` a second, on a clock the test moves. */
async function room(rate: number): Promise<{ d: Demo; clock: { now: number } }> {
  const clock = { now: Date.now() };
  const d = await demoWorld({ now: () => clock.now });
  w = d;
  const on = await call(d, `${base}/queue`, { method: 'PUT', token: d.demo.organiserToken, body: { enabled: true, admitPerSecond: rate } });
  expect(on.status).toBe(200);
  expect(on.body).toMatchObject({ enabled: true, admitPerSecond: rate, admissionStartsAt: clock.now });
  return { d, clock };
}

const join = (d: Demo, key: string) => call(d, `${base}/queue/tickets`, { method: 'POST', body: { browserKey: key } });
const reserve = (d: Demo, headers: Record<string, string> = {}) => call(d, `${base}/reservations`, { method: 'POST', body: { lines: [hoodie] }, headers });
async function order(d: Demo, key: string, headers: Record<string, string>) {
  const s = (await call(d, `${base}/stock`)).body as StockSnapshot;
  const price = s.items.find((i) => i.sku === hoodie.sku)!.price;
  return call(d, `${base}/orders`, { method: 'POST', body: { lines: [hoodie], payment: { method: 'card', amount: price } }, headers: { 'idempotency-key': key, ...headers } });
}
const held = async (d: Demo) => ((await call(d, `${base}/stock`)).body as StockSnapshot).items.find((i) => i.sku === hoodie.sku)!.available;

describe('the waiting room', () => {
  it('is off unless the organiser turns it on; only an organiser may, with a sane rate', async () => {
    const clock = { now: Date.now() };
    const d = await demoWorld({ now: () => clock.now });
    w = d;
    expect((await call(d, `${base}/queue`)).body).toMatchObject({ enabled: false });
    expect((await reserve(d)).status).toBe(201);
    expect((await call(d, `${base}/queue`, { method: 'PUT', body: { enabled: true, admitPerSecond: 5 } })).status).toBe(403);
    const bad = await call(d, `${base}/queue`, { method: 'PUT', token: d.demo.organiserToken, body: { enabled: true, admitPerSecond: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('admitPerSecond');
    expect((await join(d, browserKey())).status).toBe(409);
  });

  it('refuses a reservation and an order without a ticket (QueueTicketRequired), holding and writing nothing', async () => {
    const { d } = await room(10);
    const before = await held(d);
    const r = await reserve(d);
    expect(r.status).toBe(403);
    expect(r.body.type).toBe('QueueTicketRequired');
    const o = await order(d, 'no-ticket', {});
    expect(o.body.type).toBe('QueueTicketRequired');
    expect(await held(d)).toBe(before);
    expect(await onlineSales(d)).toBe(0);
  });

  it('refuses a forged or altered ticket (QueueTicketInvalid)', async () => {
    const { d } = await room(10);
    await join(d, browserKey()); // someone else is first
    const key = browserKey();
    const { ticket, place } = (await join(d, key)).body;
    expect(place).toBe(2);
    const [v, payload, sig] = ticket.split('.');
    // The script moves itself to place 1 and keeps the signature; or signs with a key of its own.
    const moved = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: 1 })).toString('base64url');
    for (const forged of [`${v}.${moved}.${sig}`, `${v}.${payload}.${randomBytes(32).toString('base64url')}`, 'v1.e30.AAAA', 'not-a-ticket']) {
      const r = await reserve(d, { 'queue-ticket': forged, 'queue-key': key });
      expect(r.status).toBe(403);
      expect(r.body.type).toBe('QueueTicketInvalid');
    }
  });

  it('refuses a real ticket from another browser (QueueTicketWrongBrowser)', async () => {
    const { d } = await room(10);
    const mine = browserKey();
    const { ticket } = (await join(d, mine)).body;
    const r = await reserve(d, { 'queue-ticket': ticket, 'queue-key': browserKey() });
    expect(r.status).toBe(403);
    expect(r.body.type).toBe('QueueTicketWrongBrowser');
    expect((await reserve(d, { 'queue-ticket': ticket, 'queue-key': mine })).status).toBe(201);
  });

  it('places by arrival, admits at the set rate, and refuses an order before its turn (QueueNotAdmitted)', async () => {
    const { d, clock } = await room(1);
    const keys = [browserKey(), browserKey(), browserKey()];
    const tickets = [];
    for (const k of keys) tickets.push((await join(d, k)).body);
    expect(tickets.map((t) => t.place)).toEqual([1, 2, 3]);
    expect(tickets.map((t) => t.admitAt - clock.now)).toEqual([0, 1000, 2000]);
    // The same browser asking again keeps its place (201 the first time, 200 after).
    const again = await join(d, keys[2]!);
    expect(again.status).toBe(200);
    expect(again.body.place).toBe(3);

    const third = { 'queue-ticket': tickets[2].ticket, 'queue-key': keys[2]! };
    const early = await order(d, 'third-early', third);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ type: 'QueueNotAdmitted', details: { place: 3, admitAt: tickets[2].admitAt } });
    expect(await onlineSales(d)).toBe(0);
    expect((await order(d, 'first', { 'queue-ticket': tickets[0].ticket, 'queue-key': keys[0]! })).status).toBe(201);

    clock.now += 2000;
    expect((await order(d, 'third-on-time', third)).status).toBe(201);
    expect(await onlineSales(d)).toBe(2);
  });

  it('gives one address only so many tickets a minute (QueueJoinLimited), so many keys buy a script nothing', async () => {
    const { d, clock } = await room(100);
    for (let i = 0; i < 10; i++) expect((await join(d, browserKey())).status).toBe(201);
    const over = await join(d, browserKey());
    expect(over.status).toBe(429);
    expect(over.body.type).toBe('QueueJoinLimited');
    clock.now += 60_000;
    expect((await join(d, browserKey())).status).toBe(201);
  });

  it('takes no one more in once the drop is sold out (QueueSoldOut), and says so to the page', async () => {
    const { d, clock } = await room(10);
    const before = await join(d, browserKey());
    expect(before.status).toBe(201);
    // Every unit every source of the drop holds goes back to the reserve: nothing is left to sell online.
    const { locations } = await d.server.events.setup(DEMO_EVENT_ID);
    for (const brandId of ['north-thread', 'second-life', 'mellow-ceramics']) {
      const moves = await d.server.hub.read(brandDocName(DEMO_EVENT_ID, brandId), (doc, view) =>
        fulfilmentSources(locations).flatMap((src) => new BrandDoc(doc).products().items.map((p) => ({ holder: src.holder, line: { brandId, sku: p.sku, qty: view!.rights(src.holder, p.sku) } }))),
      );
      for (const m of moves) if (m.line.qty > 0) await d.server.events.transfer(DEMO_EVENT_ID, m.holder, RESERVE, [m.line]);
    }
    expect(((await call(d, `${base}/stock`)).body as StockSnapshot).items.every((i) => i.available === 0)).toBe(true);
    // The sold-out answer is cached half a second: a rush of tickets does not recompute the stock for each.
    clock.now += 600;
    const late = await join(d, browserKey());
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ type: 'QueueSoldOut', details: { soldOut: true } });
    expect((await call(d, `${base}/queue`)).body).toMatchObject({ enabled: true, soldOut: true });
  });
});
