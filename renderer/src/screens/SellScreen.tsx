import { useCallback, useEffect, useState } from 'react';
import { formatMoney } from '../../../core/base/money.ts';
import { allowOversell, askForMore, openAudit, openRefund, scan, signOut, usePos } from '../app/pos-store.ts';
import { leaveDayClose, loadShift, showDayClose, useDay } from '../app/day-store.ts';
import { OpenShiftForm } from './OpenShiftForm.tsx';
import { DayClose } from './DayClose.tsx';
import { ManagerApproval } from './ManagerApproval.tsx';
import { AuditPanel } from './AuditPanel.tsx';
import { useScanner } from '../app/use-scanner.ts';
import { CartPanel } from './CartPanel.tsx';
import { DropBanner } from './DropBanner.tsx';
import { OnlineOrdersButton } from './OrdersPanel.tsx';
import { LiveQaButton } from './QaPanel.tsx';
import { ParkedSales } from './ParkedSales.tsx';
import { ProductGrid } from './ProductGrid.tsx';
import { RefundPanel } from './RefundPanel.tsx';
import { RecentSales } from './RecentSales.tsx';
import { StatusBar } from './StatusBar.tsx';
import { StockAlerts } from './StockAlerts.tsx';
import './sell-phone.css';

export function SellScreen() {
  const store = usePos((s) => s.store);
  const message = usePos((s) => s.message);
  const refunding = usePos((s) => s.refunding);
  const auditing = usePos((s) => s.auditing);
  const shortOf = usePos((s) => s.shortOf);
  const cashier = usePos((s) => s.cashier);
  const [approving, setApproving] = useState(false);
  const closingDay = useDay((s) => s.showing);
  const shiftKnown = useDay((s) => s.known);
  const shiftOpen = useDay((s) => Boolean(s.shift));
  const dayError = useDay((s) => s.error);
  useEffect(() => {
    if (store) void loadShift();
  }, [store]);
  // While the day-close screen is up, or no shift is open, the scanner does not fill a cart nobody can see.
  useScanner(
    useCallback((code: string) => {
      const day = useDay.getState();
      if (!day.showing && day.shift) scan(code);
    }, []),
  );
  const config = store?.config();
  if (!store || !config) return null;
  const money = (n: number) => formatMoney(n, config.currency, config.locale);
  return (
    <div className="sell">
      <header className="topbar">
        <div className="event">
          <strong>{config.name}</strong>
          <span className="till">{store.profile?.tillId}</span>
        </div>
        <button
          className="ghost light"
          disabled={!shiftOpen}
          onClick={() => {
            leaveDayClose();
            openRefund();
          }}
        >
          Refund
        </button>
        <button
          className="ghost light"
          disabled={!shiftOpen}
          onClick={() => {
            leaveDayClose();
            openAudit();
          }}
        >
          Audit
        </button>
        <button className="ghost light" onClick={() => void showDayClose()}>
          Close day
        </button>
        <OnlineOrdersButton />
        <LiveQaButton />
        <DropBanner config={config} />
        <StatusBar />
        {cashier && (
          <button className="ghost light signout" onClick={() => void signOut()} title="Sign out">
            {cashier.name} · Sign out
          </button>
        )}
      </header>
      {!closingDay && !shiftKnown && (
        <main className="catalog" aria-busy="true">
          <p className="muted">Reading the shift…</p>
        </main>
      )}
      {/* Selling needs an open shift: a sale outside every shift would be in no Z report. */}
      {!closingDay && shiftKnown && !shiftOpen && (
        <section className="dayclose shift-gate" aria-label="Start of shift">
          {dayError && (
            <p role="alert" className="error banner">
              {dayError.charAt(0).toUpperCase() + dayError.slice(1)}
            </p>
          )}
          <OpenShiftForm money={money} intro="Selling needs an open shift, so that every sale is in a Z report. Count the cash you put in the drawer, then open the shift." />
        </section>
      )}
      <main className="catalog" hidden={closingDay || !shiftOpen}>
        <StockAlerts />
        {message && (
          <p role="alert" className={message.kind === 'error' ? 'error banner' : 'info banner'}>
            {message.text}
          </p>
        )}
        {shortOf && !approving && (
          <div className="banner-actions">
            {store.profile?.serverUrl && (
              <button className="banner-action" onClick={() => void askForMore()}>
                Ask the reserve for more
              </button>
            )}
            <button className="banner-action" onClick={() => setApproving(true)}>
              Sell beyond stock (manager)
            </button>
          </div>
        )}
        {shortOf && approving && (
          <ManagerApproval
            what="Selling beyond this till's stock is recorded as an oversell exception for the organiser."
            onApproved={(m) => {
              setApproving(false);
              allowOversell(m);
            }}
            onCancel={() => setApproving(false)}
          />
        )}
        <ProductGrid money={money} />
      </main>
      <aside className="side" hidden={closingDay || !shiftOpen}>
        <ParkedSales money={money} />
        {auditing ? <AuditPanel money={money} /> : refunding ? <RefundPanel money={money} /> : <CartPanel money={money} />}
        <RecentSales money={money} />
      </aside>
      {closingDay && <DayClose money={money} />}
    </div>
  );
}
