import type { Coupon } from '../selling/discounts.ts';
import { epochToZonedLocal } from '../base/zoned-time.ts';
import type { Product } from '../catalog/catalog.ts';
import type { Brand, EventConfig, Location } from './event.ts';

/**
 * The demo event that `npm start`, `npm run serve -- --demo` and the end-to-end tests run: a three-brand
 * weekend flash mall with a hero item, tiered discounts and serial-tracked refurbished phones. Real data
 * paths, made-up shop.
 */
export const DEMO_EVENT_ID = 'demo-flash-mall';

export function demoConfig(startsAt: number): EventConfig {
  return {
    id: DEMO_EVENT_ID,
    name: 'Demo Flash Mall',
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    locale: 'en-IE',
    taxMode: 'inclusive',
    rounding: 'half-up',
    drop: {
      startsAt,
      endsAt: startsAt + 8 * 3_600_000,
      tiers: [
        { id: 'first-15', label: '−30 % first 15 min', percentOffBp: 3000, untilMinute: 15 },
        { id: 'first-hour', label: '−20 % first hour', percentOffBp: 2000, untilMinute: 60 },
        { id: 'all-day', label: '−10 % all day', percentOffBp: 1000, untilMinute: null },
      ],
    },
    policies: {
      returnsDays: 14,
      defectRefundLimit: 5000,
      returnsText: 'Returns within 14 days with this receipt.',
      warrantyText: 'Refurbished phones carry a 12-month warranty: bring the receipt or give the serial number.',
      pickupText: 'Online orders can be collected at the Central micro-hub, 12 Rue de la Paix, during the drop.',
    },
  };
}

export const DEMO_BRANDS: Brand[] = [
  { id: 'north-thread', name: 'North Thread', commissionBp: 1500, boothFee: 15000 },
  { id: 'second-life', name: 'Second Life Phones', commissionBp: 1000, boothFee: 20000 },
  { id: 'mellow-ceramics', name: 'Mellow Ceramics', commissionBp: 1200, boothFee: 10000 },
];

export const DEMO_LOCATIONS: Location[] = [
  { id: 'booth-a', kind: 'booth', name: 'Booth A' },
  { id: 'booth-b', kind: 'booth', name: 'Booth B' },
  { id: 'hub-central', kind: 'hub', name: 'Central micro-hub', address: '12 Rue de la Paix, Paris', lat: 48.8686, lon: 2.3314 },
  { id: 'reserve', kind: 'reserve', name: 'Central reserve' },
  { id: 'online', kind: 'online', name: 'Online drop' },
];

