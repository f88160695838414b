import Dexie from 'dexie';
import type { CartItem } from '../../core/selling/cart.ts';
import { priceItems } from '../../core/selling/checkout.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { setUpStandAloneDemo } from '../../renderer/src/store/stand-alone.ts';

/**
 * A cashier ringing up sales back to back on a stand-alone demo till: each commitSale resolves only after
 * its IndexedDB transaction has committed, so its time is what the cashier waits for before the receipt.
 */
export async function saleCommit(count: number): Promise<number[]> {
  const dbName = 'bench-sale';
  await Dexie.delete(dbName);
  const store = await LocalStore.open({ dbName });
  await setUpStandAloneDemo(store, Date.now() - 30 * 60_000);
  // Serial-tracked products need a serial per unit: leave them out, sell the others in turn.
  const products = DEMO_PRODUCTS.filter((p) => !p.serialTracked);
  for (const brand of DEMO_BRANDS) {
    const batch = store.writer(brand.id).batch();
    for (const p of products.filter((q) => q.brandId === brand.id)) batch.receive(store.holder!, p.sku, count, 'bench stock');
    await store.appendEntries(brand.id, batch.entries);
  }
  const config = store.config()!;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = products[i % products.length]!;
    const lines: CartItem[] = [{ brandId: p.brandId, sku: p.sku, qty: 1 }];
    const now = Date.now();
    // Pricing is the screen's job before the cashier presses "pay": not part of the commit.
    const total = priceItems(lines, config, (b, s) => store.product(b, s), now).totals.total;
    const t0 = performance.now();
    await store.commitSale({ cart: { lines }, payments: [{ method: 'card', amount: total }], cashierId: 'bench', now });
    times.push(performance.now() - t0);
  }
  store.close();
  return times;
}
