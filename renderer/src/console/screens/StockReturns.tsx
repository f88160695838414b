import { useState, type FormEvent } from 'react';
import { tillHolder } from '../../../../core/ledger/holders.ts';
import type { ReturnStatus } from '../../../../core/ledger/return-request.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { usePolledList } from '../use-polled.ts';

/** A return request as `GET …/stock/returns` lists it. */
export type ListedReturn = ReturnStatus & { brandId: string; tillId: string };

interface Line {
  item: string;
  qty: string;
}

const STATE_TEXT: Record<ReturnStatus['state'], string> = {
  open: 'waiting for the till',
  partial: 'partly back',
  returned: 'all back',
  expired: 'expired',
};

/**
 * Taking stock back from a till to the reserve (core/ledger/return-request.ts). Only a till lowers its own
 * stock, so the console ASKS: the till hands the units back itself when it is online, from what it still holds
 * and no cart holds. The list shows what has come back so far.
 */
export function StockReturns() {
  const state = useEventState()!;
  const api = useConsole((s) => s.api)!;
  const { items: returns, reload } = usePolledList<ListedReturn>('/stock/returns', 'returns', 10_000);
  const [tillId, setTillId] = useState('');
  const [lines, setLines] = useState<Line[]>([{ item: '', qty: '1' }]);
  const [minutes, setMinutes] = useState('240');
  const [note, setNote] = useState('');
  const till = state.tills.find((t) => t.id === tillId);
  // What the chosen till holds of each product of the brands it sells, as the console last synced it.
  const products = till
    ? till.brandIds.flatMap((b) => {
        const brand = state.byBrand.get(b);
        return [...(brand?.products.values() ?? [])].map((p) => ({ brandId: b, sku: p.sku, label: `${p.name}${p.variant ? ` ${p.variant}` : ''} (${p.sku})`, held: brand!.stock.rights(tillHolder(till.id), p.sku) }));
      })
    : [];
  const tillName = (id: string) => state.tills.find((t) => t.id === id)?.name ?? id;
  const edit = (i: number, patch: Partial<Line>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!till) return;
    const body = {
      tillId: till.id,
      lines: lines.map((l) => {
        const p = products.find((x) => `${x.brandId}/${x.sku}` === l.item);
        return { brandId: p?.brandId ?? '', sku: p?.sku ?? '', qty: Number(l.qty) };
      }),
      expiresInMinutes: Number(minutes),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    const units = body.lines.reduce((a, l) => a + l.qty, 0);
    const r = await act(() => api.post(ev('/stock/returns'), body), `Asked ${till.name} for ${units} unit(s) back: it hands them to the reserve when it is online`);
    if (r) {
      setLines([{ item: '', qty: '1' }]);
      setNote('');
      reload();
    }
  };
  return (
    <section className="card" aria-label="Stock back from a till">
      <h2>Take stock back from a till</h2>
      <p className="muted">
        A till's stock is spent only by the till, so it hands the units back itself: at once if it is online, else when it next connects, from what it has left then (never
        what is in a cart). Until then it can still sell them.
      </p>
      <form onSubmit={(e) => void submit(e)} className="stack" aria-label="Ask a till for stock back">
        <label>
          Till
          <select value={tillId} onChange={(e) => setTillId(e.target.value)} required>
            <option value="">Choose…</option>
            {state.tills.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        {lines.map((l, i) => (
          <div key={i} className="form-grid return-form">
            <label className="wide">
              Product, line {i + 1}
              <select value={l.item} onChange={(e) => edit(i, { item: e.target.value })} required disabled={!till}>
                <option value="">Choose…</option>
                {products.map((p) => (
                  <option key={`${p.brandId}/${p.sku}`} value={`${p.brandId}/${p.sku}`}>
                    {p.label}: the till holds {p.held}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Units back, line {i + 1}
              <input type="number" min={1} step={1} value={l.qty} onChange={(e) => edit(i, { qty: e.target.value })} required />
            </label>
            {lines.length > 1 && (
              <button type="button" className="ghost" aria-label={`Remove line ${i + 1}`} onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
          </div>
        ))}
        <div className="form-grid return-form">
          <button type="button" onClick={() => setLines([...lines, { item: '', qty: '1' }])} disabled={!till}>
            Add a line
          </button>
          <label>
            The till hands back for (minutes)
            <input type="number" min={1} max={10080} step={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} required />
          </label>
          <label>
            Note for the till (optional)
            <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} placeholder="end of day" />
          </label>
          <button type="submit" className="primary" disabled={!till}>
            Ask for the stock back
          </button>
        </div>
      </form>
      <div className="table-scroll return-list">
        <table aria-label="Stock asked back">
          <thead>
            <tr>
              <th>Till</th>
              <th>Products</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {returns.map((r) => (
              <tr key={r.request.id}>
                <th scope="row">{tillName(r.tillId)}</th>
                <td>{r.lines.map((l) => `${l.returned} of ${l.qty} × ${l.sku} back`).join(', ')}</td>
                <td className={r.state === 'expired' ? 'muted' : undefined}>
                  {STATE_TEXT[r.state]}
                  {r.request.note ? ` · ${r.request.note}` : ''}
                </td>
              </tr>
            ))}
            {returns.length === 0 && (
              <tr>
                <td colSpan={3} className="muted">
                  No stock asked back yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
