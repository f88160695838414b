import type { Product } from './catalog.ts';
import type { Brand, EventConfig, Location } from './event.ts';

/**
 * The demo event that `npm start` and the end-to-end tests run: a two-brand weekend flash mall with a hero
 * item, tiered discounts and a serial-tracked refurbished phone. Real data paths, made-up shop.
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
    policies: { returnsDays: 14, defectRefundLimit: 5000, returnsText: 'Returns within 14 days with this receipt.' },
  };
}

export const DEMO_BRANDS: Brand[] = [
  { id: 'north-thread', name: 'North Thread', commissionBp: 1500, boothFee: 15000 },
  { id: 'second-life', name: 'Second Life Phones', commissionBp: 1000, boothFee: 20000 },
];

export const DEMO_LOCATIONS: Location[] = [
  { id: 'booth-a', kind: 'booth', name: 'Booth A' },
  { id: 'hub-central', kind: 'hub', name: 'Central micro-hub', address: '12 Rue de la Paix, Paris', lat: 48.8686, lon: 2.3314 },
  { id: 'reserve', kind: 'reserve', name: 'Central reserve' },
  { id: 'online', kind: 'online', name: 'Online drop' },
];

const base = { variant: '', marginFloorBp: 2500, taxRateBp: 2000, hero: false, lowStockThreshold: 3, safetyStock: 1, serialTracked: false };

export const DEMO_PRODUCTS: Product[] = [
  { ...base, sku: 'NT-HOODIE-M', brandId: 'north-thread', name: 'Drop Hoodie', variant: 'M', barcodes: ['4006381333931'], price: 6900, cost: 2200, hero: true },
  { ...base, sku: 'NT-HOODIE-L', brandId: 'north-thread', name: 'Drop Hoodie', variant: 'L', barcodes: ['4006381333948'], price: 6900, cost: 2200, hero: true },
  { ...base, sku: 'NT-TEE-BLK', brandId: 'north-thread', name: 'Logo Tee', variant: 'Black', barcodes: ['4006381333955'], price: 2900, cost: 900 },
  { ...base, sku: 'NT-CAP', brandId: 'north-thread', name: 'Five-panel Cap', barcodes: ['4006381333962'], price: 2500, cost: 1400, marginFloorBp: 3000 },
  { ...base, sku: 'NT-TOTE', brandId: 'north-thread', name: 'Canvas Tote', barcodes: ['4006381333979'], price: 1500, cost: 500 },
  { ...base, sku: 'SL-PHONE-12', brandId: 'second-life', name: 'Refurbished Phone 12', variant: '128 GB', barcodes: ['5901234123457'], price: 39900, cost: 30000, marginFloorBp: 1500, serialTracked: true, lowStockThreshold: 1, safetyStock: 0 },
  { ...base, sku: 'SL-CASE', brandId: 'second-life', name: 'Recycled Case', barcodes: ['5901234123464'], price: 1900, cost: 400 },
  { ...base, sku: 'SL-CABLE', brandId: 'second-life', name: 'Braided Cable', barcodes: ['5901234123471'], price: 1200, cost: 300 },
];

/** Opening stock per SKU for a booth till in the demo. */
export const DEMO_OPENING_STOCK: Record<string, number> = {
  'NT-HOODIE-M': 12,
  'NT-HOODIE-L': 10,
  'NT-TEE-BLK': 30,
  'NT-CAP': 15,
  'NT-TOTE': 40,
  'SL-PHONE-12': 4,
  'SL-CASE': 25,
  'SL-CABLE': 50,
};
