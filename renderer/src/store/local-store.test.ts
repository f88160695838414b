import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS, demoOpeningStock } from '../../../core/event/demo-event.ts';
import { InsufficientRightsError } from '../../../core/ledger/rights.ts';
import { changeDue } from '../../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../../core/event/schema.ts';
import { conservationHolds } from '../../../core/ledger/stock-view.ts';
import { LocalStore } from './local-store.ts';
import { setUpStandAloneDemo } from './stand-alone.ts';

const START = Date.UTC(2026, 10, 21, 9, 0);
/** Each test gets its own IndexedDB factory: its own world. */
function world() {
  const indexedDB = new IDBFactory();
  let now = START + 5 * 60_000; // five minutes into the drop: the −30 % tier
  const open = (dbName = 'till') => LocalStore.open({ dbName, indexedDB, IDBKeyRange, clock: { now: () => now } });
  return { open, advance: (ms: number) => (now += ms) };
}

const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };
const hoodieProduct = DEMO_PRODUCTS.find((p) => p.sku === hoodie.sku)!;
const OPENING = demoOpeningStock(hoodieProduct);

describe('local store', () => {
  it('sells from IndexedDB and keeps the sale, the stock and the receipt counter across a restart', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const [sale] = await store.commitSale({ cart: { lines: [{ ...hoodie, qty: 2 }] }, payments: [{ method: 'cash', amount: 9660, tendered: 10000 }], cashierId: 'ana' });
    expect(sale!.receiptNumber).toBe('T1-00001');
    expect(sale!.lines[0]).toMatchObject({ unitPrice: 4830, tierId: 'first-15', gross: 9660 });
    await store.compact();
    store.close();

    const again = await w.open();
    expect(again.profile?.tillId).toBe('till-1');
    // One Yjs client id per device, kept across restarts together with the state it wrote.
    for (const doc of again.docs().values()) expect(doc.clientID).toBe(again.identity.yClientId);
    expect(again.rights(hoodie.brandId, hoodie.sku)).toBe(OPENING - 2);
    expect(await again.salesByReceipt('t1-00001')).toHaveLength(1);
    expect(again.byBarcode(hoodieProduct.barcodes[0]!)?.sku).toBe('NT-HOODIE-M');
    const [next] = await again.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'card', amount: 4830, reference: 'A1B2' }], cashierId: 'ana' });
    expect(next!.receiptNumber).toBe('T1-00002');
    // The restored view and one rebuilt from the document agree.
    const view = again.stockView(hoodie.brandId)!;
    expect(view.rights('till:till-1', hoodie.sku)).toBe(OPENING - 3);
    const ledger = again.brandDoc(hoodie.brandId)!.ledger();
    expect(ledger.invalid).toEqual([]);
    expect(ledger.items.filter((e) => e.kind === 'sale')).toHaveLength(2);
    again.close();
  });

  it('splits a multi-brand checkout into one sale per brand under one receipt number', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const sales = await store.commitSale({
      cart: { lines: [{ ...hoodie, qty: 1 }, { brandId: 'second-life', sku: 'SL-CASE-12', qty: 1 }] },
      payments: [{ method: 'cash', amount: 6160, tendered: 7000 }],
      cashierId: 'ana',
    });
    expect(sales.map((s) => [s.brandId, s.receiptNumber, s.total])).toEqual([
      ['north-thread', 'T1-00001', 4830],
      ['second-life', 'T1-00001', 1330],
    ]);
    expect(new Set(sales.map((s) => s.checkoutId)).size).toBe(1);
    expect(changeDue(sales.flatMap((s) => s.payments))).toBe(840);
  });

  it('refuses a cart beyond the till’s rights, and records a manager override as an exception', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const phone = { brandId: 'second-life', sku: 'SL-PHONE-12' };
    const lines = Array.from({ length: 5 }, (_, i) => ({ ...phone, qty: 1, serial: `IMEI-${i}` }));
    // The phone's margin floor is above its discounted price, so it sells at list (399.00).
    const total = 5 * 39900;
    await expect(store.commitSale({ cart: { lines }, payments: [{ method: 'card', amount: total }], cashierId: 'ana' })).rejects.toThrow(InsufficientRightsError);
    expect(store.rights(phone.brandId, phone.sku)).toBe(4);
    expect(await store.recentSales()).toHaveLength(0);
    const sales = await store.commitSale({ cart: { lines }, payments: [{ method: 'card', amount: total }], cashierId: 'ana', override: { managerId: 'mia', reason: 'last unit on display' } });
    expect(sales).toHaveLength(1);
    expect(store.stockView(phone.brandId)!.overrides()).toHaveLength(1);
    expect(store.rights(phone.brandId, phone.sku)).toBe(-1);
    const reopened = await (store.close(), w.open());
    expect(reopened.stockView(phone.brandId)!.overrides()[0]!.override).toMatchObject({ managerId: 'mia', shortfall: 1 });
  });

  it('leaves nothing behind, in memory or on disk, when the sale’s transaction fails', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const before = store.rights(hoodie.brandId, hoodie.sku);
    const updatesBefore = await store.db.updates.count();
    const fail = () => {
      throw new Error('disk full');
    };
    store.db.sales.hook('creating', fail);
    await expect(store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' })).rejects.toThrow(/disk full/);
    store.db.sales.hook('creating').unsubscribe(fail);
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(before);
    expect(store.brandDoc(hoodie.brandId)!.sales().items).toHaveLength(0);
    expect(await store.db.updates.count()).toBe(updatesBefore);
    expect(await store.db.sales.count()).toBe(0);
    const [sale] = await store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    // The failed attempt did not use up a receipt number.
    expect(sale!.receiptNumber).toBe('T1-00001');
    store.close();
    const reopened = await w.open();
    expect(reopened.rights(hoodie.brandId, hoodie.sku)).toBe(before - 1);
  });

  it('applies a peer’s update durably and derives the same stock from it', async () => {
    const w = world();
    const a = await w.open('till-a');
    await setUpStandAloneDemo(a, START);
    await a.commitSale({ cart: { lines: [{ ...hoodie, qty: 3 }] }, payments: [{ method: 'cash', amount: 14490 }], cashierId: 'ana' });
    const b = await w.open('observer');
    await b.setProfile({ eventId: DEMO_EVENT_ID, tillId: 'till-9', receiptPrefix: 'T9' });
    for (const [name, doc] of a.docs()) await b.applyRemote(name, Y.encodeStateAsUpdate(doc));
    // Applying the same update again changes nothing: nothing is counted twice.
    const name = brandDocName(DEMO_EVENT_ID, hoodie.brandId);
    await b.applyRemote(name, Y.encodeStateAsUpdate(a.docs().get(name)!));
    const view = b.stockView(hoodie.brandId)!;
    expect(view.rights('till:till-1', hoodie.sku)).toBe(OPENING - 3);
    expect(conservationHolds(view, hoodie.sku)).toBe(true);
    expect(await b.outbox()).toHaveLength(0);
    expect((await a.outbox()).length).toBeGreaterThan(0);
    b.close();
    const b2 = await w.open('observer');
    expect(b2.stockView(hoodie.brandId)!.rights('till:till-1', hoodie.sku)).toBe(OPENING - 3);
    expect((await b2.recentSales()).map((s) => s.receiptNumber)).toEqual(['T1-00001']);
  });

  it('compacts updates into a snapshot but keeps the unacknowledged ones as the outbox', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const outbox = await store.outbox();
    await store.markSynced(outbox.slice(0, 3).map((r) => r.seq!));
    await store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    await store.compact();
    expect(await store.db.updates.where('synced').equals(1).count()).toBe(0);
    expect(await store.outbox()).toHaveLength(outbox.length - 3 + 1);
    store.close();
    const again = await w.open();
    expect(again.rights(hoodie.brandId, hoodie.sku)).toBe(OPENING - 1);
    expect(again.brandDoc(hoodie.brandId)!.sales().items).toHaveLength(1);
  });
});

