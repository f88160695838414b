import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { NodeTills } from './node-tills.ts';
import { demoWorld, until, type World } from '../../sync-server/test-support.ts';

/**
 * The till's data layer (LocalStore over fake-indexeddb) and its sync client against a real sync server:
 * pairing, selling online and offline, acknowledgements, and a second till seeing the sales.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
const tills = new NodeTills();
afterEach(async () => {
  tills.stopAll();
  await w?.stop();
  w = undefined;
});


const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

describe('a paired till', () => {
  it('downloads its event, sells, and the server acknowledges the sale so the outbox empties', async () => {
    w = await demoWorld();
    const { store } = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(12);
    const [sale] = await store.commitSale({ cart: { lines: [{ ...hoodie, qty: 2 }] }, payments: [{ method: 'card', amount: 2 * 4830 }], cashierId: 'ana' });
    expect(sale!.receiptNumber).toBe('T1-00001');
    await expect.poll(async () => (await store.outbox()).length, { timeout: 5000 }).toBe(0);
    const onServer = await w.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.map((s) => s.receiptNumber));
    expect(onServer).toEqual(['T1-00001']);
  });

  it('sells while the server is down and delivers the sales exactly once when it returns', async () => {
    w = await demoWorld();
    const a = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    await w.server.close();
    await until(() => a.sync.current.state === 'offline', 'the till to notice it is offline');
    for (let i = 0; i < 3; i++) {
      await a.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    }
    expect((await a.store.outbox()).length).toBeGreaterThan(0);
    await w.restart();
    await expect.poll(async () => (await a.store.outbox()).length, { timeout: 8000 }).toBe(0);
    const receipts = await w.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.map((s) => s.receiptNumber).sort());
    expect(receipts).toEqual(['T1-00001', 'T1-00002', 'T1-00003']);
    const sold = await w.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (_doc, view) => view!.rights('till:till-1', hoodie.sku));
    expect(sold).toBe(12 - 3);
  });

  it('shows another till’s sale to a till of the same brand, live, and the booth stock follows', async () => {
    w = await demoWorld();
    const a = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    const extra = await w.server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
    const b = await tills.pair(w.server.url, extra.code);
    expect(b.store.boothStock(hoodie.brandId, hoodie.sku)).toBe(12);
    await a.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    await expect.poll(() => b.store.stockView(hoodie.brandId)?.rights('till:till-1', hoodie.sku), { timeout: 5000 }).toBe(11);
    expect(b.store.boothStock(hoodie.brandId, hoodie.sku)).toBe(11);
    expect((await b.store.recentSales()).map((s) => s.receiptNumber)).toEqual(['T1-00001']);
    // B's own rights are untouched: it holds none of this SKU until the organiser moves some to it.
    expect(b.store.rights(hoodie.brandId, hoodie.sku)).toBe(0);
  });
});

describe('rights requests', () => {
  it('a till short of stock asks the reserve, the server grants what it holds, and the till can sell', async () => {
    w = await demoWorld();
    const { store } = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    const cap = { brandId: 'north-thread', sku: 'NT-CAP' };
    const before = store.rights(cap.brandId, cap.sku);
    const request = await store.requestRights(cap.brandId, cap.sku, 7, 'queue at the booth');
    await expect.poll(() => store.rights(cap.brandId, cap.sku), { timeout: 5000 }).toBe(before + 7);
    // The grant is one transfer from the reserve that names the request.
    const grants = store.brandDoc(cap.brandId)!.ledger().items.filter((e) => e.kind === 'transfer' && e.ref === request.id);
    expect(grants.map((e) => [e.from, e.to, e.qty, e.writer])).toEqual([['reserve', 'till:till-1', 7, 'SERVER000000']]);
    // Seen again (a restart re-reads open requests), it is not granted twice.
    expect(await w.server.events.grantRightsRequest(DEMO_EVENT_ID, cap.brandId, request.id)).toBe(0);
  });

  it('grants only what the reserve holds, once', async () => {
    w = await demoWorld();
    const { store } = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    const cap = { brandId: 'north-thread', sku: 'NT-CAP' };
    const reserve = await w.server.hub.read(brandDocName(DEMO_EVENT_ID, cap.brandId), (_d, view) => view!.rights('reserve', cap.sku));
    const before = store.rights(cap.brandId, cap.sku);
    await store.requestRights(cap.brandId, cap.sku, reserve + 100);
    await expect.poll(() => store.rights(cap.brandId, cap.sku), { timeout: 5000 }).toBe(before + reserve);
    expect(await w.server.hub.read(brandDocName(DEMO_EVENT_ID, cap.brandId), (_d, view) => view!.rights('reserve', cap.sku))).toBe(0);
  });
});
