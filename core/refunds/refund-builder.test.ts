import { DEMO_STAFF } from '../event/demo-event.ts';
import { managersOf } from '../ledger/entry-rules.ts';
import { describe, expect, it } from 'vitest';
import { buildCheckout, priceItems } from '../selling/checkout.ts';
import { DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { buildRefund, ManagerApprovalRequired, ReturnWindowClosed, returnable } from './refund-builder.ts';
import type { Refund } from './refund.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { conservationHolds, StockView } from '../ledger/stock-view.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);
const holder = tillHolder('t1');

function sold(lines: { sku: string; qty: number }[]) {
  const view = new StockView();
  const clock = new HybridClock(DEVICE, { now: () => START });
  const writer = new LedgerWriter(DEVICE, clock, view, (h) => (h === holder ? DEVICE : undefined));
  const receive = writer.batch();
  for (const l of lines) receive.receive(holder, l.sku, 10);
  receive.entries.forEach((e) => view.add(e));
  const config = demoConfig(START);
  const cart = { lines: lines.map((l) => ({ brandId: 'north-thread', ...l })) };
  const ctx = { config, deviceId: DEVICE, tillId: 't1', holder, receiptNumber: 'T1-00001', clock, product: (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s), writer: () => writer, isManager: managersOf(DEMO_STAFF) };
  const now = START + 20 * 60_000; // −20 % tier
  const total = priceItems(cart.lines, config, ctx.product, now).totals.total;
  const { sales, entries } = buildCheckout({ cart, payments: [{ method: 'card', amount: total }], cashierId: 'ana', now }, ctx);
  entries.get('north-thread')!.forEach((e) => view.add(e));
  return { sale: sales[0]!, view, refundCtx: { config, deviceId: DEVICE, tillId: 't1', holder, clock, writer, rightsRecords: [] }, now };
}

describe('refunds', () => {
  it('gives money back the way it was paid, split in the sale’s proportions, unless a method is chosen', () => {
    const { sale, refundCtx, now } = sold([{ sku: 'NT-SOCKS', qty: 2 }]);
    const split = { ...sale, payments: [{ method: 'card' as const, amount: 1000 }, { method: 'cash' as const, amount: sale.total - 1000 }] };
    const { refund } = buildRefund(split, [], { lines: [{ sku: 'NT-SOCKS', qty: 2, reason: 'changed-mind' }], cashierId: 'ana', approvedBy: 'mia', now }, refundCtx);
    expect(refund.payments.reduce((a, p) => a + p.amount, 0)).toBe(sale.total);
    expect(refund.payments).toEqual([
      { method: 'card', amount: 1000 },
      { method: 'cash', amount: sale.total - 1000 },
    ]);
    const chosen = buildRefund(split, [], { lines: [{ sku: 'NT-SOCKS', qty: 1, reason: 'changed-mind' }], method: 'cash', cashierId: 'ana', approvedBy: 'mia', now }, refundCtx);
    expect(chosen.refund.payments).toEqual([{ method: 'cash', amount: chosen.refund.total }]);
  });

  it('refunds a defective item within the pre-authorised limit without a manager, into quarantine', () => {
    const { sale, view, refundCtx, now } = sold([{ sku: 'NT-TEE-BLK-M', qty: 1 }]);
    const { refund, entries } = buildRefund(sale, [], { lines: [{ sku: 'NT-TEE-BLK-M', qty: 1, reason: 'defective' }], method: 'card', cashierId: 'ana', now: now + 3600_000 }, refundCtx);
    expect(refund).toMatchObject({ total: 2320, saleId: sale.id, receiptNumber: 'T1-00001' });
    expect(refund.approvedBy).toBeUndefined();
    expect(refund.lines[0]).toMatchObject({ disposition: 'quarantine', amount: 2320, tax: 387 });
    entries.forEach((e) => view.add(e));
    expect(view.balance(holder, 'NT-TEE-BLK-M')).toEqual({ sellable: 9, quarantined: 1 });
    expect(conservationHolds(view, 'NT-TEE-BLK-M')).toBe(true);
  });

  it('asks for a manager for a change of mind, or a defect above the limit, and accepts one', () => {
    const { sale, refundCtx, now } = sold([{ sku: 'NT-HOODIE-M', qty: 2 }]);
    const req = { lines: [{ sku: 'NT-HOODIE-M', qty: 1, reason: 'changed-mind' }], method: 'cash' as const, cashierId: 'ana', now };
    expect(() => buildRefund(sale, [], req, refundCtx)).toThrow(ManagerApprovalRequired);
    // Two hoodies at 55.20 are 110.40: above the 50.00 pre-authorised defect limit.
    expect(() => buildRefund(sale, [], { ...req, lines: [{ sku: 'NT-HOODIE-M', qty: 2, reason: 'defective' }] }, refundCtx)).toThrow(/above the pre-authorised limit/);
    const { refund } = buildRefund(sale, [], { ...req, approvedBy: 'mia' }, refundCtx);
    expect(refund.approvedBy).toBe('mia');
    expect(refund.lines[0]!.disposition).toBe('restock');
  });

  it('never returns more than was sold, and partial refunds add up to exactly what was charged', () => {
    const { sale, refundCtx, now } = sold([{ sku: 'NT-SOCKS', qty: 3 }]);
    const earlier: Refund[] = [];
    const take = (qty: number) => {
      const { refund } = buildRefund(sale, earlier, { lines: [{ sku: 'NT-SOCKS', qty, reason: 'changed-mind' }], method: 'cash', cashierId: 'ana', approvedBy: 'mia', now }, refundCtx);
      earlier.push(refund);
      return refund;
    };
    take(1);
    take(1);
    expect(() => take(2)).toThrow(/1 of Rib Socks can still be returned/);
    take(1);
    const line = sale.lines[0]!;
    expect(earlier.reduce((a, r) => a + r.total, 0)).toBe(line.gross);
    expect(earlier.reduce((a, r) => a + r.lines[0]!.tax, 0)).toBe(line.tax);
    expect(returnable(sale, earlier).get('NT-SOCKS\u0000')).toEqual({ units: 0, gross: 0, tax: 0 });
  });

  it('refuses a return after the returns window unless a manager approves it', () => {
    const { sale, refundCtx, now } = sold([{ sku: 'NT-CAP', qty: 1 }]);
    const late = now + 15 * 86_400_000;
    const req = { lines: [{ sku: 'NT-CAP', qty: 1, reason: 'defective' }], method: 'cash' as const, cashierId: 'ana', now: late };
    expect(() => buildRefund(sale, [], req, refundCtx)).toThrow(ReturnWindowClosed);
    // The cap's margin floor (30 % over 14.00 cost, tax included) holds its price at 24.00 in every tier.
    expect(buildRefund(sale, [], { ...req, approvedBy: 'mia' }, refundCtx).refund.total).toBe(2400);
  });
});
