import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { RESERVE, tillHolder } from '../../core/ledger/holders.ts';
import { buildRefund } from '../../core/refunds/refund-builder.ts';
import { NoRefundRightsError, saleRefundRights } from '../../core/refunds/refund-rights.ts';
import { LedgerWriter } from '../../core/ledger/rights.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { HybridClock } from '../../core/base/hlc.ts';
import { newId } from '../../core/base/ids.ts';
import { syncUpdate } from '../../sync-server/protocol.ts';
import { copyOfServerDoc, demoWorld, joinedRawClient, storedState, updateOf, viewOf, type World } from '../../sync-server/test-support.ts';
import { NodeTills } from './node-tills.ts';

/**
 * Refund rights against a real sync server (port 0, own data folder): the selling till hands a sale's refund
 * rights to the server once the server has the sale; another till claims them while online and refunds; the
 * seller, offline, can no longer refund those units; and a till that holds no rights is refused by the server
 * itself (4422), with nothing stored, even when it skips its own check.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
const tills = new NodeTills();
afterEach(async () => {
  tills.stopAll();
  await w?.stop();
  w = undefined;
});

const NT = brandDocName(DEMO_EVENT_ID, 'north-thread');
const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

/** Till A (till-1) sells three hoodies online; till B, a second till of the brand, sees the sale. */
async function soldOnline() {
  w = await demoWorld();
  const a = await tills.pair(w.server.url, w.demo.tills[0]!.code);
  const extra = await w.server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
  const b = await tills.pair(w.server.url, extra.code);
  const [sale] = await a.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 3 }] }, payments: [{ method: 'card', amount: 3 * 4830 }], cashierId: 'ana' });
  // The server acknowledged the sale, so A hands the sale's refund rights to the server (the reserve).
  const server = w.server;
  await expect
    .poll(() => server.hub.read(NT, (doc) => heldOnServer(doc, sale!.id)), { timeout: 8000 })
    .toEqual({ [tillHolder(a.paired.tillId)]: 0, [RESERVE]: 3 });
  await expect.poll(() => b.store.salesByReceipt(sale!.receiptNumber).then((s) => s.length), { timeout: 5000 }).toBe(1);
  return { a, b, sale: sale! };
}

function heldOnServer(doc: Y.Doc, saleId: string): Record<string, number> {
  const brand = new BrandDoc(doc);
  const sale = brand.saleById(saleId)!;
  return Object.fromEntries(saleRefundRights(sale, brand.refunds().items, brand.refundRights().items).get(`${hoodie.sku}\u0000`)!);
}

const refundReq = (qty: number) => ({ lines: [{ sku: hoodie.sku, qty, reason: 'changed-mind' }], method: 'card' as const, cashierId: 'ana', approvedBy: 'mia' });

