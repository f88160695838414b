import { useMemo, useState } from 'react';
import { formatMoney } from '../../../../core/base/money.ts';
import { reconcile, settle, settlementCsv, settlementDiscountsCsv, settlementText, type BrandStatement, type SettlementFigures } from '../../../../core/reports/settlement.ts';
import { useEventState } from '../console-store.ts';
import { download } from '../csv-download.ts';
import { allRefunds, allSales, closedShiftReports, openShifts } from '../derive.ts';
import { FIGURE_DEFINITIONS, FIGURE_LABELS } from '../../../../core/reports/figures.ts';
import { CsvCardHead } from './CsvCardHead.tsx';
import { DiscountTable } from './DiscountTable.tsx';

const MEASURES: Record<string, string> = {
  gross: FIGURE_LABELS.gross,
  salesTax: FIGURE_LABELS.salesTax,
  discounts: FIGURE_LABELS.discounts,
  refunds: FIGURE_LABELS.refunds,
  refundTax: FIGURE_LABELS.refundTax,
  netTakings: 'Net takings (gross − refunds)',
};

/**
 * Settlement with the brands: one statement per brand (the whole event and each day, in the event's time
 * zone), exported as CSV or printed, and proven against the tills' Z reports: the statements' till takings
 * must equal the Z reports' to the cent, or the differences and the sales no Z report covers are shown.
 */
