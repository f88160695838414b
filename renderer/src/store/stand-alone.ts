import { DEMO_BRANDS, DEMO_EVENT_ID, DEMO_LOCATIONS, DEMO_PRODUCTS, DEMO_STAFF, demoConfig, demoCoupons, demoOpeningStock } from '../../../core/event/demo-event.ts';
import { webCryptoPinHasher, webCryptoRandom } from '../../../core/base/platform.ts';
import { DEMO_PIN_ITERATIONS, newStaffMember } from '../../../core/event/staff.ts';
import { tillHolder } from '../../../core/ledger/holders.ts';
import type { LocalStore } from './local-store.ts';

/**
 * Sets this device up as a stand-alone till of the demo event: no server, the till owns its own stock
 * (it receives the opening stock into its own rights). It can pair with a server later.
 */
export async function setUpStandAloneDemo(store: LocalStore, startsAt: number): Promise<void> {
  if (store.profile) throw new Error('this till is already set up');
  await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: 'till-1', receiptPrefix: 'T1' });
  await store.writeSetup({
    config: demoConfig(startsAt),
    brands: DEMO_BRANDS,
    locations: DEMO_LOCATIONS,
    tills: [{ id: 'till-1', name: 'Till 1', deviceId: store.identity.deviceId, locationId: 'booth-a', brandIds: DEMO_BRANDS.map((b) => b.id), receiptPrefix: 'T1' }],
    // The demo's PINs are public: they get the demo's cost (core/event/staff.ts DEMO_PIN_ITERATIONS).
    staff: await Promise.all(DEMO_STAFF.map((m) => newStaffMember(m, webCryptoPinHasher, webCryptoRandom, DEMO_PIN_ITERATIONS))),
    coupons: demoCoupons(startsAt),
  });
  for (const brand of DEMO_BRANDS) {
    const products = DEMO_PRODUCTS.filter((p) => p.brandId === brand.id);
    await store.putProducts(brand.id, products);
    const batch = store.writer(brand.id).batch();
    for (const p of products) batch.receive(tillHolder('till-1'), p.sku, demoOpeningStock(p), 'opening stock');
    await store.appendEntries(brand.id, batch.entries);
  }
}