describe('refund rights through the sync server', () => {
  it('a till of another booth refunds a sale of till A while online, without A; A, offline, can then no longer refund those units', async () => {
    const { a, b, sale } = await soldOnline();
    a.sync.stop(); // A is offline from here on
    // B does not hold the rights: it claims two units through the server and gets them.
    await expect(b.store.commitRefund(sale.id, refundReq(2))).rejects.toThrow(NoRefundRightsError);
    const claim = await b.store.claimRefundRights(sale.id, [{ sku: hoodie.sku, qty: 2 }]);
    expect(claim).toMatchObject({ holder: tillHolder(b.paired.tillId), saleId: sale.id });
    await expect.poll(() => b.store.refundRightsMissing(sale.id, [{ sku: hoodie.sku, qty: 2 }]), { timeout: 5000 }).toBe(0);
    const refund = await b.store.commitRefund(sale.id, refundReq(2));
    expect(refund).toMatchObject({ tillId: b.paired.tillId, total: 2 * 4830, payments: [{ method: 'card', amount: 2 * 4830 }] });
    expect(refund.override).toBeUndefined();
    const server = w!.server;
    await expect.poll(() => server.hub.read(NT, (doc) => new BrandDoc(doc).refunds().items.map((r) => r.id)), { timeout: 5000 }).toEqual([refund.id]);
    expect(await server.hub.read(NT, (doc) => heldOnServer(doc, sale.id))).toEqual({ [tillHolder(a.paired.tillId)]: 0, [RESERVE]: 1, [tillHolder(b.paired.tillId)]: 0 });
    // A handed its rights on when the server had the sale: offline, it may not refund any unit of it.
    await expect(a.store.commitRefund(sale.id, refundReq(1))).rejects.toThrow(NoRefundRightsError);
    // A manager may: recorded on the refund, for the organiser's "refund beyond rights" alert.
    const forced = await a.store.commitRefund(sale.id, { ...refundReq(1), rightsOverride: { managerId: 'mia', reason: 'network down' } });
    expect(forced.override).toEqual({ managerId: 'mia', reason: 'network down', units: 1 });
  });

  it('refuses (4422, NoRefundRightsError) a refund by a till that holds no refund rights for the sale, and stores nothing', async () => {
    const { b, sale } = await soldOnline();
    const server = w!.server;
    const before = await storedState(server, NT);
    // B skips its own check: it writes the refund as if it held the rights (a modified till).
    const replica = await copyOfServerDoc(server, NT);
    const device = b.store.identity.deviceId;
    const clock = new HybridClock(device, { now: () => Date.now() });
    const holder = tillHolder(b.paired.tillId);
    const writer = new LedgerWriter(device, clock, viewOf(replica), (h) => (h === holder ? device : undefined));
    const made = buildRefund(sale, [], { ...refundReq(3), now: Date.now(), rightsOverride: { managerId: 'mia', reason: 'x' } }, { config: b.store.config()!, deviceId: device, tillId: b.paired.tillId, holder, clock, writer, rightsRecords: [] });
    const { override: _stripped, ...refund } = made.refund;
    const update = updateOf(replica, (doc) => new BrandDoc(doc).appendRefund(refund, made.entries));
    const c = await joinedRawClient(w!, NT, b.paired.token);
    c.send(syncUpdate(update));
    const closed = await c.closed;
    expect(closed.code).toBe(4422);
    expect(closed.reason).toContain('NoRefundRightsError');
    expect(await storedState(server, NT)).toEqual(before);
  });

  it('refuses (4422) a till that hands itself refund rights the server holds, and stores nothing', async () => {
    const { b, sale } = await soldOnline();
    const server = w!.server;
    const before = await storedState(server, NT);
    const replica = await copyOfServerDoc(server, NT);
    const device = b.store.identity.deviceId;
    const clock = new HybridClock(device, { now: () => Date.now() });
    const id = newId('rm', clock);
    // Written by B's device, but it moves the reserve's rights: only the server writes for the reserve.
    const forged = { kind: 'move' as const, id, at: id.slice(3), writer: device, from: RESERVE, to: tillHolder(b.paired.tillId), saleId: sale.id, lines: [{ sku: hoodie.sku, qty: 3 }] };
    const c = await joinedRawClient(w!, NT, b.paired.token);
    c.send(syncUpdate(updateOf(replica, (doc) => new BrandDoc(doc).appendRefundRights([forged]))));
    const closed = await c.closed;
    expect(closed.code).toBe(4422);
    expect(closed.reason).toContain('may not write refund rights');
    expect(await storedState(server, NT)).toEqual(before);
  });

  it('answers a claim that came before the seller released the sale, once the release lands', async () => {
    w = await demoWorld();
    const a = await tills.pair(w.server.url, w.demo.tills[0]!.code);
    const extra = await w.server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
    const b = await tills.pair(w.server.url, extra.code);
    const server = w.server;
    // A's sale reaches the server, but A learns of it (and releases) only later: its link drops first.
    a.sync.stop();
    const [sale] = await a.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    const upload = new Y.Doc();
    Y.applyUpdate(upload, Y.encodeStateAsUpdate(a.store.brandDoc('north-thread')!.doc));
    await server.hub.change(NT, (doc) => Y.applyUpdate(doc, Y.encodeStateAsUpdate(upload)));
    await expect.poll(() => b.store.salesByReceipt(sale!.receiptNumber).then((s) => s.length), { timeout: 5000 }).toBe(1);
    const claim = await b.store.claimRefundRights(sale!.id, [{ sku: hoodie.sku, qty: 1 }]);
    await expect.poll(() => server.hub.read(NT, (doc) => new BrandDoc(doc).refundRights().items.some((r) => r.id === claim!.id)), { timeout: 5000 }).toBe(true);
    // Nothing to hand on yet: A still holds the rights.
    expect(await b.store.refundRightsMissing(sale!.id, [{ sku: hoodie.sku, qty: 1 }])).toBe(1);
    // A comes back: the server acknowledges, A releases, and the server answers B's waiting claim.
    a.sync.start();
    await expect.poll(() => b.store.refundRightsMissing(sale!.id, [{ sku: hoodie.sku, qty: 1 }]), { timeout: 8000 }).toBe(0);
    expect(await server.hub.read(NT, (doc) => heldOnServer(doc, sale!.id))).toEqual({ [tillHolder(a.paired.tillId)]: 0, [RESERVE]: 0, [tillHolder(b.paired.tillId)]: 1 });
  });
});
