import { useState } from 'react';
import type { Product } from '../../../../core/catalog/catalog.ts';
import { formatMoney, minorDigits, parseMoney } from '../../../../core/base/money.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { SetupList } from './SetupList.tsx';

/**
 * The catalog as a list, with the three things an organiser changes during an event edited in place: the
 * price, the low-stock threshold and which product is the hero. A save sends the whole product back to the
 * catalog endpoint, which checks it like an imported one (the margin floor, barcodes) and keeps the old
 * version in the brand's catalogHistory, so offline tills' sales at the old price still pass.
 */
export function ProductsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [editing, setEditing] = useState<{ key: string; price: string; threshold: string; hero: boolean } | undefined>();
  const [filter, setFilter] = useState('');
  if (!state?.config) return null;
  const { currency, locale } = state.config;
  const digits = minorDigits(currency);
  const products = [...state.byBrand.values()].flatMap((b) => [...b.products.values()]).sort((a, b) => a.brandId.localeCompare(b.brandId) || a.sku.localeCompare(b.sku));
  const q = filter.trim().toLowerCase();
  const shown = q ? products.filter((p) => `${p.sku} ${p.name} ${p.variant ?? ''} ${p.brandId}`.toLowerCase().includes(q)) : products;
  const brandName = (id: string) => state.brands.find((b) => b.id === id)?.name ?? id;
  const label = (p: Product) => `${p.name}${p.variant ? ` ${p.variant}` : ''}`;
  const save = async (p: Product) => {
    if (!editing) return;
    let price: number;
    try {
      price = parseMoney(editing.price, currency);
    } catch {
      useConsole.setState({ flash: { kind: 'error', text: `"${editing.price}" is not a price in ${currency}` } });
      return;
    }
    const next: Product = { ...p, price, lowStockThreshold: Number(editing.threshold), hero: editing.hero };
    if (await act(() => api.post(ev('/catalog'), { products: [next] }), `${label(p)} saved`)) setEditing(undefined);
  };
  return (
    <section className="card" aria-label="Products">
      <h2>Products</h2>
      <label className="search">
        <span className="sr-only">Filter products</span>
        <input placeholder="Filter by SKU, name or brand" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter the product list" />
      </label>
      <SetupList
        label="Products"
        columns={[{ header: 'Product' }, { header: 'Brand' }, { header: 'Price', num: true }, { header: 'Low-stock threshold', num: true }, { header: 'Hero' }]}
        rows={shown.map((p) => {
          const key = `${p.brandId}/${p.sku}`;
          const e = editing?.key === key ? editing : undefined;
          return {
            key,
            cells: [
              <>
                {label(p)} <span className="muted">{p.sku}</span>
              </>,
              brandName(p.brandId),
              e ? <input aria-label={`Price of ${label(p)}`} inputMode="decimal" value={e.price} onChange={(x) => setEditing({ ...e, price: x.target.value })} size={8} /> : formatMoney(p.price, currency, locale),
              e ? <input aria-label={`Low-stock threshold of ${label(p)}`} type="number" min={0} step={1} value={e.threshold} onChange={(x) => setEditing({ ...e, threshold: x.target.value })} size={4} /> : p.lowStockThreshold,
              e ? <input aria-label={`${label(p)} is a hero item`} type="checkbox" checked={e.hero} onChange={(x) => setEditing({ ...e, hero: x.target.checked })} /> : p.hero ? 'Hero' : '',
            ],
            actions: e ? (
              <>
                <button type="button" className="primary" onClick={() => void save(p)} aria-label={`Save ${label(p)}`}>
                  Save
                </button>
                <button type="button" onClick={() => setEditing(undefined)}>
                  Cancel
                </button>
              </>
            ) : (
              <button type="button" className="ghost" aria-label={`Edit ${label(p)} (${p.sku})`} onClick={() => setEditing({ key, price: (p.price / 10 ** digits).toFixed(digits), threshold: String(p.lowStockThreshold), hero: p.hero })}>
                Edit
              </button>
            ),
          };
        })}
        empty={products.length ? 'No product matches the filter.' : 'No product yet: import the catalog above.'}
      />
    </section>
  );
}
