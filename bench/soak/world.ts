import { tillHolder } from '../../core/ledger/holders.ts';
import { api, type ApiReply } from '../../sync-server/test-support.ts';

/**
 * The soak's event, built through the HTTP API as an organiser builds one: a few brands with a catalog each,
 * one booth per till, a reserve and an online location; each till's pairing code (the till host pairs with
 * it, as a real till does); stock moved to every till and online; an organiser token for the reader and a
 * storefront token for the orders.
 */
export const SOAK_EVENT = 'soak';
/** Units of each SKU moved to each till and to `online`: more than a long run sells. */
const UNITS_PER_TILL_SKU = 2_000;
const UNITS_ONLINE_SKU = 1_000;

export interface SoakWorld {
  eventId: string;
  brands: string[];
  skus: Map<string, string[]>;
  /** One pairing code per till, with its brand (the till host pairs and reports the till id back). */
  codes: { code: string; brandId: string; tillId: string }[];
  organiserToken: string;
  storefrontToken: string;
}

const brandId = (i: number) => `brand-${i}`;
const skuOf = (brand: string, i: number) => `${brand.toUpperCase()}-SKU-${String(i).padStart(3, '0')}`;

async function ok(p: Promise<ApiReply>, what: string, status = 201): Promise<ApiReply> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r;
}

export async function buildSoakWorld(url: string, admin: string, opts: { brands: number; tills: number; skusPerBrand: number }): Promise<SoakWorld> {
  const now = Date.now();
  const config = {
    id: SOAK_EVENT,
    name: 'Soak run',
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    locale: 'en-IE',
    taxMode: 'inclusive',
    rounding: 'half-up',
    // One tier for the whole run so prices never change under the tills.
    drop: { startsAt: now - 3_600_000, endsAt: now + 48 * 3_600_000, tiers: [{ id: 'all-day', label: '−10 % all day', percentOffBp: 1000, untilMinute: null }] },
    policies: { returnsDays: 14, defectRefundLimit: 5000, returnsText: '' },
  };
  const brands = Array.from({ length: opts.brands }, (_, i) => brandId(i));
  const locations = [
    ...Array.from({ length: opts.tills }, (_, i) => ({ id: `booth-${i}`, kind: 'booth', name: `Booth ${i}` })),
    { id: 'reserve', kind: 'reserve', name: 'Reserve' },
    { id: 'online', kind: 'online', name: 'Online drop' },
  ];
  await ok(api(url, 'POST', '/api/events', { token: admin, body: { config, brands: brands.map((id, i) => ({ id, name: `Brand ${i}`, commissionBp: 1200, boothFee: 0 })), locations } }), 'create event');
  const skus = new Map(brands.map((b) => [b, Array.from({ length: opts.skusPerBrand }, (_, i) => skuOf(b, i))]));
  const tillsOf = (b: number) => Array.from({ length: opts.tills }, (_, t) => t).filter((t) => t % opts.brands === b).length;
  for (const [bi, b] of brands.entries()) {
    const products = skus.get(b)!.map((sku, i) => ({
      sku,
      brandId: b,
      name: `Item ${i} of ${b}`,
      variant: '',
      price: 1500 + 100 * (i % 20),
      cost: 500,
      marginFloorBp: 1000,
      taxRateBp: 2000,
      hero: false,
      lowStockThreshold: 5,
      safetyStock: 0,
      serialTracked: false,
    }));
    await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/catalog`, { token: admin, body: { products } }), 'catalog', 200);
    const qty = UNITS_PER_TILL_SKU * tillsOf(bi) + UNITS_ONLINE_SKU;
    await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/stock/receive`, { token: admin, body: { holder: 'reserve', lines: skus.get(b)!.map((sku) => ({ brandId: b, sku, qty })) } }), 'receive');
    await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/stock/transfer`, { token: admin, body: { from: 'reserve', to: 'online', lines: skus.get(b)!.map((sku) => ({ brandId: b, sku, qty: UNITS_ONLINE_SKU })) } }), 'online stock');
  }
  const codes: SoakWorld['codes'] = [];
  for (let t = 0; t < opts.tills; t++) {
    const b = brands[t % opts.brands]!;
    const r = await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/pairing-codes`, { token: admin, body: { name: `Till ${t}`, locationId: `booth-${t}`, brandIds: [b] } }), 'pairing code');
    const { code, tillId } = r.body as { code: string; tillId: string };
    codes.push({ code, brandId: b, tillId });
    await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/stock/transfer`, { token: admin, body: { from: 'reserve', to: tillHolder(tillId), lines: skus.get(b)!.map((sku) => ({ brandId: b, sku, qty: UNITS_PER_TILL_SKU })) } }), 'till stock');
  }
  const token = async (role: string) => ((await ok(api(url, 'POST', `/api/events/${SOAK_EVENT}/tokens`, { token: admin, body: { role, label: `soak ${role}` } }), `${role} token`)).body as { token: string }).token;
  return { eventId: SOAK_EVENT, brands, skus, codes, organiserToken: await token('organiser'), storefrontToken: await token('storefront') };
}
