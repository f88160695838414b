import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../reports/alerts.ts';
import { buildCheckout, priceItems } from '../selling/checkout.ts';
import { DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { HybridClock } from '../base/hlc.ts';
import { RESERVE, SERVER_WRITER, tillHolder, type HolderId } from '../ledger/holders.ts';
import { buildRefund, returnable } from './refund-builder.ts';
import { answerClaim, checkRefundRights, checkRefundRightsRecord, claimFor, NoRefundRightsError, parseRefundRightsRecord, releaseFor, saleRefundRights } from './refund-rights.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { BrandDoc } from '../event/schema.ts';
import { StockView } from '../ledger/stock-view.ts';

const START = Date.UTC(2026, 10, 21, 9);
const A = { device: 'AAAADEVICE01', tillId: 't1', holder: tillHolder('t1') };
const B = { device: 'BBBBDEVICE02', tillId: 't2', holder: tillHolder('t2') };
const owners: Record<HolderId, string> = { [A.holder]: A.device, [B.holder]: B.device, [RESERVE]: SERVER_WRITER };
const ownerOf = (h: HolderId) => owners[h];
const config = demoConfig(START);

/** One replica of the brand document on one till, with its own clock, stock view and ledger writer. */
function replica(till: typeof A) {
  const doc = new Y.Doc();
  const brand = new BrandDoc(doc);
  const view = new StockView();
  brand.onLedger((added) => added.forEach((e) => view.add(e)));
  const clock = new HybridClock(till.device, { now: () => START + 20 * 60_000 });
  const writer = new LedgerWriter(till.device, clock, view, ownerOf);
  const refund = (saleId: string, qty: number, rightsOverride?: { managerId: string; reason: string }) => {
    const sale = brand.saleById(saleId)!;
    const earlier = brand.refunds().items.filter((r) => r.saleId === saleId);
    const made = buildRefund(
      sale,
      earlier,
      { lines: [{ sku: 'NT-SOCKS', qty, reason: 'changed-mind' }], method: 'cash', cashierId: 'ana', approvedBy: 'mia', now: START + 30 * 60_000, ...(rightsOverride ? { rightsOverride } : {}) },
      { config, deviceId: till.device, tillId: till.tillId, holder: till.holder, clock, writer, rightsRecords: brand.refundRights().items },
    );
    brand.appendRefund(made.refund, made.entries);
    return made.refund;
  };
  return { doc, brand, view, clock, writer, refund };
}

const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

/** Till A sells 3 pairs of socks (26.88 in the −20 % tier) and both tills get the sale. */
function soldOnA() {
  const a = replica(A);
  const b = replica(B);
  const receive = a.writer.batch();
  receive.receive(A.holder, 'NT-SOCKS', 10);
  a.brand.appendEntries(receive.entries);
  const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-SOCKS', qty: 3 }] };
  const product = (brandId: string, sku: string) => DEMO_PRODUCTS.find((p) => p.brandId === brandId && p.sku === sku);
  const now = START + 20 * 60_000;
  const total = priceItems(cart.lines, config, product, now).totals.total;
  const { sales, entries } = buildCheckout({ cart, payments: [{ method: 'card', amount: total }], cashierId: 'ana', now }, { config, deviceId: A.device, tillId: A.tillId, holder: A.holder, receiptNumber: 'T1-00001', clock: a.clock, product, writer: () => a.writer, isManager: () => false });
  a.brand.appendSale(sales[0]!, entries.get('north-thread')!);
  sync(a.doc, b.doc);
  return { a, b, sale: sales[0]! };
}

describe('refund rights', () => {
  it('two offline tills refund the same sale: only the selling till (the holder) succeeds; the other needs a manager override, which is recorded and alerted', () => {
    const { a, b, sale } = soldOnA();
    expect(sale.total).toBe(2880);
    // Both offline from here on: A, the holder, refunds all three.
    const byA = a.refund(sale.id, 3);
    expect(byA.override).toBeUndefined();
    // B does not hold the refund rights of A's sale: refused, and nothing is written.
    expect(() => b.refund(sale.id, 3)).toThrow(NoRefundRightsError);
    expect(b.brand.refunds().items).toHaveLength(0);
    // A manager at B overrides: the refund is made and says how many units it lacked the rights for.
    const byB = b.refund(sale.id, 3, { managerId: 'mia', reason: 'customer insists, till 1 unreachable' });
    expect(byB.override).toEqual({ managerId: 'mia', reason: 'customer insists, till 1 unreachable', units: 3 });

    // Merge both ways: the same records everywhere, what is left to return never below zero.
    sync(a.doc, b.doc);
    sync(b.doc, a.doc);
    for (const r of [a, b]) {
      const refunds = r.brand.refunds().items;
      expect(refunds.map((x) => x.id).sort()).toEqual([byA.id, byB.id].sort());
      expect(returnable(sale, refunds).get('NT-SOCKS\u0000')).toEqual({ units: 0, gross: 0, tax: 0 });
      // The server's check of each refund: A's within rights, B's covered by its override, and B's without the
      // override would be refused.
      checkRefundRights(sale, refunds, [], byA);
      checkRefundRights(sale, refunds, [], byB);
      const { override: _dropped, ...unapproved } = byB;
      expect(() => checkRefundRights(sale, refunds, [], unapproved)).toThrow(NoRefundRightsError);
    }
    const alerts = evaluateAlerts({ config, tills: [], locations: [], products: [], sales: [sale], refunds: a.brand.refunds().items, voids: [], overrides: [], stock: [], now: START + 3600_000 });
    const beyond = alerts.filter((x) => x.kind === 'refund-beyond-rights');
    expect(beyond).toHaveLength(1);
    expect(beyond[0]).toMatchObject({ subject: { ref: byB.id, cashierId: 'mia', tillId: 't2' } });
    expect(beyond[0]!.message).toContain('3 unit(s)');
  });

  it('after the seller releases a synced sale to the server, another till claims and refunds it, and the seller can no longer refund those units offline', () => {
    const { a, b, sale } = soldOnA();
    const server = replica({ device: SERVER_WRITER, tillId: 'server', holder: RESERVE });
    // A is online: its sale reached the server, so it hands the sale's refund rights to the server.
    const release = releaseFor(sale, [], a.brand.refundRights().items, A.holder, A.device, a.clock)!;
    expect(release).toMatchObject({ from: A.holder, to: RESERVE, lines: [{ sku: 'NT-SOCKS', qty: 3 }] });
    checkRefundRightsRecord(sale, [], [], release, ownerOf);
    a.brand.appendRefundRights([release]);
    sync(a.doc, server.doc);
    sync(server.doc, b.doc);
    // A goes offline. B (online) claims two pairs; the server answers from what it holds.
    const claim = claimFor(sale, [], b.brand.refundRights().items, B.holder, [{ sku: 'NT-SOCKS', qty: 2 }], B.device, b.clock)!;
    checkRefundRightsRecord(sale, [], server.brand.refundRights().items, claim, ownerOf);
    b.brand.appendRefundRights([claim]);
    sync(b.doc, server.doc);
    const [answer, ...more] = answerClaim(sale, [], server.brand.refundRights().items, claim, SERVER_WRITER, server.clock, ownerOf);
    expect(more).toEqual([]);
    expect(answer).toMatchObject({ from: RESERVE, to: B.holder, claimId: claim.id, lines: [{ sku: 'NT-SOCKS', qty: 2 }] });
    server.brand.appendRefundRights([answer!]);
    // Answered once only, even if the server sees the claim again.
    expect(answerClaim(sale, [], server.brand.refundRights().items, claim, SERVER_WRITER, server.clock, ownerOf)).toEqual([]);
    sync(server.doc, b.doc);
    const byB = b.refund(sale.id, 2);
    expect(byB.override).toBeUndefined();
    // A, offline, released its rights: refunding any unit now needs a manager.
    expect(() => a.refund(sale.id, 1)).toThrow(NoRefundRightsError);
    // A move taking more than its holder holds is refused (a till handing on rights it released).
    const greedy = { ...release, id: `rm_${release.id.slice(3, -A.device.length - 1)}9-${A.device}` };
    expect(() => checkRefundRightsRecord(sale, [], a.brand.refundRights().items, parseRefundRightsRecord(greedy), ownerOf)).toThrow(NoRefundRightsError);
    // A move written by a device that does not own its `from` is refused.
    expect(() => checkRefundRightsRecord(sale, [], [], { ...release, id: `rm_x-${B.device}`, writer: B.device }, ownerOf)).toThrow(/may not write refund rights for till:t1/);
    sync(b.doc, server.doc);
    const rights = saleRefundRights(sale, server.brand.refunds().items, server.brand.refundRights().items);
    expect(Object.fromEntries(rights.get('NT-SOCKS\u0000')!)).toEqual({ [A.holder]: 0, [RESERVE]: 1, [B.holder]: 0 });
  });
});
