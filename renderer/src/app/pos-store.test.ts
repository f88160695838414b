// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_PRODUCTS } from '../../../core/event/demo-event.ts';
import { parseMoney } from '../../../core/base/money.ts';
import { barcode, closeTill, demoProduct, euros, openTill } from '../testing/till-world.ts';
import {
  addProduct,
  allowOversell,
  changeQty,
  clearCart,
  completeSale,
  editPayment,
  managerApproval,
  openPayment,
  pricedCart,
  scan,
  setLinePrice,
  startStandAlone,
  usePos,
} from './pos-store.ts';

const parse = (text: string) => parseMoney(text, 'EUR');
const hoodie = demoProduct('NT-HOODIE-M');
const state = () => usePos.getState();

afterEach(closeTill);

describe('the till store (pos-store)', () => {
  it('shows the sell screen only once the stand-alone demo has all its products and stock', async () => {
    await openTill({ standAlone: false });
    const store = state().store!;
    expect(state().phase).toBe('setup');
    const seenOnSell: { products: number; rights: number }[] = [];
    const unsubscribe = usePos.subscribe((s, prev) => {
      if (s.phase === 'sell' && prev.phase !== 'sell') seenOnSell.push({ products: store.allProducts().length, rights: store.rights(hoodie.brandId, hoodie.sku) });
    });
    const setUp = startStandAlone();
    expect(state().settingUp).toBe(true);
    await setUp;
    unsubscribe();
    expect(state().settingUp).toBe(false);
    expect(seenOnSell).toEqual([{ products: DEMO_PRODUCTS.length, rights: 12 }]);
  });

  it('adds a scanned barcode to the cart, a second scan adds one more, and an unknown code says so', async () => {
    await openTill();
    scan(barcode('NT-HOODIE-M'));
    scan(`${barcode('NT-HOODIE-M')}\n`);
    expect(state().cart.lines).toEqual([{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 2 }]);
    scan('4006380009999');
    expect(state().message).toEqual({ kind: 'error', text: 'Unknown code 4006380009999: no product has this barcode' });
    expect(state().cart.lines).toHaveLength(1);
    // An exact SKU typed in works like its barcode.
    scan('nt-cap');
    expect(state().cart.lines.map((l) => l.sku)).toEqual(['NT-HOODIE-M', 'NT-CAP']);
  });

  it('never puts more in the cart than the till holds, until a manager allows it', async () => {
    await openTill();
    for (let i = 0; i < 12; i++) addProduct(hoodie.brandId, hoodie.sku);
    expect(state().cart.lines[0]!.qty).toBe(12);
    addProduct(hoodie.brandId, hoodie.sku);
    expect(state().cart.lines[0]!.qty).toBe(12);
    expect(state().message?.text).toMatch(/^Only 12 × Drop Hoodie — M left on this till/);
    expect(state().shortOf).toEqual({ brandId: hoodie.brandId, sku: hoodie.sku });
    changeQty(0, 13);
    expect(state().cart.lines[0]!.qty).toBe(12);

    await expect(managerApproval('1234')).rejects.toThrow('not a manager');
    allowOversell(await managerApproval('9999'));
    expect(state().cart.lines[0]!.qty).toBe(13);
    expect(state().override).toEqual({ managerId: 'mia', reason: 'approved at the till by Mia' });
    expect(state().shortOf).toBeUndefined();
  });

  it('asks for the serial of a serial-tracked phone before it joins the cart', async () => {
    await openTill();
    scan(barcode('SL-PHONE-11'));
    expect(state().cart.lines).toHaveLength(0);
    expect(state().serialFor).toMatchObject({ sku: 'SL-PHONE-11' });
  });

  it('refuses a manager price below the margin floor and keeps the list price', async () => {
    await openTill();
    addProduct(hoodie.brandId, hoodie.sku);
    const mia = await managerApproval('9999');
    setLinePrice(0, parse('30'), mia);
    expect(state().message?.text).toBe("Drop Hoodie — M can't be sold below €35.21: that is its margin floor");
    expect(state().cart.lines[0]!.manualPrice).toBeUndefined();
    setLinePrice(0, parse('40'), mia);
    expect(pricedCart()!.total).toBe(4000);
  });

  it('refuses cash below the total and commits nothing; takes a split payment and gives change', async () => {
    const store = await openTill();
    addProduct(hoodie.brandId, hoodie.sku);
    expect(pricedCart()!.total).toBe(4830);
    openPayment('cash');
    editPayment({ tendered: '40' });
    await completeSale(parse);
    expect(state().message?.text).toBe('Amount tendered is €8.30 short of €48.30');
    expect(state().completed).toBeUndefined();
    expect(await store.recentSales()).toHaveLength(0);

    // 20.00 by card now, the rest in cash with a 50 note.
    editPayment({ split: true, amount: '20', method: 'card', reference: 'A1', tendered: '' });
    await completeSale(parse);
    expect(state().payment?.taken).toEqual([{ method: 'card', amount: 2000, reference: 'A1' }]);
    expect(state().message?.text).toBe(`${euros(2830)} left to pay`);
    editPayment({ split: false, method: 'cash', tendered: '50' });
    await completeSale(parse);
    expect(state().completed).toMatchObject({ receiptNumber: 'T1-00001', total: 4830, change: 2170 });
    expect(state().cart.lines).toHaveLength(0);
    const [sale] = await store.recentSales();
    expect(sale!.payments).toEqual([
      { method: 'card', amount: 2000, reference: 'A1' },
      { method: 'cash', amount: 2830, tendered: 5000 },
    ]);
    expect(store.rights(hoodie.brandId, hoodie.sku)).toBe(11);
  });

  it('prices and commits a sale at the same instant, so the end of a discount tier never refuses it', async () => {
    const store = await openTill();
    const drop = store.config()!.drop;
    const firstTierEnds = drop.startsAt + 15 * 60_000;
    // The screen last ticked just before the −30 % tier ended; the cashier completes just after (−20 %).
    usePos.setState({ now: firstTierEnds - 400 });
    addProduct(hoodie.brandId, hoodie.sku);
    expect(pricedCart()!.total).toBe(4830);
    openPayment('card');
    const clock = vi.spyOn(Date, 'now').mockReturnValue(firstTierEnds + 200);
    try {
      await completeSale(parse);
    } finally {
      clock.mockRestore();
    }
    expect(state().message).toBeUndefined();
    expect(state().completed).toMatchObject({ receiptNumber: 'T1-00001', total: 5520 });
    const [sale] = await store.recentSales();
    expect(sale!.total).toBe(5520);
    expect(sale!.wallTime).toBe(firstTierEnds + 200);
  });

  it('records a cleared cart in the audit log', async () => {
    const store = await openTill();
    addProduct(hoodie.brandId, hoodie.sku);
    addProduct(hoodie.brandId, hoodie.sku);
    clearCart();
    expect(state().cart.lines).toHaveLength(0);
    await expect.poll(async () => (await store.audit()).map((i) => i.kind)).toEqual(['void']);
    expect((await store.audit())[0]).toMatchObject({ amount: 9660 });
  });
});
