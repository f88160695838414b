import { useMemo, useState, type FormEvent } from 'react';
import { RESERVE } from '../../../../core/ledger/holders.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { stockColumns, stockRows } from '../stock-table.ts';
import { Rebalance } from './Rebalance.tsx';
import { ThresholdsSetup } from './ThresholdsSetup.tsx';

/** Stock choreography: what every holder has, receiving deliveries and moving stock rights between holders. */
export function StockTab() {
  const state = useEventState();
  const [filter, setFilter] = useState('');
  const columns = useMemo(() => (state ? stockColumns(state) : []), [state]);
  const rows = useMemo(() => (state ? stockRows(state, columns, filter) : []), [state, columns, filter]);
  if (!state) return null;
  return (
    <div className="stock">
      <StockMoves />
      <Rebalance />
      <section className="card" aria-label="Stock by holder">
        <h2>Stock by holder</h2>
        <label className="search">
          <span className="sr-only">Filter products</span>
          <input placeholder="Filter by SKU or name" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter products" />
        </label>
        <div className="table-scroll">
          <table className="stock-grid">
            <thead>
              <tr>
                <th>Product</th>
                {columns.map((c) => (
                  <th key={c.holder} className="num" title={c.holder}>
                    {c.label}
                  </th>
                ))}
                <th className="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.brandId}/${r.product.sku}`}>
                  <th scope="row">
                    {r.product.name}
                    {r.product.variant ? ` ${r.product.variant}` : ''} <span className="muted">{r.product.sku}</span>
                  </th>
                  {r.cells.map((c) => (
                    <td key={c.holder} className={`num level-${c.level}`} title={c.quarantined ? `${c.quarantined} quarantined` : undefined}>
                      {c.sellable}
                      {c.quarantined > 0 && <span className="muted"> +{c.quarantined}q</span>}
                    </td>
                  ))}
                  <td className="num">{r.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted legend">
          <span className="level-low">low</span> at or under the low-stock threshold · <span className="level-safety">safety</span> at or under the safety stock · q = quarantined returns
        </p>
      </section>
      <ThresholdsSetup />
    </div>
  );
}

function StockMoves() {
  const state = useEventState()!;
  const api = useConsole((s) => s.api)!;
  const columns = stockColumns(state);
  const sources = columns.filter((c) => !c.holder.startsWith('till:'));
  const products = [...state.byBrand.values()].flatMap((b) => [...b.products.values()].map((p) => ({ brandId: b.brandId, sku: p.sku, label: `${p.name}${p.variant ? ` ${p.variant}` : ''} (${p.sku})` })));
  const [f, setF] = useState({ kind: 'transfer', from: RESERVE, to: '', item: '', qty: '1', ref: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const item = products.find((p) => `${p.brandId}/${p.sku}` === f.item);
    if (!item) return;
    const lines = [{ brandId: item.brandId, sku: item.sku, qty: Number(f.qty) }];
    if (f.kind === 'receive') await act(() => api.post(ev('/stock/receive'), { holder: f.to, lines, ...(f.ref ? { ref: f.ref } : {}) }), `Received ${f.qty} × ${item.sku} at ${f.to}`);
    else await act(() => api.post(ev('/stock/transfer'), { from: f.from, to: f.to, lines }), `Moved ${f.qty} × ${item.sku} from ${f.from} to ${f.to}`);
  };
  return (
    <section className="card" aria-label="Move stock">
      <h2>Receive or move stock</h2>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Action
          <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value })}>
            <option value="transfer">Transfer</option>
            <option value="receive">Receive a delivery</option>
          </select>
        </label>
        {f.kind === 'transfer' && (
          <label>
            From
            <select value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })}>
              {sources.map((c) => (
                <option key={c.holder} value={c.holder}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {f.kind === 'transfer' ? 'To' : 'Received at'}
          <select value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} required>
            <option value="">Choose…</option>
            {(f.kind === 'receive' ? sources.filter((c) => c.holder === RESERVE || c.holder.startsWith('hub:')) : columns.filter((c) => c.holder !== f.from)).map((c) => (
              <option key={c.holder} value={c.holder}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Product
          <select value={f.item} onChange={(e) => setF({ ...f, item: e.target.value })} required>
            <option value="">Choose…</option>
            {products.map((p) => (
              <option key={`${p.brandId}/${p.sku}`} value={`${p.brandId}/${p.sku}`}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Units
          <input type="number" min={1} value={f.qty} onChange={(e) => setF({ ...f, qty: e.target.value })} required />
        </label>
        {f.kind === 'receive' && (
          <label>
            Delivery note
            <input value={f.ref} onChange={(e) => setF({ ...f, ref: e.target.value })} />
          </label>
        )}
        <button type="submit" className="primary">
          {f.kind === 'receive' ? 'Receive' : 'Transfer'}
        </button>
      </form>
    </section>
  );
}
