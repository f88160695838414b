import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { startSyncServer, type SyncServer } from '../server.ts';
import { api } from '../test-support.ts';

/**
 * A data dir written by the server before the event-first layout (the first LevelDB layout of
 * level-storage.ts, test/fixtures/legacy-data-dir: the demo seeded, a till paired, an online order placed
 * with its tracking link, a reservation, storefront origins, a creator link click, and an order its crash
 * left half-written in the old order journal; README there) opens under
 * this server: the layout is moved once and everything the old server had written is found where the new
 * one looks for it.
 */
const E = DEMO_EVENT_ID;
interface Written {
  organiserToken: string;
  storefrontToken: string;
  tillToken: string;
  tillId: string;
  orderId: string;
  receiptNumber: string;
  trackingId: string;
  reservationId: string;
  idempotencyKey: string;
  price: number;
  /** An order whose sale write failed under the old server: its journal, record and key were left. */
  interruptedKey: string;
  interruptedOrderId: string;
}

let server: SyncServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a data dir of the first layout', () => {
  it('opens under this server with its tokens, order, idempotency key, tracking link, reservation, origins and clicks', async () => {
    const fixture = join(import.meta.dirname, '../../test/fixtures/legacy-data-dir');
    const w = JSON.parse(await readFile(join(fixture, 'written.json'), 'utf8')) as Written;
    dir = await mkdtemp(join(tmpdir(), 'popup-legacy-'));
    await cp(join(fixture, 'store'), join(dir, 'store'), { recursive: true });
    server = await startSyncServer({ dataDir: dir, host: '127.0.0.1', port: 0, adminToken: 'legacy-admin-token-0123456789' });
    const url = server.url;
    const base = `/api/events/${E}`;

    expect(await server.stores.eventIds()).toEqual([E]);
    // Tokens (server-wide) and their per-event index: the organiser lists the event's tokens, the till's among them.
    const tokens = await api(url, 'GET', `${base}/tokens`, { token: w.organiserToken });
    expect(tokens.status).toBe(200);
    expect((tokens.body as { tokens: { role: string; tillId?: string }[] }).tokens.some((t) => t.role === 'till' && t.tillId === w.tillId)).toBe(true);
    // The device registry moved into the event.
    expect((await server.stores.event(E).list('devices')).length).toBe(1);

    // The order, its sale in the brand document, and its Idempotency-Key's first answer replayed.
    const order = await api(url, 'GET', `${base}/orders/${w.orderId}`, { token: w.organiserToken });
    expect(order.status).toBe(200);
    expect((order.body as { receiptNumber: string }).receiptNumber).toBe(w.receiptNumber);
    const replay = await api(url, 'POST', `${base}/orders`, {
      token: w.storefrontToken,
      headers: { 'idempotency-key': w.idempotencyKey },
      body: { lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], payment: { method: 'card', amount: w.price } },
    });
    expect(replay.status).toBe(201);
    expect((replay.body as { orderId: string }).orderId).toBe(w.orderId);
    // The half-written order was finished before that answer (legacy-journal.ts): its sale written once,
    // its key answered with it, the journal gone.
    const onlineSales = () => server!.hub.read(brandDocName(E, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.filter((s) => s.tillId === 'online'));
    expect((await onlineSales()).map((s) => s.receiptNumber).sort()).toEqual([w.receiptNumber, 'WEB-00002']);
    expect(await server.stores.event(E).list('order-journal')).toEqual([]);
    const interrupted = await api(url, 'POST', `${base}/orders`, {
      token: w.storefrontToken,
      headers: { 'idempotency-key': w.interruptedKey },
      body: { lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], payment: { method: 'card', amount: w.price } },
    });
    expect(interrupted.status).toBe(201);
    expect(interrupted.body).toMatchObject({ orderId: w.interruptedOrderId, receiptNumber: 'WEB-00002' });
    expect(await onlineSales()).toHaveLength(2);
    // The web receipt counter continues after the numbers given.
    expect(await server.stores.event(E).get('web-receipt-seq', '')).toBe(2);

    // The tracking link (server-wide id → order) and its way back (the event's order → id).
    expect((await api(url, 'GET', `/api/track/${w.trackingId}`)).status).toBe(200);
    expect(await server.stores.event(E).get('order-tracking-by-order', w.orderId)).toBe(w.trackingId);

    // The reservation, the storefront's origins and the creator link's click.
    expect((await api(url, 'GET', `${base}/reservations/${w.reservationId}`, { token: w.storefrontToken })).status).toBe(200);
    expect(await server.stores.event(E).get('storefront-origins', '')).toEqual(['https://shop.example']);
    expect(await server.clicks.counts(E)).toEqual(new Map([['lena10', 1]]));
    // Nothing of the event was left server-wide.
    expect((await server.stores.server().namespaces()).sort()).toEqual(['creator-codes', 'meta', 'order-tracking', 'pairing', 'token-used', 'tokens']);
  });
});
