import { DEMO_STAFF } from '../event/demo-event.ts';
import { managersOf } from '../ledger/entry-rules.ts';
import { describe, expect, it } from 'vitest';
import { buildCheckout, priceItems } from './checkout.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { receiptModel } from './receipt.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { StockView } from '../ledger/stock-view.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);

describe('receipt', () => {
  it('shows one receipt per checkout with a section per brand, tier discounts, tax, payments and change', () => {
    const holder = tillHolder('t1');
    const clock = new HybridClock(DEVICE, { now: () => START });
    const writers = new Map(
      ['north-thread', 'mellow-ceramics'].map((b) => {
        const view = new StockView();
        const w = new LedgerWriter(DEVICE, clock, view, () => DEVICE);
        const r = w.batch();
        for (const p of DEMO_PRODUCTS.filter((p) => p.brandId === b)) r.receive(holder, p.sku, 5);
        r.entries.forEach((e) => view.add(e));
        return [b, w] as const;
      }),
    );
    const config = demoConfig(START);
    const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);
    const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }, { brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 2 }] };
    const now = START + 10 * 60_000;
    const total = priceItems(cart.lines, config, product, now).totals.total;
    const { sales } = buildCheckout(
      { cart, payments: [{ method: 'cash', amount: total, tendered: 12_000 }], cashierId: 'ana', now },
      { config, deviceId: DEVICE, tillId: 't1', holder, receiptNumber: 'T1-00042', clock, product, writer: (b) => writers.get(b)!, isManager: managersOf(DEMO_STAFF) },
    );
    const r = receiptModel(sales, config, DEMO_BRANDS);
    expect(r.receiptNumber).toBe('T1-00042');
    expect(r.lookupCode).toBe('T1-00042');
    expect(r.issuedAt).toMatch(/21 Nov 2026, 10:10/); // 09:10 UTC is 10:10 in Paris
    expect(r.sections.map((s) => s.brand)).toEqual(['North Thread', 'Mellow Ceramics']);
    expect(r.sections[0]!.lines[0]).toEqual({ label: 'Drop Hoodie — M', qty: 1, unitPrice: '€48.30', total: '€48.30', discount: '−30 % first 15 min: −€20.70' });
    expect(r.sections[1]!.lines[0]).toMatchObject({ qty: 2, unitPrice: '€27.30', total: '€54.60' });
    expect(r.total).toBe('€102.90');
    expect(r.taxLines).toEqual([{ label: 'incl. tax 20 %', amount: '€17.15' }]);
    expect(r.payments).toEqual([{ label: 'Cash', amount: '€102.90' }]);
    expect(r.change).toBe('€17.10');
  });

  it('prints the returns policy and, when the event has one, the warranty', () => {
    const clock = new HybridClock(DEVICE, { now: () => START });
    const sale = {
      id: `s_${clock.tick()}`,
      lines: [],
      payments: [],
      discount: 0,
      total: 0,
      receiptNumber: 'T1-00001',
      wallTime: START,
      tillId: 't1',
      brandId: 'north-thread',
    } as unknown as Parameters<typeof receiptModel>[0][number];
    const config = demoConfig(START);
    expect(receiptModel([sale], config, DEMO_BRANDS).policy).toBe(`Returns within 14 days with this receipt.\n${config.policies.warrantyText}`);
    const noWarranty = { ...config, policies: { ...config.policies, returnsText: '', warrantyText: '' } };
    expect(receiptModel([sale], noWarranty, DEMO_BRANDS).policy).toBe('Returns within 14 days with this receipt.');
    const both = { ...config, policies: { ...config.policies, returnsText: 'No returns on sale items.', warrantyText: '2-year warranty on phones.' } };
    expect(receiptModel([sale], both, DEMO_BRANDS).policy.split('\n')).toEqual(['No returns on sale items.', '2-year warranty on phones.']);
  });
});