describe('refunds on the till', () => {
  it('returns a defective item offline, durably, into quarantine, and refuses to return it twice', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const [sale] = await store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    const refund = await store.commitRefund(sale!.id, { lines: [{ sku: hoodie.sku, qty: 1, reason: 'defective' }], method: 'cash', cashierId: 'ana' });
    expect(refund.total).toBe(4830);
    expect(store.stockView(hoodie.brandId)!.balance('till:till-1', hoodie.sku)).toEqual({ sellable: OPENING - 1, quarantined: 1 });
    await expect(store.commitRefund(sale!.id, { lines: [{ sku: hoodie.sku, qty: 1, reason: 'defective' }], method: 'cash', cashierId: 'ana' })).rejects.toThrow(/0 of Drop Hoodie/);
    store.close();
    const again = await w.open();
    expect(again.refundsOf(sale!)).toHaveLength(1);
    expect(again.stockView(hoodie.brandId)!.balance('till:till-1', hoodie.sku)).toEqual({ sellable: OPENING - 1, quarantined: 1 });
  });
});

describe('cash drawer openings', () => {
  it('are kept across a restart and shown in the till’s audit log', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    await store.recordDrawerOpening({ cashierId: 'ana', wallTime: START + 1000, reason: 'cash-sale', receiptNumber: 'T1-00001' });
    await store.recordDrawerOpening({ cashierId: 'mia', wallTime: START + 2000, reason: 'manager' });
    store.close();
    const again = await w.open();
    const drawer = (await again.audit()).filter((i) => i.kind === 'drawer');
    expect(drawer).toEqual([
      { at: START + 2000, kind: 'drawer', who: 'mia', what: 'drawer opened by a manager, no sale' },
      { at: START + 1000, kind: 'drawer', who: 'ana', what: 'drawer opened for cash sale T1-00001' },
    ]);
  });
});

