import { useMemo, useRef, useState } from 'react';
import { productLabel } from '../../../core/catalog/catalog.ts';
import { dropPhase, unitPrice } from '../../../core/selling/pricing.ts';
import { addProduct, scan, setQuery, usePos } from '../app/pos-store.ts';
import { useSearchKey } from '../app/use-search-key.ts';
import { ProductFilters, type Filter } from './ProductFilters.tsx';

/**
 * Search, filters and product tiles: the hero items first; each tile shows the tier price and the stock here.
 * The filters (brand, category) narrow the tiles and the search alike; "/" or F3 jumps to the search.
 */
export function ProductGrid({ money }: { money: (n: number) => string }) {
  const store = usePos((s) => s.store);
  const query = usePos((s) => s.query);
  const version = usePos((s) => s.version);
  const now = usePos((s) => s.now);
  const config = store?.config();
  const [filter, setFilter] = useState<Filter>({ brandId: undefined, category: undefined });
  const searchRef = useRef<HTMLInputElement>(null);
  useSearchKey(searchRef, true);
  const choices = useMemo(() => {
    const all = store?.allProducts() ?? [];
    const brandIds = new Set(all.map((p) => p.brandId));
    const categories = [...new Set(all.map((p) => p.category).filter((c): c is string => Boolean(c)))].sort((a, b) => a.localeCompare(b));
    return { brands: (store?.brandList() ?? []).filter((b) => brandIds.has(b.id)), categories };
  }, [store, version]);
  const products = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = (store?.allProducts() ?? []).filter((p) => (!filter.brandId || p.brandId === filter.brandId) && (!filter.category || p.category === filter.category));
    const hits = q
      ? all.filter((p) => p.name.toLowerCase().includes(q) || p.sku.toLowerCase().includes(q) || p.variant.toLowerCase().includes(q) || p.barcodes.includes(q))
      : all;
    return hits.sort((a, b) => Number(b.hero) - Number(a.hero) || a.name.localeCompare(b.name) || a.variant.localeCompare(b.variant)).slice(0, 60);
    // `version` changes when the store's data does.
  }, [store, query, version, filter]);
  if (!store || !config) return null;
  const phase = dropPhase(config.drop, now);
  const tier = phase.phase === 'live' ? phase.tier : null;
  return (
    <>
      <form
        className="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const first = products[0];
          if (store.byBarcode(query)) scan(query);
          else if (first) addProduct(first.brandId, first.sku);
          setQuery('');
        }}
      >
        <input
          ref={searchRef}
          type="search"
          aria-label="Search products"
          aria-keyshortcuts="/ F3"
          placeholder="Search by name, SKU or barcode — or just scan"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            // Escape clears the search, then leaves the field (so the scanner's keys go to the page again).
            if (e.key !== 'Escape') return;
            if (query) setQuery('');
            else e.currentTarget.blur();
          }}
        />
        <p className="search-hint">
          <kbd>/</kbd> or <kbd>F3</kbd> to search from anywhere · <kbd>Esc</kbd> to clear
        </p>
      </form>
      <ProductFilters brands={choices.brands} categories={choices.categories} filter={filter} onChange={setFilter} />
      <div className="grid">
        {products.map((p) => {
          const price = unitPrice(p, { tier, taxMode: config.taxMode, rounding: config.rounding });
          const here = store.rights(p.brandId, p.sku);
          const booth = store.boothStock(p.brandId, p.sku);
          return (
            <button key={`${p.brandId}/${p.sku}`} className={`tile ${p.hero ? 'hero' : ''} ${here <= 0 ? 'out' : here <= store.thresholds(p).lowStockThreshold ? 'low' : ''}`} onClick={() => addProduct(p.brandId, p.sku)}>
              <span className="name">{productLabel(p)}</span>
              <span className="price">
                {price.discount > 0 && <s>{money(price.list)}</s>} {money(price.price)}
              </span>
              <span className="stock">
                {here} here · {booth} at booth
              </span>
              {p.hero && <span className="badge">Hero</span>}
            </button>
          );
        })}
        {products.length === 0 && <p className="muted">{query ? `No product matches “${query}”` : 'No product'}{filter.brandId || filter.category ? ' with these filters' : ''}.</p>}
      </div>
    </>
  );
}
