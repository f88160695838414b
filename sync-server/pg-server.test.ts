import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName, setupDocName } from '../core/event/schema.ts';
import { freshDatabase, type TestDatabase } from './storage/pg-test-support.ts';
import { PgStore } from './storage/pg-store.ts';
import { ackedClock, api, collectAcks, copyOfServerDoc, demoWorld, pairTill, synced, TillWriter, until } from './test-support.ts';

/**
 * The whole server on the PostgreSQL store (`store: { url }`, what `--store postgres://…` gives): a till
 * pairs and syncs a sale, a storefront places an online order, and a server restarted on the same database
 * finds both. Nothing is kept in the data folder's embedded store.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db.drop();
});

const E = DEMO_EVENT_ID;
const northThread = brandDocName(E, 'north-thread');

describe('the server on PostgreSQL', () => {
  it('pairs a till, syncs its sale, takes an online order, and finds both after a restart on the same database', async () => {
    const d = await demoWorld({ store: { url: db.url } });
    try {
      expect(d.server.store).toBeInstanceOf(PgStore);
      const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
      const tillDoc = new Y.Doc();
      const client = d.provider(northThread, till.token, tillDoc, { ack: '1' });
      const acks = collectAcks(client);
      await synced(client);
      const { sale } = new TillWriter(till, 'north-thread', tillDoc, await copyOfServerDoc(d.server, setupDocName(E))).sell('NT-CAP', 1);
      const clock = Y.getState(tillDoc.store, tillDoc.clientID);
      // Acknowledged: committed to PostgreSQL.
      await until(() => ackedClock(acks, tillDoc.clientID) >= clock, 'the sale to be acknowledged', 10_000);
      client.destroy();

      const stock = (await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: d.demo.storefrontToken })).body as { items: { sku: string; price: number }[] };
      const price = stock.items.find((i) => i.sku === 'NT-TOTE')!.price;
      const body = { lines: [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 1 }], payment: { method: 'card', amount: price } };
      const placed = await api(d.server.url, 'POST', `/api/events/${E}/orders`, { token: d.demo.storefrontToken, headers: { 'idempotency-key': 'pg-order-1' }, body });
      expect(placed.status).toBe(201);
      const order = placed.body as { orderId: string; sales: string[]; receiptNumber: string };

      await d.restart();
      expect(d.server.store).toBeInstanceOf(PgStore);
      const sales = await d.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.map((s) => s.id));
      expect(sales).toEqual(expect.arrayContaining([sale.id, ...order.sales]));
      const again = await api(d.server.url, 'GET', `/api/events/${E}/orders/${order.orderId}`, { token: d.demo.organiserToken });
      expect(again.status).toBe(200);
      expect((again.body as { receiptNumber: string }).receiptNumber).toBe(order.receiptNumber);
      // The key's first answer, replayed: the order is not placed twice.
      const replay = await api(d.server.url, 'POST', `/api/events/${E}/orders`, { token: d.demo.storefrontToken, headers: { 'idempotency-key': 'pg-order-1' }, body });
      expect(replay.status).toBe(201);
      expect((replay.body as { orderId: string }).orderId).toBe(order.orderId);
      expect(await d.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.length)).toBe(sales.length);
      // The till's token is still known: tokens live in the database too.
      expect((await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.organiserToken })).status).toBe(200);
      expect(existsSync(join(d.dataDir, 'store'))).toBe(false);
    } finally {
      await d.stop();
    }
  }, 60_000);
});
