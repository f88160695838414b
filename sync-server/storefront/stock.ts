import { createHash } from 'node:crypto';
import type * as Y from 'yjs';
import type { Product } from '../../core/catalog.ts';
import type { EventConfig } from '../../core/event.ts';
import { ONLINE } from '../../core/holders.ts';
import { dropPhase, unitPrice } from '../../core/pricing.ts';
import { BrandDoc } from '../../core/schema.ts';
import type { StockView } from '../../core/stock-view.ts';
import { skuKey } from './input.ts';

/**
 * What the online drop can sell: per SKU, the catalog facts a shop page shows, the price at the tier in
 * force, and `available` = the online holder's rights less the units held by unexpired reservations.
 */
export interface StockItem {
  brandId: string;
  sku: string;
  name: string;
  variant: string;
  barcodes: string[];
  hero: boolean;
  listPrice: number;
  price: number;
  tierId: string | null;
  currency: string;
  available: number;
}

export interface StockSnapshot {
  eventId: string;
  currency: string;
  /** Where the drop stands: prices are the tier's while `live`, list prices otherwise. */
  phase: 'before' | 'live' | 'ended';
  tier: { id: string; label: string; percentOffBp: number } | null;
  items: StockItem[];
}

/** One brand's catalog and the online holder's rights in it. */
export interface BrandStock {
  brandId: string;
  products: Product[];
  online(sku: string): number;
}

/** Reads a brand document's catalog and online rights (the view is the hub's, kept up to date entry by entry). */
export function brandStock(brandId: string, doc: Y.Doc, view: StockView | undefined): BrandStock {
  return { brandId, products: new BrandDoc(doc).products().items, online: (sku) => view?.rights(ONLINE, sku) ?? 0 };
}

export function computeStock(config: EventConfig, brands: readonly BrandStock[], reserved: (key: string) => number, now: number): StockSnapshot {
  const phase = dropPhase(config.drop, now);
  const tier = phase.phase === 'live' ? phase.tier : null;
  const items: StockItem[] = [];
  for (const b of brands) {
    for (const p of b.products) {
      const price = unitPrice(p, { tier, taxMode: config.taxMode, rounding: config.rounding });
      items.push({
        brandId: b.brandId,
        sku: p.sku,
        name: p.name,
        variant: p.variant,
        barcodes: p.barcodes,
        hero: p.hero,
        listPrice: price.list,
        price: price.price,
        tierId: price.tierId,
        currency: config.currency,
        available: Math.max(0, b.online(p.sku) - reserved(skuKey(b.brandId, p.sku))),
      });
    }
  }
  // Hero items first (a drop leads with them), then by brand and SKU: a stable order for diffs and ETags.
  items.sort((a, b) => Number(b.hero) - Number(a.hero) || cmp(a.brandId, b.brandId) || cmp(a.sku, b.sku));
  return {
    eventId: config.id,
    currency: config.currency,
    phase: phase.phase,
    tier: tier ? { id: tier.id, label: tier.label, percentOffBp: tier.percentOffBp } : null,
    items,
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A strong ETag over the response body: equal bodies, equal tags. */
export function etagOf(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: If-None-Match matches with the weak comparison; `*` matches any current representation. */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}
