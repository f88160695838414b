import { useCallback, useEffect, useState } from 'react';
import { formatMoney } from '../../../../core/base/money.ts';
import { zonedDateTime } from '../../../../core/reports/z-report.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import type { FulfilmentOrder } from '../../sync/orders-client.ts';

/**
 * Online orders by the location that fulfils them (routed to the nearest hub or pick-up point holding the
 * stock), re-read every 5 s and after each status change; the organiser can advance a status like the hub's
 * staff do from their till.
 */
export function OrdersTab() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [all, setAll] = useState(false);
  const [orders, setOrders] = useState<FulfilmentOrder[] | undefined>();
  const places = (state?.locations ?? []).filter((l) => l.kind === 'hub' || l.kind === 'pickup' || l.kind === 'reserve' || l.kind === 'online');
  const placeKey = places.map((p) => p.id).join(',');
  const load = useCallback(async () => {
    const lists = await Promise.all(
      placeKey
        .split(',')
        .filter(Boolean)
        .map((id) => api.get<{ orders: FulfilmentOrder[] }>(ev(`/locations/${encodeURIComponent(id)}/orders?state=${all ? 'all' : 'open'}`)).then((r) => r.orders)),
    );
    setOrders(lists.flat().sort((a, b) => b.createdAt - a.createdAt));
  }, [api, placeKey, all]);
  useEffect(() => {
    void load().catch(() => undefined);
    const t = setInterval(() => void load().catch(() => undefined), 5000);
    return () => clearInterval(t);
  }, [load]);
  if (!state?.config) return null;
  const { currency, locale, timeZone } = state.config;
  const place = (id: string | null) => (id ? (state.locations.find((l) => l.id === id)?.name ?? id) : '—');
  const advance = async (o: FulfilmentOrder, status: string) => {
    await act(() => api.post(ev(`/orders/${encodeURIComponent(o.orderId)}/status`), { status }), `Order ${o.receiptNumber} is ${status}`);
    await load();
  };
  return (
    <section className="card" aria-label="Online orders">
      <div className="card-head">
        <h2>Online orders {orders && <span className="muted">({orders.length})</span>}</h2>
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Include collected and delivered
        </label>
      </div>
      {!orders ? (
        <p className="muted">Loading…</p>
      ) : orders.length === 0 ? (
        <p className="muted">No open online orders.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Placed ({timeZone})</th>
              <th>Items</th>
              <th className="num">Total</th>
              <th>Fulfilled from</th>
              <th>How</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.orderId}>
                <td>{o.receiptNumber}</td>
                <td>{zonedDateTime(o.createdAt, timeZone)}</td>
                <td>{o.lines.map((l) => `${l.qty} × ${l.name}`).join(', ')}</td>
                <td className="num">{formatMoney(o.total, o.currency || currency, locale)}</td>
                <td>
                  {place(o.routedTo)}
                  {o.distanceKm != null && <span className="muted"> ({o.distanceKm.toFixed(1)} km)</span>}
                </td>
                <td>{o.fulfilment ? (o.fulfilment.type === 'pickup' ? `pick-up at ${place(o.fulfilment.locationId ?? null)}` : 'shipping') : '—'}</td>
                <td>{o.status}</td>
                <td>
                  {o.next[0] && (
                    <button type="button" className="ghost" onClick={() => void advance(o, o.next[0]!)} aria-label={`Mark ${o.receiptNumber} ${o.next[0]}`}>
                      Mark {o.next[0]}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