export function SettlementTab() {
  const state = useEventState();
  const [open, setOpen] = useState<string | undefined>();
  const result = useMemo(() => {
    if (!state?.config) return undefined;
    const sales = allSales(state);
    const refunds = allRefunds(state);
    const statements = settle({ config: state.config, brands: state.brands, sales, refunds });
    const zReports = closedShiftReports(state);
    return { statements, zReports, rec: reconcile(statements, zReports, { sales, refunds }, openShifts(state)) };
  }, [state]);
  if (!state?.config || !result) return <p className="muted">Waiting for the event's documents…</p>;
  const { currency, locale } = state.config;
  const money = (m: number) => formatMoney(m, currency, locale);
  const { statements, zReports, rec } = result;
  const KEYS = ['sales', 'gross', 'refunds', 'netSales', 'tax', 'commission', 'boothFee', 'payout'] as const;
  const totals = Object.fromEntries(KEYS.map((k) => [k, statements.reduce((a, s) => a + s.event[k], 0)])) as Record<(typeof KEYS)[number], number>;
  const tillName = (id: string) => state.tills.find((t) => t.id === id)?.name ?? id;
  const shown = statements.find((s) => s.brandId === open);
  return (
    <div className="settlement">
      <section className="card" aria-label="Statements">
        <CsvCardHead title="Statements by brand" onExport={() => download(`${state.config!.id}-settlement.csv`, settlementCsv(statements))} />
        <table>
          <thead>
            <tr>
              <th>Brand</th>
              <th className="num">Sales</th>
              <th className="num" title={FIGURE_DEFINITIONS.gross}>{FIGURE_LABELS.gross}</th>
              <th className="num" title={FIGURE_DEFINITIONS.refunds}>{FIGURE_LABELS.refunds}</th>
              <th className="num" title={FIGURE_DEFINITIONS.netSales}>{FIGURE_LABELS.netSales}</th>
              <th className="num" title={FIGURE_DEFINITIONS.tax}>{FIGURE_LABELS.tax}</th>
              <th className="num">Commission</th>
              <th className="num">Booth fee</th>
              <th className="num">Payout</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {statements.map((s) => (
              <tr key={s.brandId}>
                <th scope="row">{s.brandName}</th>
                <td className="num">{s.event.sales}</td>
                <td className="num">{money(s.event.gross)}</td>
                <td className="num">{money(s.event.refunds)}</td>
                <td className="num">{money(s.event.netSales)}</td>
                <td className="num">{money(s.event.tax)}</td>
                <td className="num">{money(s.event.commission)}</td>
                <td className="num">{money(s.event.boothFee)}</td>
                <td className={`num ${s.event.payout < 0 ? 'error' : ''}`}>{money(s.event.payout)}</td>
                <td>
                  <button type="button" className="ghost no-print" aria-label={`Statement for ${s.brandName}`} onClick={() => setOpen(open === s.brandId ? undefined : s.brandId)}>
                    {open === s.brandId ? 'Hide' : 'Statement'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All brands</th>
              <td className="num">{totals.sales}</td>
              <td className="num">{money(totals.gross)}</td>
              <td className="num">{money(totals.refunds)}</td>
              <td className="num">{money(totals.netSales)}</td>
              <td className="num">{money(totals.tax)}</td>
              <td className="num">{money(totals.commission)}</td>
              <td className="num">{money(totals.boothFee)}</td>
              <td className="num">{money(totals.payout)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      </section>
      {shown && <Statement s={shown} money={money} config={state.config} />}
      {shown && (
        <DiscountTable
          title={`${shown.brandName}: discounts by name`}
          rows={shown.discountsByName}
          money={money}
          onExport={() => download(`${shown.eventId}-${shown.brandId}-discounts.csv`, settlementDiscountsCsv([shown]))}
        />
      )}
      <section className="card" aria-label="Reconciliation with Z reports">
        <h2>Reconciliation with the tills' Z reports</h2>
        <p role="status" className={zReports.length === 0 || rec.ok ? 'ok-text' : 'error'}>
          {zReports.length === 0
            ? 'No till has closed a shift yet: nothing to reconcile.'
            : rec.ok
              ? `Settlement matches the ${zReports.length} closed shift(s) to the cent.`
              : `Settlement and the ${zReports.length} closed shift(s) differ: see below.`}
        </p>
        {rec.open.length > 0 && (
          <div role="note" aria-label="Open shifts">
            <p className="muted">Shifts still open are not compared: their sales join the reconciliation when the till closes the shift and prints its Z report.</p>
            <ul>
              {rec.open.map((o) => (
                <li key={o.shiftId}>
                  {tillName(o.tillId)}: open since {new Date(o.openedAt).toLocaleString(locale, { timeZone: state.config!.timeZone })}, {o.sales} sale(s), {o.refunds} refund(s), {money(o.gross)} so far
                </li>
              ))}
            </ul>
          </div>
        )}
        <table>
          <thead>
            <tr>
              <th>Measure (till sales of closed shifts)</th>
              <th className="num">Statements</th>
              <th className="num">Z reports</th>
              <th className="num">Difference</th>
            </tr>
          </thead>
          <tbody>
            {rec.rows.map((r) => (
              <tr key={r.measure}>
                <th scope="row">{MEASURES[r.measure]}</th>
                <td className="num">{money(r.settlement)}</td>
                <td className="num">{money(r.zReports)}</td>
                <td className={`num ${r.difference ? 'error' : ''}`}>{money(r.difference)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(rec.uncovered.sales.length > 0 || rec.uncovered.refunds.length > 0) && (
          <p className="muted">
            {rec.uncovered.sales.length} sale(s) and {rec.uncovered.refunds.length} refund(s) were made outside every shift of their till: they are in the statements but in no Z
            report, which is the difference above.
          </p>
        )}
        {rec.overlapping.length > 0 && <p className="error">Overlapping shifts on one till: {rec.overlapping.join(', ')}</p>}
      </section>
    </div>
  );
}

function Statement({ s, money, config }: { s: BrandStatement; money: (m: number) => string; config: { currency: string; locale: string } }) {
  const periods: [string, SettlementFigures][] = [['Whole event', s.event], ...s.days.map((d) => [d.date, d] as [string, SettlementFigures])];
  const print = () => {
    const w = window.open('', '_blank');
    if (!w) return;
    w.document.title = `Settlement — ${s.brandName}`;
    const pre = w.document.createElement('pre');
    pre.textContent = settlementText(s, config);
    w.document.body.append(pre);
    w.print();
  };
  return (
    <section className="card" aria-label={`Statement for ${s.brandName}`}>
      <div className="card-head">
        <h2>
          {s.brandName}: statement ({s.timeZone})
        </h2>
        <span className="no-print">
          <button type="button" className="ghost" onClick={() => download(`${s.eventId}-${s.brandId}-statement.txt`, settlementText(s, config), 'text/plain;charset=utf-8')}>
            Download
          </button>{' '}
          <button type="button" className="ghost" onClick={print}>
            Print
          </button>
        </span>
      </div>
      <table>
        <thead>
          <tr>
            <th>Period</th>
            <th className="num">Gross</th>
            <th className="num">Discounts</th>
            <th className="num">Refunds</th>
            <th className="num">Net sales</th>
            <th className="num">Commission base</th>
            <th className="num">Commission</th>
            <th className="num">Booth fee</th>
            <th className="num">Payout</th>
          </tr>
        </thead>
        <tbody>
          {periods.map(([label, f]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{money(f.gross)}</td>
              <td className="num">{money(f.discounts)}</td>
              <td className="num">{money(f.refunds)}</td>
              <td className="num">{money(f.netSales)}</td>
              <td className="num">{money(f.commissionBase)}</td>
              <td className="num">{money(f.commission)}</td>
              <td className="num">{money(f.boothFee)}</td>
              <td className="num">{money(f.payout)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
