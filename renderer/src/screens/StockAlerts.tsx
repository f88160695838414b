import { useMemo } from 'react';
import { productLabel } from '../../../core/catalog/catalog.ts';
import { usePos } from '../app/pos-store.ts';

/**
 * Low-stock and out-of-stock alerts for this till, always in view: a product at or below its low-stock
 * threshold here (the organiser's override for this till's location, else the product's own), or gone, is
 * named before a customer asks for it.
 */
const SHOWN = 4;

export function StockAlerts() {
  const store = usePos((s) => s.store);
  const version = usePos((s) => s.version);
  const { low, out } = useMemo(() => {
    const low: string[] = [];
    const out: string[] = [];
    for (const p of store?.allProducts() ?? []) {
      const here = store!.rights(p.brandId, p.sku);
      if (here <= 0) out.push(productLabel(p));
      else if (here <= store!.thresholds(p).lowStockThreshold) low.push(`${productLabel(p)} (${here})`);
    }
    return { low: low.sort(), out: out.sort() };
    // `version` changes whenever the store's data does.
  }, [store, version]);
  if (low.length === 0 && out.length === 0) return null;
  const list = (names: string[]) => `${names.slice(0, SHOWN).join(', ')}${names.length > SHOWN ? ` and ${names.length - SHOWN} more` : ''}`;
  return (
    <div role="status" aria-label="Stock alerts" className="stock-alerts">
      {out.length > 0 && (
        <span className="out">
          <strong>Out here:</strong> {list(out)}
        </span>
      )}
      {low.length > 0 && (
        <span className="low">
          <strong>Low here:</strong> {list(low)}
        </span>
      )}
    </div>
  );
}