/** EAN-13 with its check digit (GS1 General Specifications §7.9.1), so a real scanner test reads it. */
export function ean13(first12: string): string {
  const sum = [...first12].reduce((a, d, i) => a + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

const base = { variant: '', marginFloorBp: 2500, taxRateBp: 2000, hero: false, lowStockThreshold: 3, safetyStock: 1, serialTracked: false };
let code = 0;
const next = (prefix: string) => ean13(`${prefix}${String(++code).padStart(12 - prefix.length, '0')}`);

/** The demo's categories, by SKU, so the till's category filter has something to show. */
const DEMO_CATEGORIES: [RegExp, string][] = [
  [/^NT-(HOODIE|TEE)/, 'Apparel'],
  [/^SL-PHONE/, 'Phones'],
  [/^MC-(MUG|BOWL|PLATE)/, 'Tableware'],
  [/^MC-VASE/, 'Home'],
  [/./, 'Accessories'],
];

function product(p: Partial<Product> & Pick<Product, 'sku' | 'brandId' | 'name' | 'price' | 'cost'>, prefix: string): Product {
  const category = DEMO_CATEGORIES.find(([re]) => re.test(p.sku))![1];
  return { ...base, barcodes: [next(prefix)], category, ...p };
}

const sizes = (sku: string, name: string, colour: string, fields: Partial<Product> & Pick<Product, 'price' | 'cost'>, list = ['S', 'M', 'L']): Product[] =>
  list.map((size) => product({ sku: `${sku}-${size}`, brandId: 'north-thread', name, variant: `${colour}${size}`, ...fields }, '400638'));

export const DEMO_PRODUCTS: Product[] = [
  ...sizes('NT-HOODIE', 'Drop Hoodie', '', { price: 6900, cost: 2200, hero: true }, ['S', 'M', 'L', 'XL']),
  ...sizes('NT-TEE-BLK', 'Logo Tee', 'Black ', { price: 2900, cost: 900 }),
  ...sizes('NT-TEE-WHT', 'Logo Tee', 'White ', { price: 2900, cost: 900 }),
  product({ sku: 'NT-CAP', brandId: 'north-thread', name: 'Five-panel Cap', price: 2500, cost: 1400, marginFloorBp: 3000 }, '400638'),
  product({ sku: 'NT-TOTE', brandId: 'north-thread', name: 'Canvas Tote', price: 1500, cost: 500 }, '400638'),
  product({ sku: 'NT-SOCKS', brandId: 'north-thread', name: 'Rib Socks', price: 1200, cost: 300 }, '400638'),
  ...[
    ['SL-PHONE-11', 'Refurbished Phone 11', '64 GB', 27900, 21000],
    ['SL-PHONE-12', 'Refurbished Phone 12', '128 GB', 39900, 30000],
    ['SL-PHONE-13', 'Refurbished Phone 13', '128 GB', 49900, 38000],
  ].map(([sku, name, variant, price, cost]) =>
    product({ sku: sku as string, brandId: 'second-life', name: name as string, variant: variant as string, price: price as number, cost: cost as number, marginFloorBp: 1500, serialTracked: true, lowStockThreshold: 1, safetyStock: 0 }, '590123'),
  ),
  ...['11', '12', '13'].map((m) => product({ sku: `SL-CASE-${m}`, brandId: 'second-life', name: 'Recycled Case', variant: `Phone ${m}`, price: 1900, cost: 400 }, '590123')),
  product({ sku: 'SL-CABLE', brandId: 'second-life', name: 'Braided Cable', price: 1200, cost: 300 }, '590123'),
  product({ sku: 'SL-CHARGER', brandId: 'second-life', name: 'Fast Charger', price: 2400, cost: 900 }, '590123'),
  ...['Blue', 'Green', 'Sand'].map((c) => product({ sku: `MC-MUG-${c.toUpperCase()}`, brandId: 'mellow-ceramics', name: 'Stoneware Mug', variant: c, price: 2200, cost: 700 }, '376001')),
  product({ sku: 'MC-BOWL-S', brandId: 'mellow-ceramics', name: 'Noodle Bowl', variant: 'Small', price: 2600, cost: 900 }, '376001'),
  product({ sku: 'MC-BOWL-L', brandId: 'mellow-ceramics', name: 'Noodle Bowl', variant: 'Large', price: 3400, cost: 1200 }, '376001'),
  product({ sku: 'MC-PLATE', brandId: 'mellow-ceramics', name: 'Side Plate', price: 1800, cost: 600 }, '376001'),
  product({ sku: 'MC-VASE', brandId: 'mellow-ceramics', name: 'Bud Vase', price: 3900, cost: 1500, lowStockThreshold: 2 }, '376001'),
];

/** Opening stock per SKU for one stand-alone till in the demo. */
export function demoOpeningStock(p: Product): number {
  if (p.serialTracked) return 4;
  if (p.hero) return 12;
  return p.price >= 3000 ? 8 : 20;
}

/**
 * The demo's staff and their PINs. Demo only: a real event's PINs are set by the organiser and only their
 * salted hashes are stored (core/event/staff.ts).
 */
export const DEMO_STAFF: { id: string; name: string; role: 'cashier' | 'manager'; pin: string }[] = [
  { id: 'ana', name: 'Ana', role: 'cashier', pin: '1234' },
  { id: 'mia', name: 'Mia', role: 'manager', pin: '9999' },
];

/**
 * The demo's coupons (core/selling/discounts.ts): a brand-wide 10 % and a €5 off the mugs that credits the
 * ceramics newsletter, valid from the day before the drop to a week after it (in the event's time zone).
 */
export function demoCoupons(startsAt: number): Coupon[] {
  const tz = demoConfig(startsAt).timeZone;
  const validFrom = epochToZonedLocal(startsAt - 86_400_000, tz);
  const validUntil = epochToZonedLocal(startsAt + 7 * 86_400_000, tz);
  return [
    { code: 'WELCOME10', name: 'Welcome 10 %', brandId: 'north-thread', percentBp: 1000, validFrom, validUntil },
    { code: 'MUGLOVE', name: 'Mug lovers €5', brandId: 'mellow-ceramics', amount: 500, skus: ['MC-MUG-BLUE', 'MC-MUG-GREEN', 'MC-MUG-SAND'], validFrom, validUntil, usageLimit: 50, creatorCode: 'CERAMICLUB' },
  ];
}
