import { useState } from 'react';
import { createPortal } from 'react-dom';
import { toTagged } from '../../../core/base/errors.ts';
import type { EventConfig } from '../../../core/event/event.ts';
import { PAYMENT_METHODS } from '../../../core/selling/sale.ts';
import { percent, zonedDateTime, zonedTime, zReportProblems, zReportText, type ZReport } from '../../../core/reports/z-report.ts';
import { downloadCsv } from '../app/day-store.ts';
import { printZReport } from '../platform/desktop.ts';

const METHOD_LABEL: Record<string, string> = { cash: 'Cash', card: 'Card', other: 'Other' };

/**
 * The Z report on screen, with Print (the 42-column text of core/reports/z-report.ts, which the print stylesheet
 * prints alone; in the desktop app, the till's receipt printer) and Download CSV. A discrepancy is shown in
 * red, with whether the drawer is short or over.
 */
export function ZReportView({ report: r, config, money, nameOf }: { report: ZReport; config: EventConfig; money: (n: number) => string; nameOf: (id: string) => string }) {
  const problems = zReportProblems(r);
  const [printed, setPrinted] = useState<{ error: boolean; text: string } | undefined>();
  const print = () =>
    printZReport(zReportText(r, config)).then(
      (out) => setPrinted(out.via === 'printer' ? { error: Boolean(out.warning), text: out.warning ?? `Printed on ${out.printer}` } : undefined),
      (err: unknown) => setPrinted({ error: true, text: `The Z report did not print: ${toTagged(err).message}` }),
    );
  const d = r.cash.discrepancy;
  const sameDay = zonedDateTime(r.openedAt, r.timeZone).slice(0, 10) === zonedDateTime(r.closedAt, r.timeZone).slice(0, 10);
  return (
    <section className="zreport" aria-label="Z report">
      <div className="zreport-head">
        <div>
          <h2>Z report</h2>
          <p className="muted">
            {r.eventName} · till {r.tillId} · {r.date} · {zonedTime(r.openedAt, r.timeZone)}–{sameDay ? zonedTime(r.closedAt, r.timeZone) : zonedDateTime(r.closedAt, r.timeZone)} ({r.timeZone}) · opened by {nameOf(r.openedBy)}, closed by {nameOf(r.closedBy)}
            {r.approvedBy && <> · discrepancy approved by {nameOf(r.approvedBy)}</>}
          </p>
        </div>
        <div className="actions">
          <button onClick={() => void print()}>Print</button>
          <button onClick={() => downloadCsv(r)}>Download CSV</button>
        </div>
      </div>
      {printed && (
        <p role={printed.error ? 'alert' : 'status'} className={printed.error ? 'error banner' : 'banner info'}>
          {printed.text}
        </p>
      )}
      {problems.length > 0 && (
        <p role="alert" className="error banner">
          This report does not add up: {problems.join('; ')}
        </p>
      )}
      <div className="zgrid">
        <section className="card" aria-label="Cash drawer">
          <h3>Cash drawer</h3>
          <dl className="figures">
            <dt>Float</dt>
            <dd>{money(r.cash.float)}</dd>
            <dt>+ Cash sales</dt>
            <dd>{money(r.cash.sales)}</dd>
            <dt>− Cash refunds</dt>
            <dd>{money(r.cash.refunds)}</dd>
            <dt>+ Cash in</dt>
            <dd>{money(r.cash.cashIn)}</dd>
            <dt>− Cash out</dt>
            <dd>{money(r.cash.cashOut)}</dd>
            <dt className="strong">Expected cash</dt>
            <dd className="strong" aria-label="Expected cash">
              {money(r.cash.expected)}
            </dd>
            <dt className="strong">Counted cash</dt>
            <dd className="strong" aria-label="Counted cash">
              {money(r.cash.counted)}
            </dd>
            <dt className={d === 0 ? 'strong' : 'strong discrepancy'}>Discrepancy</dt>
            <dd className={d === 0 ? 'strong ok' : 'strong discrepancy'} aria-label="Discrepancy">
              {d > 0 ? '+' : ''}
              {money(d)}
              {d !== 0 && <small> {d < 0 ? 'short' : 'over'}</small>}
            </dd>
          </dl>
        </section>

        <section className="card" aria-label="Sales">
          <h3>Sales</h3>
          <dl className="figures">
            <dt>Transactions</dt>
            <dd>{r.sales.transactions}</dd>
            <dt>Units</dt>
            <dd>{r.sales.units}</dd>
            <dt>Gross (incl. tax)</dt>
            <dd>{money(r.sales.gross)}</dd>
            <dt>Discounts given</dt>
            <dd>{money(r.sales.discount)}</dd>
            <dt>Net (excl. tax)</dt>
            <dd>{money(r.sales.net)}</dd>
            <dt>Tax</dt>
            <dd>{money(r.sales.tax)}</dd>
            <dt>Refunds</dt>
            <dd>{money(-r.refunds.total)}</dd>
            <dt className="strong">Net takings</dt>
            <dd className="strong">{money(r.netTakings)}</dd>
          </dl>
        </section>

        <section className="card" aria-label="Payments">
          <h3>Payments</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Sales</th>
                <th scope="col">Refunds</th>
              </tr>
            </thead>
            <tbody>
              {PAYMENT_METHODS.map((m) => (
                <tr key={m}>
                  <th scope="row">{METHOD_LABEL[m] ?? m}</th>
                  <td>{money(r.payments.sales[m])}</td>
                  <td>{money(r.payments.refunds[m])}</td>
                </tr>
              ))}
              <tr className="total">
                <th scope="row">Total</th>
                <td>{money(r.sales.gross)}</td>
                <td>{money(r.refunds.total)}</td>
              </tr>
            </tbody>
          </table>
          <p className="muted small">
            Cash tendered {money(r.payments.cashTendered)}, change given {money(r.payments.changeGiven)}
          </p>
        </section>

        <section className="card" aria-label="Tax by rate">
          <h3>Tax by rate</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Rate</th>
                <th scope="col">Net</th>
                <th scope="col">Tax</th>
                <th scope="col">Gross</th>
              </tr>
            </thead>
            <tbody>
              {r.taxByRate.map((t) => (
                <tr key={t.rateBp}>
                  <th scope="row">{percent(t.rateBp)}</th>
                  <td>{money(t.net)}</td>
                  <td>{money(t.tax)}</td>
                  <td>{money(t.gross)}</td>
                </tr>
              ))}
              {r.taxByRate.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted">
                    No sales
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </section>

        <section className="card" aria-label="Discounts by tier">
          <h3>Discounts by tier</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Units</th>
                <th scope="col">Discount</th>
              </tr>
            </thead>
            <tbody>
              {r.discountsByTier.map((t) => (
                <tr key={t.tierId ?? ''}>
                  <th scope="row">{t.label}</th>
                  <td>{t.units}</td>
                  <td>{money(t.amount)}</td>
                </tr>
              ))}
              {r.discountsByTier.length === 0 && (
                <tr>
                  <td colSpan={3} className="muted">
                    No sales
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <table aria-label="Discounts by name">
            <thead>
              <tr>
                <th scope="col">Discount</th>
                <th scope="col">Amount</th>
              </tr>
            </thead>
            <tbody>
              {r.discountsByName.map((d) => (
                <tr key={`${d.kind}/${d.name}`}>
                  <th scope="row">{d.name}</th>
                  <td>{money(d.amount)}</td>
                </tr>
              ))}
              {r.discountsByName.length === 0 && (
                <tr>
                  <td colSpan={2} className="muted">
                    No discounts
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </section>

        <section className="card" aria-label="Refunds">
          <h3>Refunds</h3>
          <dl className="figures">
            <dt>Refunds</dt>
            <dd>{r.refunds.count}</dd>
            <dt>Units</dt>
            <dd>{r.refunds.units}</dd>
            {r.refunds.byReason.map((x) => (
              <FigureRow key={x.reason} label={`${x.label} × ${x.units}`} value={money(x.amount)} />
            ))}
            <dt className="strong">Total</dt>
            <dd className="strong">{money(r.refunds.total)}</dd>
          </dl>
        </section>

        <section className="card" aria-label="Exceptions">
          <h3>Exceptions</h3>
          <dl className="figures">
            <dt>Sold beyond stock (manager)</dt>
            <dd>{r.overrides.length}</dd>
            {r.overrides.map((o) => (
              <FigureRow key={`${o.saleId}/${o.sku}`} label={`${o.receiptNumber} · ${o.sku}`} value={`+${o.shortfall} · ${nameOf(o.managerId)}`} />
            ))}
            <dt>Voids</dt>
            <dd aria-label="Voids">
              {r.voids.count}
              {r.voids.count > 0 && <> · {money(r.voids.total)}</>}
            </dd>
          </dl>
        </section>
      </div>
      {createPortal(<pre className="z-print">{zReportText(r, config)}</pre>, document.body)}
    </section>
  );
}

function FigureRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt className="sub">{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
