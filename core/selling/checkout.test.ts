import { DEMO_STAFF } from '../event/demo-event.ts';
import { managersOf } from '../ledger/entry-rules.ts';
import { describe, expect, it } from 'vitest';
import { addToCart, emptyCart, setQty } from './cart.ts';
import { buildCheckout, splitPayments } from './checkout.ts';
import { BelowMarginFloorError } from './pricing.ts';
import { DEMO_PRODUCTS, demoConfig } from '../event/demo-event.ts';
import { ValidationError } from '../base/errors.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { LedgerWriter, InsufficientRightsError } from '../ledger/rights.ts';
import { changeDue } from './sale.ts';
import { StockView } from '../ledger/stock-view.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);
const holder = tillHolder('t1');

function till(stock: number) {
  const views = new Map<string, StockView>();
  const clock = new HybridClock(DEVICE, { now: () => START });
  const writers = new Map<string, LedgerWriter>();
  for (const brandId of ['north-thread', 'second-life']) {
    const view = new StockView();
    const w = new LedgerWriter(DEVICE, clock, view, (h) => (h === holder ? DEVICE : undefined));
    const b = w.batch();
    for (const p of DEMO_PRODUCTS.filter((p) => p.brandId === brandId)) b.receive(holder, p.sku, stock);
    b.entries.forEach((e) => view.add(e));
    views.set(brandId, view);
    writers.set(brandId, w);
  }
  return {
    views,
    ctx: {
      config: demoConfig(START),
      deviceId: DEVICE,
      tillId: 't1',
      holder,
      receiptNumber: 'T1-00007',
      clock,
      product: (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s),
      writer: (b: string) => writers.get(b)!,
      isManager: managersOf(DEMO_STAFF),
    },
  };
}

describe('cart', () => {
  const tee = DEMO_PRODUCTS.find((p) => p.sku === 'NT-TEE-BLK-M')!;
  const phone = DEMO_PRODUCTS.find((p) => p.sku === 'SL-PHONE-12')!;

  it('never holds more of a SKU than the till’s rights, unless a manager allowed it', () => {
    let cart = addToCart(emptyCart(), tee, 2, 3, { holder });
    expect(() => addToCart(cart, tee, 2, 3, { holder })).toThrow(InsufficientRightsError);
    cart = addToCart(cart, tee, 2, 3, { holder, allowBeyondRights: true });
    expect(cart.lines).toEqual([{ brandId: 'north-thread', sku: 'NT-TEE-BLK-M', qty: 4 }]);
    expect(() => setQty(addToCart(emptyCart(), tee, 1, 3, { holder }), 0, 4, 3, { holder })).toThrow(InsufficientRightsError);
  });

  it('asks for a serial for serial-tracked products and keeps one unit per line', () => {
    expect(() => addToCart(emptyCart(), phone, 1, 4, { holder })).toThrow(/serial/);
    const cart = addToCart(emptyCart(), phone, 1, 4, { holder, serial: 'IMEI-1' });
    expect(() => addToCart(cart, phone, 1, 4, { holder, serial: 'IMEI-1' })).toThrow(/already in the cart/);
    expect(addToCart(cart, phone, 1, 4, { holder, serial: 'IMEI-2' }).lines).toHaveLength(2);
  });
});

describe('checkout', () => {
  it('prices at the tier in force, one sale per brand, entries taken from this till’s rights', () => {
    const { ctx } = till(5);
    const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-TEE-BLK-M', qty: 2 }, { brandId: 'second-life', sku: 'SL-CASE-12', qty: 1 }] };
    // 16 minutes in: the −20 % tier. Tee 29.00 → 23.20; case 19.00 → 15.20.
    const r = buildCheckout({ cart, payments: [{ method: 'cash', amount: 6160, tendered: 7000 }], cashierId: 'ana', now: START + 16 * 60_000 }, ctx);
    expect(r.sales.map((s) => [s.brandId, s.total, s.receiptNumber])).toEqual([
      ['north-thread', 4640, 'T1-00007'],
      ['second-life', 1520, 'T1-00007'],
    ]);
    expect(r.sales[0]!.lines[0]).toMatchObject({ unitPrice: 2320, tierId: 'first-hour', tax: 773, net: 3867 });
    expect(r.entries.get('north-thread')!.map((e) => [e.kind, e.sku, e.qty, e.from, e.ref])).toEqual([['sale', 'NT-TEE-BLK-M', 2, holder, r.sales[0]!.id]]);
    expect(changeDue(r.sales.flatMap((s) => s.payments))).toBe(840);
  });

  it('sells at a manager’s price, records who set it, and refuses one below the margin floor', () => {
    const { ctx } = till(5);
    const line = { brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 };
    const r = buildCheckout({ cart: { lines: [{ ...line, manualPrice: { price: 4000, managerId: 'mia' } }] }, payments: [{ method: 'card', amount: 4000 }], cashierId: 'ana', now: START }, ctx);
    expect(r.sales[0]!.lines[0]).toMatchObject({ unitPrice: 4000, listPrice: 6900, tierId: null, priceSetBy: 'mia', gross: 4000 });
    expect(() => buildCheckout({ cart: { lines: [{ ...line, manualPrice: { price: 3000, managerId: 'mia' } }] }, payments: [{ method: 'card', amount: 3000 }], cashierId: 'ana', now: START }, ctx)).toThrow(BelowMarginFloorError);
  });

  it('refuses payments that do not add up to the total', () => {
    const { ctx } = till(5);
    const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 1 }] };
    expect(() => buildCheckout({ cart, payments: [{ method: 'card', amount: 100 }], cashierId: 'ana', now: START }, ctx)).toThrow(/add up to 100/);
    expect(() => buildCheckout({ cart, payments: [{ method: 'cash', amount: 1050, tendered: 1000 }], cashierId: 'ana', now: START }, ctx)).toThrow(/less than the 1050/);
  });

  it('refuses a sale beyond rights at checkout too, since the rights may have moved since the cart was filled', () => {
    const { ctx } = till(1);
    const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 2 }] };
    expect(() => buildCheckout({ cart, payments: [{ method: 'card', amount: 2100 }], cashierId: 'ana', now: START }, ctx)).toThrow(InsufficientRightsError);
  });

  it('splits payments over the brand parts so that each part is paid exactly, change kept whole', () => {
    const parts = splitPayments(
      [
        { method: 'card', amount: 500, reference: 'A1' },
        { method: 'cash', amount: 700, tendered: 1000 },
      ],
      [800, 400],
    );
    expect(parts).toEqual([
      [
        { method: 'card', amount: 500, reference: 'A1' },
        { method: 'cash', amount: 300 },
      ],
      [{ method: 'cash', amount: 400, tendered: 700 }],
    ]);
    expect(() => splitPayments([{ method: 'card', amount: 2000 }], [800, 400])).toThrow(ValidationError);
  });
});
