import { duplicateBarcodes, parseProduct, type Product } from '../core/catalog/catalog.ts';
import { ValidationError } from '../core/base/errors.ts';
import type { EventConfig } from '../core/event/event.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import type { DocHub } from './doc-hub.ts';
import type { EventSetup } from './event-service.ts';

/**
 * An event's catalog as the server edits it: the products of every brand document, checked as a till checks
 * them (core/catalog), with barcodes unique across the event. Only the event's authority writes it
 * (`authority` refuses on a relaying LAN hub).
 */
export interface CatalogDeps {
  hub: DocHub;
  setup: (eventId: string) => Promise<EventSetup>;
  requireEvent: (eventId: string) => Promise<EventConfig>;
  authority: (what: string) => void;
}

export class EventCatalog {
  constructor(private readonly d: CatalogDeps) {}

  check(raw: unknown): Product {
    return parseProduct(raw);
  }

  /** Puts products into their brands' catalogs (a new version of a SKU replaces the old one). */
  async put(eventId: string, products: readonly Product[]): Promise<number> {
    this.d.authority('change the catalog');
    const { brands } = await this.d.setup(eventId);
    const known = new Set(brands.map((b) => b.id));
    const checked = products.map((p) => parseProduct(p));
    for (const p of checked) if (!known.has(p.brandId)) throw new ValidationError('brandId', `"${p.brandId}" is not a brand of ${eventId}`);
    const all = new Map((await this.list(eventId)).map((p) => [`${p.brandId}/${p.sku}`, p]));
    for (const p of checked) all.set(`${p.brandId}/${p.sku}`, p);
    const dupes = duplicateBarcodes(all.values());
    if (dupes.size) {
      const [code, skus] = [...dupes][0]!;
      throw new ValidationError('barcodes', `barcode ${code} is used by ${skus.join(' and ')}`);
    }
    for (const brandId of new Set(checked.map((p) => p.brandId))) {
      await this.d.hub.change(brandDocName(eventId, brandId), (doc) => new BrandDoc(doc).putProducts(checked.filter((p) => p.brandId === brandId)));
    }
    return checked.length;
  }

  async list(eventId: string): Promise<Product[]> {
    const { brands } = await this.d.setup(eventId);
    const out: Product[] = [];
    for (const b of brands) out.push(...(await this.d.hub.read(brandDocName(eventId, b.id), (doc) => new BrandDoc(doc).products().items)));
    return out;
  }
}
