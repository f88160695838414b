import { useMemo, useState } from 'react';
import { useEventState } from '../console-store.ts';
import { stockColumns, stockRows } from '../stock-table.ts';
import { Rebalance } from './Rebalance.tsx';
import { StockCsv, StockMoves } from './StockMoves.tsx';
import { StockReturns } from './StockReturns.tsx';
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
      <StockCsv />
      <StockReturns />
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
