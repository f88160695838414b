import { useMemo } from 'react';
import { thresholdOverride } from '../../../../core/event/event.ts';
import { pickListCsv, pickLists, pickListText, suggestRebalance, transferRequests, type Move } from '../../../../core/ledger/rebalance.ts';
import { requestStatuses, type RightsRequest } from '../../../../core/ledger/rights-request.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { download } from '../csv-download.ts';
import { allProducts } from '../derive.ts';

/**
 * Rebalancing suggestions over the live stock (core/ledger/rebalance.ts): which low tills and channels to top up
 * from the reserve and the nearest hubs, applied as transfers in one click, with the pick lists the runners
 * carry (CSV or printable).
 */
export function Rebalance() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const plan = useMemo(() => {
    if (!state) return { moves: [] as Move[], shortfalls: [] as { brandId: string; sku: string; holder: string; missing: number }[] };
    const thresholdFor = thresholdOverride(state.thresholds);
    const moves: Move[] = [];
    const shortfalls: { brandId: string; sku: string; holder: string; missing: number }[] = [];
    for (const b of state.byBrand.values()) {
      const p = suggestRebalance({ brandId: b.brandId, products: [...b.products.values()], tills: state.tills, locations: state.locations, stock: b.stock, thresholdFor });
      moves.push(...p.moves);
      shortfalls.push(...p.shortfalls);
    }
    return { moves, shortfalls };
  }, [state]);
  // Requests the server's automatic grant left open or partial (it grants up to policies.maxAutoGrantUnits).
  const waiting = useMemo(
    () => (state ? [...state.byBrand.values()].flatMap((b) => requestStatuses(b.requests, b.entries).filter((r) => r.state !== 'granted').map((status) => ({ brandId: b.brandId, status }))) : []),
    [state],
  );
  if (!state) return null;
  const grant = async (brandId: string, request: RightsRequest, qty: number) => {
    await act(async () => {
      await api.post(ev('/stock/transfer'), { from: 'reserve', to: request.holder, requestId: request.id, lines: [{ brandId, sku: request.sku, qty }] });
    }, `Granted ${qty} × ${request.sku} to ${request.holder}`);
  };
  const lists = pickLists(plan.moves, { products: allProducts(state), locations: state.locations, tills: state.tills });
  const apply = async () => {
    const requests = transferRequests(plan.moves);
    await act(async () => {
      for (const r of requests) await api.post(ev('/stock/transfer'), r);
    }, `Applied ${plan.moves.length} move(s) in ${requests.length} transfer(s): print the pick lists for the runners`);
  };
  return (
    <section className="card" aria-label="Rebalancing">
      <div className="card-head">
        <h2>Rebalancing suggestions</h2>
        <span className="no-print">
          <button type="button" className="ghost" disabled={lists.length === 0} onClick={() => download(`${state.config?.id ?? 'event'}-pick-lists.csv`, pickListCsv(lists))}>
            Pick lists CSV
          </button>{' '}
          <button type="button" className="ghost" disabled={lists.length === 0} onClick={() => download(`${state.config?.id ?? 'event'}-pick-lists.txt`, pickListText(lists), 'text/plain;charset=utf-8')}>
            Printable pick lists
          </button>{' '}
          <button type="button" className="primary" disabled={plan.moves.length === 0} onClick={() => void apply()}>
            Apply {plan.moves.length} move(s)
          </button>
        </span>
      </div>
      {plan.moves.length === 0 ? (
        <p className="muted">Every till and the online channel hold more than their low-stock threshold.</p>
      ) : (
        lists.map((l) => (
          <div key={l.fromLocationId}>
            <h3>
              From {l.fromName} <span className="muted">({l.units} units)</span>
            </h3>
            <table>
              <thead>
                <tr>
                  <th>Item</th>
                  <th>To</th>
                  <th className="num">Units</th>
                </tr>
              </thead>
              <tbody>
                {l.lines.map((x) => (
                  <tr key={`${x.to}/${x.brandId}/${x.sku}`}>
                    <td>
                      {x.label} <span className="muted">{x.sku}</span>
                    </td>
                    <td>{x.toName}</td>
                    <td className="num">{x.qty}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))
      )}
      {plan.shortfalls.length > 0 && (
        <p className="error">
          Not enough spare stock for: {plan.shortfalls.map((s) => `${s.sku} at ${s.holder} (${s.missing} short)`).join('; ')}. Receive more or move it from another till.
        </p>
      )}
      {waiting.length > 0 && (
        <>
          <h3>Requests waiting for you</h3>
          <p className="muted">The server grants a till's request automatically only up to the event's cap; the rest is yours to give.</p>
          <table aria-label="Rights requests waiting">
            <thead>
              <tr>
                <th>Item</th>
                <th>For</th>
                <th className="num">Asked</th>
                <th className="num">Granted</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {waiting.map(({ brandId, status: r }) => (
                <tr key={r.request.id}>
                  <td>{r.request.sku}</td>
                  <td>{r.request.holder}</td>
                  <td className="num">{r.request.qty}</td>
                  <td className="num">{r.granted}</td>
                  <td>
                    <button type="button" className="ghost" onClick={() => void grant(brandId, r.request, r.request.qty - r.granted)}>
                      Grant {r.request.qty - r.granted} from the reserve
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
