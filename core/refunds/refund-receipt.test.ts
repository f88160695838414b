import { describe, expect, it } from 'vitest';
import { managersOf } from '../ledger/entry-rules.ts';
import { buildCheckout, priceItems } from '../selling/checkout.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS, DEMO_STAFF, demoConfig } from '../event/demo-event.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { StockView } from '../ledger/stock-view.ts';
import { Z_TEXT_WIDTH } from '../reports/z-report.ts';
import { buildRefund } from './refund-builder.ts';
import { refundReceiptModel, refundReceiptText } from './refund-receipt.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);
const holder = tillHolder('t1');

function soldAndRefunded(reason: string, approvedBy?: string, sku = 'NT-HOODIE-M') {
  const view = new StockView();
  const clock = new HybridClock(DEVICE, { now: () => START });
  const writer = new LedgerWriter(DEVICE, clock, view, (h) => (h === holder ? DEVICE : undefined));
  const receive = writer.batch();
  receive.receive(holder, sku, 10);
  receive.entries.forEach((e) => view.add(e));
  const config = demoConfig(START);
  const cart = { lines: [{ brandId: 'north-thread', sku, qty: 2 }] };
  const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);
  const now = START + 20 * 60_000;
  const total = priceItems(cart.lines, config, product, now).totals.total;
  const { sales, entries } = buildCheckout(
    { cart, payments: [{ method: 'card', amount: total }], cashierId: 'ana', now },
    { config, deviceId: DEVICE, tillId: 't1', holder, receiptNumber: 'T1-00007', clock, product, writer: () => writer, isManager: managersOf(DEMO_STAFF) },
  );
  entries.get('north-thread')!.forEach((e) => view.add(e));
  const sale = sales[0]!;
  const { refund } = buildRefund(sale, [], { lines: [{ sku, qty: 1, reason }], cashierId: 'ana', ...(approvedBy ? { approvedBy } : {}), now: now + 3600_000 }, { config, deviceId: DEVICE, tillId: 't1', holder, clock, writer, rightsRecords: [] });
  return { sale, refund, config };
}

describe('refund receipt', () => {
  it('names the original receipt, the lines returned and why, the money back and its tender, and the manager who authorised it', () => {
    const { sale, refund, config } = soldAndRefunded('changed-mind', 'mia');
    const m = refundReceiptModel([refund], [sale], config, DEMO_BRANDS, DEMO_STAFF);
    const amount = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(refund.total / 100);
    expect(m).toMatchObject({
      originalReceipt: 'T1-00007',
      tillId: 't1',
      sections: [{ brand: 'North Thread', lines: [{ label: sale.lines[0]!.name, qty: 1, amount, reason: 'Changed their mind' }] }],
      total: amount,
      moneyBack: [`${amount} back to card`],
    });
    const mia = DEMO_STAFF.find((s) => s.id === 'mia')!;
    expect(m.authorisedBy).toBe(`Authorised by ${mia.name} (manager)`);
    expect(m.servedBy).toBe(`Served by ${DEMO_STAFF.find((s) => s.id === 'ana')!.name}`);

    const text = refundReceiptText(m);
    expect(text).toContain('REFUND');
    expect(text).toMatch(/Original receipt\s+T1-00007/);
    expect(text).toContain(`${amount} back to card`);
    expect(text).toContain(`Authorised by ${mia.name} (manager)`);
    expect(text.split('\n').every((l) => l.length <= Z_TEXT_WIDTH)).toBe(true);
  });

  it('says a defective return within the limit was pre-authorised', () => {
    const { sale, refund, config } = soldAndRefunded('defective', undefined, 'NT-TEE-BLK-M');
    expect(refund.approvedBy).toBeUndefined();
    const m = refundReceiptModel([refund], [sale], config, DEMO_BRANDS, DEMO_STAFF);
    expect(m.authorisedBy).toMatch(/^Pre-authorised: defective item\(s\) within €/);
    expect(m.sections[0]!.lines[0]!.reason).toBe('Defective or damaged');
  });
});
