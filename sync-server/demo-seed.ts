import { DEMO_PIN_ITERATIONS } from '../core/event/staff.ts';
import { DEMO_BRANDS, DEMO_EVENT_ID, DEMO_LOCATIONS, DEMO_PRODUCTS, DEMO_STAFF, demoConfig, demoCoupons } from '../core/event/demo-event.ts';
import type { Product } from '../core/catalog/catalog.ts';
import type { Creator, Location } from '../core/event/event.ts';
import { hubHolder, ONLINE, RESERVE, tillHolder } from '../core/ledger/holders.ts';
import type { StockLine } from './event-service.ts';
import type { SyncServer } from './server.ts';

/**
 * Seeds the demo mall on a server: three brands, their catalog, stock received into the reserve and split
 * between a micro-hub, two booths and the online channel, creators with their codes, and pairing codes for the
 * two booth tills. For the online drop's routing (core/ledger/routing.ts) a second micro-hub in Montreuil holds a
 * few North Thread items (received there directly) and two partner pick-up points take collections; a till
 * at that hub fulfils.
 * Run again on the same data, it leaves the event as it is and only issues fresh pairing codes.
 */
export interface DemoTill {
  name: string;
  code: string;
  tillId: string;
}

/** Creators of the demo drop: codes a cashier can pick at the till, and `/r/<code>` links once a drop page is set. */
export const DEMO_CREATORS: Creator[] = [
  { code: 'LENA10', name: 'Lena Knits (creator)' },
  { code: 'TECHTOM', name: 'Tech Tom reviews' },
  { code: 'CERAMICLUB', name: 'Ceramic Club newsletter' },
];

const BOOTHS = [
  { name: 'Booth A till', locationId: 'booth-a', brandIds: ['north-thread', 'mellow-ceramics'] },
  { name: 'Booth B till', locationId: 'booth-b', brandIds: ['second-life'] },
];

/** Where online orders go besides the central micro-hub and the online allocation (coordinates: Paris area). */
const ONLINE_DROP_LOCATIONS: Location[] = [
  { id: 'hub-east', kind: 'hub', name: 'East micro-hub', address: '5 Rue de Paris, 93100 Montreuil', lat: 48.861, lon: 2.443, openingHours: 'Sat–Sun 10:00–19:00' },
  { id: 'pickup-batignolles', kind: 'pickup', name: 'Batignolles café (pick-up)', address: '20 Rue des Batignolles, 75017 Paris', lat: 48.8839, lon: 2.3216, openingHours: 'Tue–Sun 08:00–22:00' },
  { id: 'pickup-canal', kind: 'pickup', name: 'Canal bookshop (pick-up)', address: '55 Quai de Valmy, 75010 Paris', lat: 48.872, lon: 2.365, openingHours: 'Mon–Sat 11:00–20:00' },
];
/** A till at the east hub: it sells nothing of its own and fulfils the online orders routed there. */
const HUB_TILL = { name: 'East hub till', locationId: 'hub-east', brandIds: ['north-thread', 'second-life', 'mellow-ceramics'] };

export async function seedDemo(server: SyncServer, startsAt: number): Promise<{ created: boolean; tills: DemoTill[]; storefrontToken: string; organiserToken: string }> {
  const { events } = server;
  const existing = await events.setup(DEMO_EVENT_ID);
  const created = !existing.config;
  const tills: DemoTill[] = [];
  if (created) {
    await events.createEvent({ config: demoConfig(startsAt), brands: DEMO_BRANDS, locations: [...DEMO_LOCATIONS, ...ONLINE_DROP_LOCATIONS] });
    await events.putProducts(DEMO_EVENT_ID, DEMO_PRODUCTS);
    // The demo's PINs are public, so they get the demo's cost (core/event/staff.ts DEMO_PIN_ITERATIONS).
    await events.putStaff(DEMO_EVENT_ID, DEMO_STAFF, DEMO_PIN_ITERATIONS);
    // Creators and their codes (the demo's warranty and pick-up texts are in its config, core/event/demo-event.ts).
    for (const c of DEMO_CREATORS) await server.setup.putCreator(DEMO_EVENT_ID, c.code, c);
    for (const c of demoCoupons(startsAt)) await server.setup.putCoupon(DEMO_EVENT_ID, c.code, c);
    await events.receive(DEMO_EVENT_ID, RESERVE, stock((p) => (p.serialTracked ? 12 : 60)), 'demo delivery');
    await events.transfer(DEMO_EVENT_ID, RESERVE, hubHolder('hub-central'), stock((p) => (p.serialTracked ? 2 : 10)));
    await events.transfer(DEMO_EVENT_ID, RESERVE, ONLINE, stock((p) => (p.serialTracked ? 2 : 10)));
    const eastSkus = DEMO_PRODUCTS.filter((p) => p.sku.startsWith('NT-HOODIE') || p.sku.startsWith('NT-TEE'));
    await events.receive(DEMO_EVENT_ID, hubHolder('hub-east'), eastSkus.map((p) => ({ brandId: p.brandId, sku: p.sku, qty: 4 })), 'maker drop-off at the east hub');
  }
  for (const booth of BOOTHS) {
    const { code, tillId } = await events.createPairingCode(DEMO_EVENT_ID, booth);
    if (created) {
      // The booth's opening stock goes to the till that will pair with this code.
      await events.transfer(DEMO_EVENT_ID, RESERVE, tillHolder(tillId), stock((p) => (p.serialTracked ? 4 : p.hero ? 12 : 15), booth.brandIds));
    }
    tills.push({ name: booth.name, code, tillId });
  }
  const hubTill = await events.createPairingCode(DEMO_EVENT_ID, HUB_TILL);
  tills.push({ name: HUB_TILL.name, code: hubTill.code, tillId: hubTill.tillId });
  const storefrontToken = await server.auth.issue({ role: 'storefront', eventId: DEMO_EVENT_ID, label: 'demo storefront', createdAt: Date.now() });
  const organiserToken = await server.auth.issue({ role: 'organiser', eventId: DEMO_EVENT_ID, label: 'demo organiser', createdAt: Date.now() });
  // The drop's page is the example storefront this server serves, so a creator link (/r/LENA10) lands on the
  // shop that credits the creator. Set on every start: the address changes with the port. The address is
  // public (the policies, every creator redirect), so it carries no token: the shop asks for one, and the
  // terminal prints the storefront token and a link with it for the person running the demo.
  const dropUrl = `${server.url}/examples/storefront/?${new URLSearchParams({ event: DEMO_EVENT_ID })}`;
  await server.setup.updateConfig(DEMO_EVENT_ID, { dropUrl });
  return { created, tills, storefrontToken, organiserToken };
}

/** One stock line per demo product (of the given brands), with the quantity `qty` says. */
function stock(qty: (p: Product) => number, brandIds?: string[]): StockLine[] {
  return DEMO_PRODUCTS.filter((p) => !brandIds || brandIds.includes(p.brandId)).map((p) => ({ brandId: p.brandId, sku: p.sku, qty: qty(p) }));
}
