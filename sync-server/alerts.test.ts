import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../core/reports/alerts.ts';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { ONLINE, RESERVE } from '../core/ledger/holders.ts';
import { brandDocName } from '../core/event/schema.ts';
import { DELIVERY_HEADER, signature, SIGNATURE_HEADER, TIMESTAMP_HEADER, type DeliveryAttempt } from './analytics/webhook.ts';
import { api, demoWorld, eventually, type World } from './test-support.ts';

const E = DEMO_EVENT_ID;
const SECRET = 'a-webhook-secret-of-some-length';
let w: World | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  receiver = undefined;
});

/** A loopback webhook receiver answering with the given statuses in turn (then 200). */
async function webhookReceiver(statuses: number[] = []) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, got };
}

type Demo = Awaited<ReturnType<typeof demoWorld>>;
const opts = { alerts: { debounceMs: 20, rejectionPollMs: 100, webhook: { backoffMs: 40, maxAttempts: 3, timeoutMs: 1000, allowPrivate: true } } };

/** Moves all the online channel's units of a SKU back to the reserve: the online location runs out. */
async function emptyOnline(d: Demo, sku: string): Promise<string> {
  const qty = await d.server.hub.read(brandDocName(E, 'north-thread'), (_doc, view) => view!.rights(ONLINE, sku));
  await d.server.events.transfer(E, ONLINE, RESERVE, [{ brandId: 'north-thread', sku, qty }]);
  return `out-of-stock:north-thread/${sku}@online`;
}

const deliveriesOf = <T extends { headers: IncomingHttpHeaders }>(got: T[], id: string): T[] => got.filter((g) => g.headers[DELIVERY_HEADER] === `${E}/${id}`);

describe('alert watcher and webhook', () => {
  it('POSTs a new alert once, signed, retrying after a failure; lists it; and does not resend it after a restart', async () => {
    const d = await demoWorld(opts);
    w = d;
    const hook = await webhookReceiver([500]);
    const token = d.demo.organiserToken;
    expect((await api(d.server.url, 'PUT', `/api/events/${E}/alerts/webhook`, { token, body: { url: hook.url, secret: 'short' } })).status).toBe(422);
    expect((await api(d.server.url, 'PUT', `/api/events/${E}/alerts/webhook`, { token, body: { url: hook.url, secret: SECRET } })).status).toBe(200);
    const id = await emptyOnline(d, 'NT-CAP');

    // The first attempt is answered 500, the retry 200.
    await eventually(async () => expect(deliveriesOf(hook.got, id)).toHaveLength(2));
    for (const g of deliveriesOf(hook.got, id)) {
      expect(g.headers[SIGNATURE_HEADER]).toBe(signature(SECRET, String(g.headers[TIMESTAMP_HEADER]), g.body));
      const body = JSON.parse(g.body) as { eventId: string; alert: Alert };
      expect(body).toMatchObject({ eventId: E, alert: { id, kind: 'out-of-stock', severity: 'critical', subject: { sku: 'NT-CAP', locationId: 'online' } } });
    }
    const log = await eventually(async () => {
      const res = await api(d.server.url, 'GET', `/api/events/${E}/alerts/deliveries`, { token });
      const mine = (res.body as { deliveries: DeliveryAttempt[] }).deliveries.filter((x) => x.alertId === id);
      expect(mine.map((x) => [x.attempt, x.status, x.outcome ?? null])).toEqual([[2, 200, 'delivered'], [1, 500, null]]);
      return mine;
    });
    expect(log).toHaveLength(2);

    const listed = await api(d.server.url, 'GET', `/api/events/${E}/alerts`, { token });
    expect(listed.status).toBe(200);
    expect((listed.body as { alerts: Alert[] }).alerts.map((a) => a.id)).toContain(id);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/alerts`, { token: d.demo.storefrontToken })).status).toBe(403);

    // After a restart the alert is still raised and known: nothing is sent again.
    const before = hook.got.length;
    await d.restart();
    const again = await api(d.server.url, 'GET', `/api/events/${E}/alerts`, { token });
    expect((again.body as { alerts: Alert[] }).alerts.map((a) => a.id)).toContain(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.got.length).toBe(before);
  });

  it('streams each new alert to an organiser over Server-Sent Events', async () => {
    const d = await demoWorld(opts);
    w = d;
    const token = d.demo.organiserToken;
    const ctrl = new AbortController();
    const res = await fetch(`${d.server.url}/api/events/${E}/alerts/stream?token=${token}`, { signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const id = await emptyOnline(d, 'NT-TOTE');
    await eventually(async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      expect(text).toContain(`event: alert\nid: ${id}\n`);
    });
    expect(text).toContain('event: snapshot');
    ctrl.abort();
  });

  it('refuses the stream without an organiser token', async () => {
    const d = await demoWorld(opts);
    w = d;
    expect((await fetch(`${d.server.url}/api/events/${E}/alerts/stream`)).status).toBe(401);
    expect((await fetch(`${d.server.url}/api/events/${E}/alerts/stream?token=${d.demo.storefrontToken}`)).status).toBe(403);
  });
});

describe('post-drop analytics endpoint', () => {
  it('computes the drop\'s buyers across the events on this server that share its brands', async () => {
    const d = await demoWorld(opts);
    w = d;
    const token = d.demo.organiserToken;
    const qty = (sku: string) => ({ brandId: 'north-thread', sku, qty: 1 });
    const order = async (key: string, sku: string, email: string) => {
      const priced = await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: d.demo.storefrontToken });
      const item = (priced.body as { items: { sku: string; price: number }[] }).items.find((i) => i.sku === sku)!;
      const res = await api(d.server.url, 'POST', `/api/events/${E}/orders`, {
        token: d.demo.storefrontToken,
        headers: { 'idempotency-key': key },
        body: { lines: [qty(sku)], payment: { method: 'card', amount: item.price, reference: 'psp-1' }, customer: { email, consent: true }, source: 'LENA10' },
      });
      expect(res.status).toBe(201);
    };
    // Two people follow Lena's link (it lands on the drop's page, crediting her); both buy with her code.
    for (let i = 0; i < 2; i++) expect((await fetch(`${d.server.url}/r/lena10`, { redirect: 'manual' })).status).toBe(302);
    await order('order-key-000001', 'NT-CAP', 'new@example.com');
    await order('order-key-000002', 'NT-TOTE', 'second@example.com');
    const res = await api(d.server.url, 'GET', `/api/events/${E}/analytics`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventId: E, buyers: 2, newBuyers: 2, returningBuyers: 0, clicksKnown: true });
    const conversion = (res.body as { conversion: { source: string }[] }).conversion;
    expect(conversion.find((r) => r.source === 'LENA10')).toEqual({ source: 'LENA10', orders: 2, clicks: 2, conversionBp: 10_000 });
    expect(conversion.find((r) => r.source === 'TECHTOM')).toEqual({ source: 'TECHTOM', orders: 0, clicks: 0, conversionBp: null });
    expect((res.body as { brandIds: string[] }).brandIds).toContain('north-thread');
    expect((await api(d.server.url, 'GET', `/api/events/nope/analytics`, { token })).status).toBe(403);
  });
});
