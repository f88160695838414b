import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../../../core/event/demo-event.ts';
import { LocalStore } from './local-store.ts';
import { setUpStandAloneDemo } from './stand-alone.ts';

describe('low-stock thresholds on the till', () => {
  it('use the organiser’s override for this till’s location, and the product’s own without one or elsewhere', async () => {
    const store = await LocalStore.open({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange });
    await setUpStandAloneDemo(store, Date.now());
    const cap = DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!;
    const tote = DEMO_PRODUCTS.find((p) => p.sku === 'NT-TOTE')!;
    expect(store.thresholds(cap)).toEqual({ lowStockThreshold: cap.lowStockThreshold, safetyStock: cap.safetyStock });
    // The stand-alone till stands at booth-a; an override for booth-b does not apply to it.
    await store.writeSetup({
      thresholds: [
        { locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 9, safetyStock: 4 },
        { locationId: 'booth-b', sku: 'NT-TOTE', lowStockThreshold: 9, safetyStock: 4 },
      ],
    });
    expect(store.thresholds(cap)).toEqual({ lowStockThreshold: 9, safetyStock: 4 });
    expect(store.thresholds(tote)).toEqual({ lowStockThreshold: tote.lowStockThreshold, safetyStock: tote.safetyStock });
    store.close();
  });
});
