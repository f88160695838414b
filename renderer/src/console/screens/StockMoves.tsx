import { useState, type FormEvent } from 'react';
import { RESERVE } from '../../../../core/ledger/holders.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { stockColumns } from '../stock-table.ts';
import { CsvInput } from './CsvInput.tsx';

/** A delivery has no "from": the stock enters the event there. */
const DELIVERY = '';

interface Line {
  from: string;
  to: string;
  item: string;
  qty: string;
}

const blank = (): Line => ({ from: RESERVE, to: '', item: '', qty: '1' });

/**
 * Receiving and moving stock, several lines at once: each line is a delivery (into the reserve or a hub) or a
 * transfer from a holder the server writes for (reserve, hubs, online). The server checks all lines as one
 * change and writes all or none (POST /stock/moves), naming each line's problem.
 */
export function StockMoves() {
  const state = useEventState()!;
  const api = useConsole((s) => s.api)!;
  const columns = stockColumns(state);
  // A till's units are spent only by its own device, so a till is never a source here.
  const sources = columns.filter((c) => !c.holder.startsWith('till:'));
  const receivers = sources.filter((c) => c.holder === RESERVE || c.holder.startsWith('hub:'));
  const products = [...state.byBrand.values()].flatMap((b) => [...b.products.values()].map((p) => ({ brandId: b.brandId, sku: p.sku, label: `${p.name}${p.variant ? ` ${p.variant}` : ''} (${p.sku})` })));
  const [lines, setLines] = useState<Line[]>([blank()]);
  const [ref, setRef] = useState('');
  const edit = (i: number, patch: Partial<Line>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const moves = lines.map((l) => {
      const item = products.find((p) => `${p.brandId}/${p.sku}` === l.item);
      return { ...(l.from === DELIVERY ? {} : { from: l.from }), to: l.to, brandId: item?.brandId ?? '', sku: item?.sku ?? '', qty: Number(l.qty) };
    });
    const units = moves.reduce((a, m) => a + m.qty, 0);
    const r = await act(() => api.post(ev('/stock/moves'), { moves, ...(ref.trim() ? { ref: ref.trim() } : {}) }), `Moved ${units} unit(s) in ${moves.length} line(s)`);
    if (r) {
      setLines([blank()]);
      setRef('');
    }
  };
  return (
    <section className="card" aria-label="Move stock">
      <h2>Receive or move stock</h2>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <table className="move-lines">
          <thead>
            <tr>
              <th>From</th>
              <th>To</th>
              <th>Product</th>
              <th className="num">Units</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={i}>
                <td data-label="From">
                  <select aria-label={`From, line ${i + 1}`} value={l.from} onChange={(e) => edit(i, { from: e.target.value, to: '' })}>
                    <option value={DELIVERY}>A delivery (received)</option>
                    {sources.map((c) => (
                      <option key={c.holder} value={c.holder}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td data-label="To">
                  <select aria-label={`To, line ${i + 1}`} value={l.to} onChange={(e) => edit(i, { to: e.target.value })} required>
                    <option value="">Choose…</option>
                    {(l.from === DELIVERY ? receivers : columns.filter((c) => c.holder !== l.from)).map((c) => (
                      <option key={c.holder} value={c.holder}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td data-label="Product">
                  <select aria-label={`Product, line ${i + 1}`} value={l.item} onChange={(e) => edit(i, { item: e.target.value })} required>
                    <option value="">Choose…</option>
                    {products.map((p) => (
                      <option key={`${p.brandId}/${p.sku}`} value={`${p.brandId}/${p.sku}`}>
                        {p.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="num" data-label="Units">
                  <input aria-label={`Units, line ${i + 1}`} type="number" min={1} step={1} value={l.qty} onChange={(e) => edit(i, { qty: e.target.value })} required />
                </td>
                <td>
                  {lines.length > 1 && (
                    <button type="button" className="ghost" aria-label={`Remove line ${i + 1}`} onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                      ✕
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="row">
          <button type="button" onClick={() => setLines([...lines, { ...blank(), from: lines.at(-1)?.from ?? RESERVE }])}>
            Add line
          </button>
          <label>
            Delivery note or reason
            <input value={ref} onChange={(e) => setRef(e.target.value)} maxLength={80} />
          </label>
          <button type="submit" className="primary">
            Move {lines.length} line(s)
          </button>
        </div>
      </form>
    </section>
  );
}

const EXAMPLE = 'from,to,brand,sku,qty\n,reserve,north-thread,NT-CAP,40\nreserve,hub:hub-central,north-thread,NT-CAP,10\nreserve,till:till-1,north-thread,NT-CAP,15';

/** Receive and transfer by file: a spreadsheet of moves, all rows or none, each problem named by line and column. */
export function StockCsv() {
  const api = useConsole((s) => s.api)!;
  const [csv, setCsv] = useState('');
  const [file, setFile] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await act(() => api.postCsv<{ moved: number }>(ev('/stock/moves'), csv));
    if (r) {
      useConsole.setState({ flash: { kind: 'ok', text: `Moved stock on ${r.moved} row(s)` } });
      setCsv('');
      setFile('');
    }
  };
  return (
    <section className="card" aria-label="Stock from a file">
      <h2>Receive and transfer from a file</h2>
      <p className="muted">
        Columns from, to, brand, sku, qty. Leave <code>from</code> empty for a delivery (into <code>reserve</code> or <code>hub:&lt;location&gt;</code>); otherwise it is a transfer from{' '}
        <code>reserve</code>, <code>online</code> or a hub to any holder (<code>till:&lt;till id&gt;</code> too). All rows or none.
      </p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <CsvInput label="Stock file (CSV)" csv={csv} onCsv={setCsv} onFile={setFile} placeholder={EXAMPLE} />
        <button type="submit" className="primary" disabled={!csv.trim()}>
          Move stock{file ? ` (${file})` : ''}
        </button>
      </form>
    </section>
  );
}