describe('stock the organiser takes back to the reserve', () => {
  it('hands back, once online, what is asked up to what the till holds and no cart holds, as its own transfer naming the request', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const name = brandDocName(DEMO_EVENT_ID, hoodie.brandId);
    // The server's copy writes a return request for more hoodies than the till has, and it arrives over sync.
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(store.docs().get(name)!));
    const before = Y.encodeStateVector(server);
    const request = { id: 't_0000000001000-0000-SERVER000000', at: '0000000001000-0000-SERVER000000', writer: 'SERVER000000', holder: 'till:till-1' as const, lines: [{ sku: hoodie.sku, qty: OPENING + 5 }], expiresAt: START + 3_600_000 };
    new BrandDoc(server).appendReturnRequest(request);
    // Two hoodies sit in the cart in progress: they stay.
    store.heldInCarts = (b, s) => (b === hoodie.brandId && s === hoodie.sku ? 2 : 0);
    await store.applyRemote(name, Y.encodeStateAsUpdate(server, before));
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(2);
    const back = store.brandDoc(hoodie.brandId)!.ledger().items.filter((e) => e.ref === request.id);
    expect(back).toEqual([expect.objectContaining({ kind: 'transfer', from: 'till:till-1', to: 'reserve', sku: hoodie.sku, qty: OPENING - 2, writer: store.identity.deviceId })]);
    // The cart is cleared: the next update from the server lets the rest go, once; then nothing is left to take.
    store.heldInCarts = () => 0;
    await store.applyRemote(name, new Uint8Array([0, 0]));
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(0);
    await store.applyRemote(name, new Uint8Array([0, 0]));
    expect(store.brandDoc(hoodie.brandId)!.ledger().items.filter((e) => e.ref === request.id).reduce((a, e) => a + e.qty, 0)).toBe(OPENING);
    store.close();
  });

  it('hands back nothing for an expired request or another till’s', async () => {
    const w = world();
    const store = await w.open();
    await setUpStandAloneDemo(store, START);
    const name = brandDocName(DEMO_EVENT_ID, hoodie.brandId);
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(store.docs().get(name)!));
    const before = Y.encodeStateVector(server);
    const base = { at: '0000000001000-0000-SERVER000000', writer: 'SERVER000000', lines: [{ sku: hoodie.sku, qty: 3 }] };
    new BrandDoc(server).appendReturnRequest({ ...base, id: 't_a', holder: 'till:till-1', expiresAt: START });
    new BrandDoc(server).appendReturnRequest({ ...base, id: 't_b', holder: 'till:till-2', expiresAt: START + 3_600_000 });
    await store.applyRemote(name, Y.encodeStateAsUpdate(server, before));
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(OPENING);
    store.close();
  });
});
