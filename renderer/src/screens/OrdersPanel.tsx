import { useCallback, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { formatMoney } from '../../../core/base/money.ts';
import { usePos } from '../app/pos-store.ts';
import { usePanelDialog, usePolling } from '../app/use-panel.ts';
import { advanceOrder, listOrders, OrdersOffline, type FulfilmentOrder, type OrderStatus, type OrdersConnection } from '../sync/orders-client.ts';
import './OrdersPanel.css';

/**
 * Online orders to fulfil at this till's location (a micro-hub or pick-up point): the storefront's orders the
 * server routed here, with one button for each order's next step. Hub staff pick, pack and hand over from
 * the till they already use. The list is read from the server every few seconds while open; offline, the
 * panel says so and keeps the last list without its buttons (a status change needs the server).
 */
const POLL_MS = 3000;

const ACTION: Record<OrderStatus, string> = {
  placed: 'Mark placed',
  allocated: 'Mark allocated',
  picked: 'Mark picked',
  ready: 'Mark ready',
  shipped: 'Mark shipped',
  collected: 'Mark collected',
  delivered: 'Mark delivered',
};
const STATUS_LABEL: Record<OrderStatus, string> = {
  placed: 'New',
  allocated: 'Allocated',
  picked: 'Picked',
  ready: 'Ready for pick-up',
  shipped: 'Shipped',
  collected: 'Collected',
  delivered: 'Delivered',
};

/** The "Online orders" button for the sell screen's top bar; shown only on a paired till. */
export function OnlineOrdersButton() {
  const store = usePos((s) => s.store);
  const [open, setOpen] = useState(false);
  const profile = store?.profile;
  if (!profile?.serverUrl || !profile.token) return null;
  return (
    <>
      <button className="ghost light" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Online orders
      </button>
      {/* A portal: the dialog belongs to the page, not to the top bar it is opened from (its colours, its flow). */}
      {open && createPortal(<OrdersPanel onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}

export function OrdersPanel({ onClose }: { onClose: () => void }) {
  const store = usePos((s) => s.store);
  const profile = store?.profile;
  const config = store?.config();
  const locationId = store?.tills().find((t) => t.id === profile?.tillId)?.locationId;
  const locationName = store?.locations().find((l) => l.id === locationId)?.name ?? locationId;
  const names = new Map((store?.locations() ?? []).map((l) => [l.id, l.name]));
  const conn: OrdersConnection | undefined = profile?.serverUrl && profile.token ? { serverUrl: profile.serverUrl, token: profile.token, eventId: profile.eventId } : undefined;
  const connKey = conn ? `${conn.serverUrl} ${conn.eventId}` : '';
  const [orders, setOrders] = useState<FulfilmentOrder[] | undefined>();
  const [offline, setOffline] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const dialog = usePanelDialog(onClose);
  const connRef = useRef(conn);
  connRef.current = conn;

  const refresh = useCallback(async () => {
    const c = connRef.current;
    if (!c || !locationId) return;
    try {
      setOrders(await listOrders(c, locationId));
      setOffline(false);
    } catch (err) {
      if (err instanceof OrdersOffline) setOffline(true);
      else setProblem(err instanceof Error ? err.message : String(err));
    }
  }, [locationId]);

  usePolling(refresh, POLL_MS, [connKey]);

  const advance = async (order: FulfilmentOrder, status: OrderStatus) => {
    if (!conn) return;
    setBusy(order.orderId);
    setProblem(undefined);
    try {
      const next = await advanceOrder(conn, order.orderId, status);
      setOrders((list) => list?.map((o) => (o.orderId === next.orderId ? next : o)));
      await refresh();
    } catch (err) {
      if (err instanceof OrdersOffline) setOffline(true);
      else setProblem(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };

  const money = (n: number, currency: string) => formatMoney(n, currency, config?.locale ?? 'en');
  return (
    <div className="orders-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="orders-panel" role="dialog" aria-modal="true" aria-labelledby="orders-title" tabIndex={-1} ref={dialog}>
        <header className="orders-head">
          <h2 id="orders-title">Online orders</h2>
          <span className="muted">{locationName ? `to fulfil at ${locationName}` : ''}</span>
          <button onClick={onClose}>Close</button>
        </header>
        {!locationId && <p className="banner error">This till has no location in the event yet: sync it, then try again.</p>}
        {offline && (
          <p role="status" className="banner orders-offline">
            Offline: the server cannot be reached. Orders show here again when it is back; a status change needs it.
          </p>
        )}
        {problem && (
          <p role="alert" className="banner error">
            {problem}
          </p>
        )}
        {orders === undefined && !offline && locationId && <p className="muted">Loading orders…</p>}
        {orders?.length === 0 && <p className="muted">No online orders to fulfil here.</p>}
        <ul className="orders-list" aria-label="Orders to fulfil">
          {orders?.map((o) => {
            const next = o.next[0];
            const collectAt = o.fulfilment?.type === 'pickup' && o.fulfilment.locationId ? (names.get(o.fulfilment.locationId) ?? o.fulfilment.locationId) : undefined;
            return (
              <li key={o.orderId} className="orders-item" aria-label={`Order ${o.receiptNumber}`}>
                <div className="orders-item-head">
                  <strong>{o.receiptNumber}</strong>
                  <span className={`orders-status s-${o.status}`}>{STATUS_LABEL[o.status]}</span>
                  <span className="muted">
                    {o.fulfilment?.type === 'ship' ? 'Ship to customer' : collectAt ? `Collect at ${collectAt}` : o.fulfilment?.type === 'pickup' ? 'Collect here' : 'No delivery chosen'}
                  </span>
                  <span className="muted">{new Date(o.createdAt).toLocaleTimeString(config?.locale, { hour: '2-digit', minute: '2-digit', timeZone: config?.timeZone })}</span>
                  <span className="orders-total">{money(o.total, o.currency)}</span>
                </div>
                <ul className="orders-lines">
                  {o.lines.map((l) => (
                    <li key={`${l.brandId}/${l.sku}`}>
                      <span className="orders-qty">{l.qty} ×</span> {l.name} <span className="muted">{l.sku}</span>
                    </li>
                  ))}
                </ul>
                {next && (
                  <button className="primary" disabled={offline || busy === o.orderId} onClick={() => void advance(o, next)}>
                    {ACTION[next]}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
