import { ValidationError } from '../base/errors.ts';
import type { Minor } from '../base/money.ts';
import { asObject, bool, int, optStr, str, strArray } from '../base/validate.ts';

/**
 * A sellable product (one variant = one SKU). Prices are minor units in the event's currency; whether
 * `price` includes tax is the event's `taxMode`.
 */
export interface Product {
  sku: string;
  brandId: string;
  name: string;
  /** Size, colour… empty when the product has a single variant. */
  variant: string;
  /** EAN/UPC/own codes a scanner may type; unique within the event. */
  barcodes: string[];
  price: Minor;
  /** Unit cost, for the margin floor and margin reports. */
  cost: Minor;
  /** Minimum margin over cost, in basis points of the net (ex-tax) price: no discount ever goes below it. */
  marginFloorBp: number;
  /** Tax rate in basis points (20 % = 2000). */
  taxRateBp: number;
  /** The drop's hero item: shown first. */
  hero: boolean;
  /** Alert when a location's stock falls to or below this. */
  lowStockThreshold: number;
  /** Units a location keeps back from rebalancing and from the online channel. */
  safetyStock: number;
  /** Each unit has a serial number (refurbished phones): the till asks for it at sale and refund. */
  serialTracked: boolean;
  /** What kind of thing it is ("Apparel", "Phones"): the till filters its tiles by it. Absent: none. */
  category?: string;
}

export const MAX_CATEGORY_LENGTH = 40;

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/;
export const BARCODE_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** Decodes and checks a product from an untrusted object; throws a ValidationError naming the field. */
export function parseProduct(raw: unknown): Product {
  const o = asObject(raw, 'product');
  const p: Product = {
    sku: str(o, 'sku', { max: 64, pattern: SKU_PATTERN }),
    brandId: str(o, 'brandId', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 120 }),
    variant: typeof o['variant'] === 'string' ? o['variant'] : '',
    barcodes: o['barcodes'] === undefined ? [] : strArray(o, 'barcodes', { max: 10, pattern: BARCODE_PATTERN }),
    price: int(o, 'price', { min: 0 }),
    cost: int(o, 'cost', { min: 0 }),
    marginFloorBp: int(o, 'marginFloorBp', { min: 0, max: 9_999 }),
    taxRateBp: int(o, 'taxRateBp', { min: 0, max: 10_000 }),
    hero: bool(o, 'hero'),
    lowStockThreshold: int(o, 'lowStockThreshold', { min: 0 }),
    safetyStock: int(o, 'safetyStock', { min: 0 }),
    serialTracked: bool(o, 'serialTracked'),
  };
  if (p.variant.length > 60) throw new ValidationError('variant', 'must be at most 60 characters');
  // Trimmed, and an empty one is none: "Apparel " and "Apparel" must be one filter on the till.
  const category = optStr(o, 'category', { max: MAX_CATEGORY_LENGTH })?.trim();
  if (category) p.category = category;
  return p;
}

/** Label for screens and receipts: "Tee — Black / M". */
export function productLabel(p: Pick<Product, 'name' | 'variant'>): string {
  return p.variant ? `${p.name} — ${p.variant}` : p.name;
}

/**
 * Finds barcodes used by more than one SKU. A scanner code must name exactly one product, so a catalog
 * with duplicates is refused.
 */
export function duplicateBarcodes(products: Iterable<Product>): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const p of products) {
    for (const code of p.barcodes) seen.set(code, [...(seen.get(code) ?? []), p.sku]);
  }
  return new Map([...seen].filter(([, skus]) => skus.length > 1));
}
