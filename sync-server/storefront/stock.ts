import { createHash } from 'node:crypto';
import type * as Y from 'yjs';
import type { Product } from '../../core/catalog/catalog.ts';
import type { EventConfig } from '../../core/event/event.ts';
import type { HolderId } from '../../core/ledger/holders.ts';
import { dropPhase, unitPrice } from '../../core/selling/pricing.ts';
import { maxFromOneSource, totalFromSources, type FulfilmentSource } from '../../core/ledger/routing.ts';
import { BrandDoc } from '../../core/event/schema.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import { skuKey } from './input.ts';
import { buyerLimitsOf } from '../../core/customers/buyer-limits.ts';

/**
 * What the online drop can sell: per SKU, the catalog facts a shop page shows, the price at the tier in
 * force, and the units of the fulfilment sources (core/ledger/routing.ts: the online allocation, hubs and pick-up
 * points), each source's rights less what unexpired reservations pinned to it hold:
 *   available    over all sources — what the drop can still sell;
 *   maxPerOrder  from the best single source — the most one order (which goes whole to one place) can buy.
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
  maxPerOrder: number;
  /** Most units of this product one customer may buy in the drop (`buyerLimits`), or null: no limit. */
  perCustomerLimit: number | null;
}

export interface StockSnapshot {
  eventId: string;
  currency: string;
  /** Where the drop stands: prices are the tier's while `live`, list prices otherwise. */
  phase: 'before' | 'live' | 'ended';
  tier: { id: string; label: string; percentOffBp: number } | null;
  /**
   * The drop's window (epoch ms; the end is exclusive): a shop page counts down to it on the server's clock
   * (the stream's `serverTime`, GET's `Server-Time` header), and the server refuses orders outside it.
   */
  drop: { startsAt: number; endsAt: number };
  /**
   * What one customer may buy (null: no limit) and how long a hold lasts while the drop is live, so a shop
   * page can say so before an order is refused (core/customers/buyer-limits.ts).
   */
  buyerLimits: { perCustomerPerProduct: number | null; perCustomerPerDrop: number | null; liveHoldSeconds: number };
  items: StockItem[];
}

/** One brand's catalog and every holder's rights in it. */
export interface BrandStock {
  brandId: string;
  products: Product[];
  rights(holder: HolderId, sku: string): number;
}

/** Reads a brand document's catalog and rights (the view is the hub's, kept up to date entry by entry). */
export function brandStock(brandId: string, doc: Y.Doc, view: StockView | undefined): BrandStock {
  return { brandId, products: new BrandDoc(doc).products().items, rights: (holder, sku) => view?.rights(holder, sku) ?? 0 };
}

/** Units a source can give: its rights less what reservations pinned to it hold (`reserved(holder, key)`). */
export type Reserved = (holder: HolderId, key: string) => number;

export function computeStock(config: EventConfig, brands: readonly BrandStock[], sources: readonly FulfilmentSource[], reserved: Reserved, now: number): StockSnapshot {
  const phase = dropPhase(config.drop, now);
  const tier = phase.phase === 'live' ? phase.tier : null;
  const limits = buyerLimitsOf(config);
  const items: StockItem[] = [];
  for (const b of brands) {
    const give = (holder: HolderId, _brandId: string, sku: string) => b.rights(holder, sku) - reserved(holder, skuKey(b.brandId, sku));
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
        available: totalFromSources(sources, give, b.brandId, p.sku),
        maxPerOrder: maxFromOneSource(sources, give, b.brandId, p.sku),
        perCustomerLimit: limits.perCustomerPerProduct || null,
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
    drop: { startsAt: config.drop.startsAt, endsAt: config.drop.endsAt },
    buyerLimits: { perCustomerPerProduct: limits.perCustomerPerProduct || null, perCustomerPerDrop: limits.perCustomerPerDrop || null, liveHoldSeconds: limits.liveHoldSeconds },
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
