import { useState, type FormEvent } from 'react';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { allProducts } from '../derive.ts';

/**
 * Low-stock threshold and safety stock per SKU per location, overriding the product's own (a busy booth
 * wants a higher bar than a quiet one). Tills use their location's values for their alerts; rebalancing and
 * the console's alerts use them too.
 */
export function ThresholdsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [f, setF] = useState({ locationId: '', sku: '', low: '5', safety: '2' });
  if (!state) return null;
  const products = allProducts(state);
  const name = (sku: string) => products.find((p) => p.sku === sku)?.name ?? sku;
  const place = (id: string) => state.locations.find((l) => l.id === id)?.name ?? id;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(() => api.put(ev('/thresholds'), { thresholds: [{ locationId: f.locationId, sku: f.sku, lowStockThreshold: Number(f.low), safetyStock: Number(f.safety) }] }), `Thresholds for ${f.sku} at ${place(f.locationId)} saved`);
  };
  const remove = (locationId: string, sku: string) => act(() => api.request('DELETE', ev(`/thresholds/${encodeURIComponent(locationId)}/${encodeURIComponent(sku)}`)), `${sku} at ${place(locationId)} uses the product's thresholds again`);
  return (
    <section className="card" aria-label="Thresholds">
      <h2>Thresholds by location</h2>
      <table>
        <thead>
          <tr>
            <th>Location</th>
            <th>Product</th>
            <th className="num">Low stock at</th>
            <th className="num">Safety stock</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {state.thresholds.map((t) => (
            <tr key={`${t.locationId}/${t.sku}`}>
              <td>{place(t.locationId)}</td>
              <td>
                {name(t.sku)} <span className="muted">{t.sku}</span>
              </td>
              <td className="num">{t.lowStockThreshold}</td>
              <td className="num">{t.safetyStock}</td>
              <td>
                <button type="button" className="ghost" aria-label={`Remove the override for ${t.sku} at ${place(t.locationId)}`} onClick={() => void remove(t.locationId, t.sku)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {state.thresholds.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                Every location uses each product's own thresholds.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          At location
          <select value={f.locationId} onChange={(e) => setF({ ...f, locationId: e.target.value })} required>
            <option value="">Choose…</option>
            {state.locations.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          For product
          <select value={f.sku} onChange={(e) => setF({ ...f, sku: e.target.value })} required>
            <option value="">Choose…</option>
            {products.map((p) => (
              <option key={`${p.brandId}/${p.sku}`} value={p.sku}>
                {p.name}
                {p.variant ? ` ${p.variant}` : ''} ({p.sku})
              </option>
            ))}
          </select>
        </label>
        <label>
          Low stock at
          <input type="number" min={0} value={f.low} onChange={(e) => setF({ ...f, low: e.target.value })} required />
        </label>
        <label>
          Safety stock
          <input type="number" min={0} value={f.safety} onChange={(e) => setF({ ...f, safety: e.target.value })} required />
        </label>
        <button type="submit" className="primary">
          Save thresholds
        </button>
      </form>
    </section>
  );
}
