import { useState } from 'react';
import { CASH_REASONS, type CashReason } from '../../../core/event/shift.ts';
import { zonedDateTime, zonedTime } from '../../../core/reports/z-report.ts';
import { approveClose, cancelApproval, countAndClose, leaveDayClose, recordCash, useDay } from '../app/day-store.ts';
import { usePos } from '../app/pos-store.ts';
import { DesktopTools } from './DesktopTools.tsx';
import { ManagerApproval } from './ManagerApproval.tsx';
import { OpenShiftForm } from './OpenShiftForm.tsx';
import { ZReportView } from './ZReportView.tsx';

/**
 * Shift and day close for this till: open a shift with the float, record cash put in or taken out, count
 * the drawer and close, then the Z report. The count is blind: the till's expected figure shows only once
 * the cashier has said what they counted. In the desktop app, a manager also opens the drawer (no sale) and
 * sets the printer and the LAN hub here (DesktopTools).
 */
export function DayClose({ money }: { money: (n: number) => string }) {
  const store = usePos((s) => s.store);
  const { loading, busy, shift, report, approval, error, notice } = useDay();
  const [cash, setCash] = useState('');
  const [reason, setReason] = useState<CashReason>('change-top-up');
  const [counted, setCounted] = useState('');
  const config = store?.config();
  if (!store || !config) return null;
  const nameOf = (id: string) => store.staff().find((m) => m.id === id)?.name ?? id;

  return (
    <section className="dayclose" aria-label="Close day">
      <div className="dayclose-head">
        <h1>Close day</h1>
        <button className="ghost" onClick={leaveDayClose}>
          Back to till
        </button>
      </div>
      {error && (
        <p role="alert" className="error banner">
          {error.charAt(0).toUpperCase() + error.slice(1)}
        </p>
      )}
      {loading ? (
        <p aria-busy="true">Reading the shift…</p>
      ) : report ? (
        <ZReportView report={report} config={config} money={money} nameOf={nameOf} />
      ) : !shift ? (
        <OpenShiftForm money={money} intro="Count the cash you put in the drawer to start, then open the shift." />
      ) : (
        <div className="shift-grid">
          <section className="card" aria-label="Shift">
            <h2>Shift open</h2>
            <dl className="facts">
              <dt>Since</dt>
              <dd>{zonedDateTime(shift.openedAt, config.timeZone)}</dd>
              <dt>Opened by</dt>
              <dd>{nameOf(shift.openedBy)}</dd>
              <dt>Float</dt>
              <dd>{money(shift.float)}</dd>
            </dl>
            {shift.movements.length > 0 && (
              <ul className="movements" aria-label="Cash movements">
                {shift.movements.map((m) => (
                  <li key={m.id}>
                    <span>
                      {zonedTime(m.wallTime, config.timeZone)} · {m.kind === 'cash-in' ? 'Cash in' : 'Cash out'} · {CASH_REASONS.find((r) => r.id === m.reason)?.label}
                    </span>
                    <span className="amount">{m.kind === 'cash-in' ? money(m.amount) : money(-m.amount)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <form
            className="card"
            aria-label="Cash in or out"
            onSubmit={(e) => e.preventDefault()}
          >
            <h2>Cash in or out</h2>
            <label>
              Amount
              <input inputMode="decimal" autoComplete="off" value={cash} placeholder={money(0)} onChange={(e) => setCash(e.target.value)} />
            </label>
            <label>
              Reason
              <select value={reason} onChange={(e) => setReason(e.target.value as CashReason)}>
                {CASH_REASONS.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.label}
                  </option>
                ))}
              </select>
            </label>
            {notice && (
              <p role="status" className="ok">
                {notice}
              </p>
            )}
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => void recordCash('cash-in', cash, reason).then(() => !useDay.getState().error && setCash(''))}>
                Cash in
              </button>
              <button type="button" disabled={busy} onClick={() => void recordCash('cash-out', cash, reason).then(() => !useDay.getState().error && setCash(''))}>
                Cash out
              </button>
            </div>
          </form>
          <section className="card" aria-label="Count cash">
            <h2>Count cash</h2>
            <p className="muted">Count every note and coin in the drawer, float included. The expected amount shows on the Z report.</p>
            <form
              className="count"
              onSubmit={(e) => {
                e.preventDefault();
                void countAndClose(counted);
              }}
            >
              <label>
                Counted cash
                <input inputMode="decimal" autoComplete="off" value={counted} placeholder={money(0)} onChange={(e) => setCounted(e.target.value)} />
              </label>
              {!approval && (
                <div className="actions">
                  <button type="submit" className="primary big" disabled={busy}>
                    Close shift
                  </button>
                </div>
              )}
            </form>
            {approval && <ManagerApproval what={approval.message} onApproved={(m) => void approveClose(m)} onCancel={cancelApproval} />}
          </section>
        </div>
      )}
      {!loading && !report && <DesktopTools />}
    </section>
  );
}
