import { useMemo } from 'react';
import { productLabel } from '../../../core/catalog/catalog.ts';
import { dropPhase, unitPrice } from '../../../core/selling/pricing.ts';
import { addProduct, scan, setQuery, usePos } from '../app/pos-store.ts';

/** Search and product tiles: the hero items first; each tile shows the tier price and the stock here. */
export function ProductGrid({ money }: { money: (n: number) => string }) {
  const store = usePos((s) => s.store);
  const query = usePos((s) => s.query);
  const version = usePos((s) => s.version);
  const now = usePos((s) => s.now);
  const config = store?.config();
  const products = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = store?.allProducts() ?? [];
    const hits = q
      ? all.filter((p) => p.name.toLowerCase().includes(q) || p.sku.toLowerCase().includes(q) || p.variant.toLowerCase().includes(q) || p.barcodes.includes(q))
      : all;
    return hits.sort((a, b) => Number(b.hero) - Number(a.hero) || a.name.localeCompare(b.name) || a.variant.localeCompare(b.variant)).slice(0, 60);
    // `version` changes when the store's data does.
  }, [store, query, version]);
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
        <input type="search" aria-label="Search products" placeholder="Search by name, SKU or barcode — or just scan" value={query} onChange={(e) => setQuery(e.target.value)} />
      </form>
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
        {products.length === 0 && <p className="muted">No product matches “{query}”.</p>}
      </div>
    </>
  );
}
