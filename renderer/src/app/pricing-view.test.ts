import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, DEMO_STAFF, demoConfig } from '../../../core/event/demo-event.ts';
import { HybridClock } from '../../../core/base/hlc.ts';
import { managersOf } from '../../../core/ledger/entry-rules.ts';
import { tillHolder } from '../../../core/ledger/holders.ts';
import { LedgerWriter } from '../../../core/ledger/rights.ts';
import { StockView } from '../../../core/ledger/stock-view.ts';
import { buildCheckout } from '../../../core/selling/checkout.ts';
import type { Cart } from '../../../core/selling/cart.ts';
import { priceCart } from './pricing-view.ts';

const START = Date.UTC(2026, 10, 21, 9);
const config = demoConfig(START);
const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);

describe('the cart as the cashier sees it', () => {
  it('splits an amount off the whole sale over the brands as the checkout records it, not all on the first brand', () => {
    const now = START + 20 * 60_000;
    const cart: Cart = {
      lines: [
        { brandId: 'north-thread', sku: 'NT-TOTE', qty: 2 },
        { brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 1 },
      ],
      discount: { amount: 1000, reason: 'Regular' },
    };
    const priced = priceCart(cart, config, product, now);
    // Both brands' lines carry a share of the 10.00.
    expect(priced.lines.every((l) => l.discounted > 0)).toBe(true);
    expect(priced.lines.reduce((a, l) => a + l.discounted, 0)).toBe(1000);
    expect(priced.discounts.find((d) => d.name === 'Regular · whole sale')?.amount).toBe(1000);

    // What the checkout records, brand by brand, is what the cart showed.
    const device = 'T1DEV0000001';
    const holder = tillHolder('till-1');
    const clock = new HybridClock(device, { now: () => now });
    const views = new Map<string, StockView>();
    const writer = (b: string) => {
      if (!views.has(b)) views.set(b, new StockView());
      const w = new LedgerWriter(device, clock, views.get(b)!, (h) => (h === holder ? device : undefined));
      return w;
    };
    for (const l of cart.lines) {
      const batch = writer(l.brandId).batch();
      batch.receive(holder, l.sku, 5);
      batch.entries.forEach((e) => views.get(l.brandId)!.add(e));
    }
    const result = buildCheckout(
      { cart, payments: [{ method: 'card', amount: priced.total }], cashierId: 'mia', now },
      { config, deviceId: device, tillId: 'till-1', holder, receiptNumber: 'T1-1', clock, product, writer, isManager: managersOf(DEMO_STAFF), roleOf: (id) => DEMO_STAFF.find((m) => m.id === id)?.role },
    );
    for (const sale of result.sales) {
      const shown = priced.lines.filter((l) => l.brandId === sale.brandId).reduce((a, l) => a + l.discounted, 0);
      expect(sale.discounts?.find((d) => d.kind === 'cart')?.total).toBe(shown);
    }
  });
});
