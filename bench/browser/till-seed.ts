import Dexie from 'dexie';
import type { Product } from '../../core/catalog/catalog.ts';
import { DEMO_EVENT_ID, demoConfig } from '../../core/event/demo-event.ts';
import type { Brand } from '../../core/event/event.ts';
import { newId } from '../../core/base/ids.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import type { SeedResult } from './api.ts';

/**
 * A till at the end of a long event: 20k products over 2 brands, and 100k ledger entries — a
 * receipt of 10 units into the till for every product, then 80k one-unit sales (4 per product). Written
 * through the store's own paths (putProducts, writer().batch(), appendEntries), in big batches so seeding
 * stays quick; the sales are ledger entries only, without sale records.
 */
export const PRODUCTS_PER_BRAND = 10_000;
/** 20k receipts + 80k sales = 100k entries. */
const SALES_PER_PRODUCT = 4;
const PRODUCT_BATCH = 2_000;
const ENTRY_BATCH = 5_000;
// Its own brands rather than the demo's, so the shape stays fixed when the demo event changes.
const BRANDS: Brand[] = [
  { id: 'bench-apparel', name: 'Bench Apparel', commissionBp: 1500, boothFee: 15000 },
  { id: 'bench-home', name: 'Bench Home', commissionBp: 1200, boothFee: 10000 },
];

export const barcodeOf = (brandIndex: number, i: number): string => `${brandIndex + 2}${String(i).padStart(12, '0')}`;

function product(brandId: string, brandIndex: number, i: number): Product {
  return {
    sku: `B${brandIndex}-${String(i).padStart(5, '0')}`,
    brandId,
    name: `Bench product ${i}`,
    variant: ['S', 'M', 'L', ''][i % 4]!,
    barcodes: [barcodeOf(brandIndex, i)],
    price: 1000 + (i % 90) * 100,
    cost: 400 + (i % 90) * 30,
    marginFloorBp: 2500,
    taxRateBp: 2000,
    hero: false,
    lowStockThreshold: 3,
    safetyStock: 1,
    serialTracked: false,
  };
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export async function seedTill(dbName: string): Promise<SeedResult> {
  const t0 = performance.now();
  await Dexie.delete(dbName);
  const store = await LocalStore.open({ dbName });
  await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: 'till-1', receiptPrefix: 'T1' });
  await store.writeSetup({
    config: demoConfig(Date.now() - 3_600_000),
    brands: BRANDS,
    locations: [{ id: 'booth-a', kind: 'booth', name: 'Booth A' }],
    tills: [{ id: 'till-1', name: 'Till 1', deviceId: store.identity.deviceId, locationId: 'booth-a', brandIds: BRANDS.map((b) => b.id), receiptPrefix: 'T1' }],
  });
  const holder = store.holder!;
  let entries = 0;
  for (const [bi, brand] of BRANDS.entries()) {
    const products = Array.from({ length: PRODUCTS_PER_BRAND }, (_, i) => product(brand.id, bi, i));
    for (const chunk of chunks(products, PRODUCT_BATCH)) await store.putProducts(brand.id, chunk);
    for (const chunk of chunks(products, ENTRY_BATCH)) {
      const batch = store.writer(brand.id).batch();
      for (const p of chunk) batch.receive(holder, p.sku, SALES_PER_PRODUCT + 6, 'opening stock');
      await store.appendEntries(brand.id, batch.entries);
      entries += batch.entries.length;
    }
    const sales = Array.from({ length: PRODUCTS_PER_BRAND * SALES_PER_PRODUCT }, (_, i) => products[i % PRODUCTS_PER_BRAND]!);
    for (const chunk of chunks(sales, ENTRY_BATCH)) {
      const batch = store.writer(brand.id).batch();
      for (const p of chunk) batch.sale(holder, p.sku, 1, newId('s', store.clock));
      await store.appendEntries(brand.id, batch.entries);
      entries += batch.entries.length;
    }
  }
  const seedMs = performance.now() - t0;
  store.close();
  const estimate = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } };
  return { products: store.allProducts().length, entries, seedMs, usageBytes: estimate.usage, indexedDbBytes: estimate.usageDetails?.indexedDB };
}

/** Marks every update acknowledged and compacts, as a till would be after syncing. */
export async function compactTill(dbName: string): Promise<{ updateRows: number }> {
  const store = await LocalStore.open({ dbName });
  await store.markSynced((await store.outbox()).map((r) => r.seq!));
  await store.compact();
  const updateRows = await store.db.updates.count();
  store.close();
  return { updateRows };
}
