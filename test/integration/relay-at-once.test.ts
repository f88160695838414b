import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { demoWorld, rejections, until, type World } from '../../sync-server/test-support.ts';

/**
 * Relay at once, acknowledge when durable (docs/sync-protocol.md). A till's sale reaches the other tills of
 * its brand before the server has written it; only the seller's acknowledgement waits for the disk. If the
 * write is then lost, the seller sends the sale again, and the till that already holds it must not: the
 * server would refuse it from that till (a ledger entry is its writer's alone) and close it with 4422.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
const tills: { store: LocalStore; sync: TillSync }[] = [];
afterEach(async () => {
  for (const t of tills.splice(0)) {
    t.sync.stop();
    t.store.close();
  }
  await w?.stop();
  w = undefined;
});

const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');
const cap = { brandId: 'north-thread', sku: 'NT-CAP' };

async function pairedTill(world: NonNullable<typeof w>, code: string) {
  const deviceId = newDeviceId(webCryptoRandom);
  const store = await LocalStore.open({ dbName: `till-${deviceId}`, indexedDB: new IDBFactory(), IDBKeyRange, deviceId });
  const res = await fetch(`${world.server.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId }) });
  const paired = (await res.json()) as { token: string; tillId: string; receiptPrefix: string; brandIds: string[] };
  await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: world.server.url, token: paired.token });
  const startSync = () => {
    const sync = new TillSync(store, { serverUrl: world.server.url, token: paired.token, eventId: DEMO_EVENT_ID, brandIds: paired.brandIds, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, minBackoffMs: 50, maxBackoffMs: 200 });
    sync.start();
    tills.push({ store, sync });
    return sync;
  };
  return { store, startSync };
}

const salesOf = (store: LocalStore) => new BrandDoc(store.docs().get(northThread) ?? new Y.Doc()).sales().items.map((s) => s.receiptNumber);

describe('relay at once, acknowledge when durable', () => {
  it('shows a sale to the brand’s other till before it is on disk, acknowledges the seller only after, and recovers a lost write from the seller alone', async () => {
    w = await demoWorld({ tap: true });
    const world = w;
    const seller = await pairedTill(world, world.demo.tills[0]!.code);
    const other = await pairedTill(world, world.demo.tills[2]!.code);
    let sellerSync = seller.startSync();
    const otherSync = other.startSync();
    await until(() => sellerSync.current.state === 'online' && otherSync.current.state === 'online', 'both tills online', 8000);

    // Hold the server's next write of the brand document.
    const store = world.tap!;
    let held: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    store.tap = (call, proceed) => {
      if (call.op !== 'appendUpdate' || call.doc !== northThread || held) return proceed();
      return new Promise<void>((resolve, reject) => (held = { resolve, reject }));
    };
    try {
      await seller.store.commitSale({ cart: { lines: [{ ...cap, qty: 1 }] }, payments: [{ method: 'cash', amount: 2400 }], cashierId: 'ana' });
      await until(() => held !== undefined, 'the server to start writing the sale');
      // Relayed before the write is durable …
      await until(() => salesOf(other.store).length === 1, 'the other till to receive the sale', 5000);
      // … while the seller's row stays in its outbox: no acknowledgement yet.
      expect((await seller.store.outbox()).filter((r) => r.doc === northThread)).toHaveLength(1);

      // The seller goes away, then the write fails: the server drops its copy and reloads it from disk,
      // without the sale. The other till reconnects holding it, and must not send it (it is not its own).
      sellerSync.stop();
      held!.reject(new Error('disk gone (injected)'));
      await until(() => otherSync.current.state === 'online', 'the other till to reconnect', 8000);
      await new Promise((r) => setTimeout(r, 300));
      expect(await world.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.length)).toBe(0);
      expect(otherSync.current.problem).toBeUndefined();
      expect(await rejections(world.server.url, DEMO_EVENT_ID, world.demo.organiserToken)).toEqual([]);

      // The seller comes back and sends it again: stored once, acknowledged, and everyone agrees.
      store.tap = undefined;
      sellerSync = seller.startSync();
      await expect.poll(async () => (await seller.store.outbox()).length, { timeout: 8000 }).toBe(0);
      expect(await world.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.map((s) => s.receiptNumber))).toEqual(salesOf(seller.store));
      expect(salesOf(other.store)).toEqual(salesOf(seller.store));
      expect(await rejections(world.server.url, DEMO_EVENT_ID, world.demo.organiserToken)).toEqual([]);
    } finally {
      store.tap = undefined;
      held?.resolve();
    }
  });

  it('sends everything it holds, not only its own changes, when the server rebuilds a document from the tills’ copies', async () => {
    w = await demoWorld({ tap: true });
    const world = w;
    const seller = await pairedTill(world, world.demo.tills[0]!.code);
    const other = await pairedTill(world, world.demo.tills[2]!.code);
    const sellerSync = seller.startSync();
    await until(() => sellerSync.current.state === 'online', 'the seller online', 8000);
    await seller.store.commitSale({ cart: { lines: [{ ...cap, qty: 1 }] }, payments: [{ method: 'cash', amount: 2400 }], cashierId: 'ana' });
    await expect.poll(async () => (await seller.store.outbox()).length, { timeout: 8000 }).toBe(0);
    // The seller is gone for good; the other till holds its sale (and the server's stock moves).
    sellerSync.stop();
    const otherSync = other.startSync();
    await until(() => salesOf(other.store).length === 1, 'the other till to hold the sale', 8000);

    const rebuild = await fetch(`${world.server.url}/api/admin/documents/rebuild`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${world.server.adminToken}` },
      body: JSON.stringify({ doc: northThread }),
    });
    expect(rebuild.status).toBe(202);
    // Its own changes alone would leave the rebuilt document without the sale: the server asks for everything.
    await expect.poll(() => world.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.length), { timeout: 8000 }).toBe(1);
    const ledger = await world.server.hub.read(northThread, (doc) => [...doc.getMap('ledger').keys()].sort());
    expect(ledger).toEqual([...other.store.docs().get(northThread)!.getMap('ledger').keys()].sort());
    expect(otherSync.current.problem).toBeUndefined();
  });
});
