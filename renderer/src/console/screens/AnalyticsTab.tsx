import { useEffect, useState } from 'react';
import { formatMoney } from '../../../../core/base/money.ts';
import type { RetentionReport } from '../../../../core/ledger/retention.ts';
import { explain, ev, useConsole, useEventState } from '../console-store.ts';

const pct = (bp: number | null) => (bp === null ? '—' : `${(bp / 100).toFixed(1)} %`);

/**
 * Post-drop analytics (core/ledger/retention.ts, computed by the server across every event it holds that shares the
 * drop's brands): new and returning buyers, 30/60/90-day retention of the drop's new buyers, their LTV against
 * the brands' other buyers, and conversion per creator link.
 */
export function AnalyticsTab() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [report, setReport] = useState<RetentionReport | undefined>();
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .get<RetentionReport>(ev('/analytics'))
      .then((r) => live && setReport(r))
      .catch((err: unknown) => live && explain(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [api]);
  if (!state?.config) return null;
  const money = (m: number) => formatMoney(m, state.config!.currency, state.config!.locale);
  if (loading && !report) return <p className="muted">Computing the analytics…</p>;
  if (!report) return null;
  return (
    <div className="analytics">
      <section className="kpis" aria-label="Buyers">
        <div className="kpi">
          <div className="label">Buyers (consented)</div>
          <div className="value">{report.buyers}</div>
        </div>
        <div className="kpi">
          <div className="label">New buyers</div>
          <div className="value">{report.newBuyers}</div>
        </div>
        <div className="kpi">
          <div className="label">Returning buyers</div>
          <div className="value">{report.returningBuyers}</div>
        </div>
        <div className="kpi">
          <div className="label">Anonymous sales</div>
          <div className="value">{report.anonymousSales}</div>
        </div>
        <div className="kpi">
          <div className="label">LTV uplift of new buyers</div>
          <div className="value">{pct(report.ltv.upliftBp)}</div>
        </div>
      </section>
      <section className="card" aria-label="Retention">
        <h2>Retention of the drop's new buyers</h2>
        <table>
          <thead>
            <tr>
              <th>Window</th>
              <th className="num">New buyers past the window</th>
              <th className="num">Bought again</th>
              <th className="num">Retention</th>
            </tr>
          </thead>
          <tbody>
            {report.cohort.map((c) => (
              <tr key={c.days}>
                <th scope="row">{c.days} days</th>
                <td className="num">{c.eligible}</td>
                <td className="num">{c.retained}</td>
                <td className="num">{pct(c.rateBp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="Lifetime value">
        <h2>Lifetime value</h2>
        <table>
          <thead>
            <tr>
              <th>Buyers</th>
              <th className="num">Count</th>
              <th className="num">Spend</th>
              <th className="num">Per buyer</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ["The drop's new buyers", report.ltv.newBuyers],
                ["The brands' other buyers", report.ltv.otherBuyers],
              ] as const
            ).map(([label, g]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td className="num">{g.buyers}</td>
                <td className="num">{money(g.spend)}</td>
                <td className="num">{money(g.perBuyer)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="Conversion by source">
        <h2>Conversion by creator link</h2>
        <table>
          <thead>
            <tr>
              <th>Source</th>
              <th className="num">Clicks</th>
              <th className="num">Orders</th>
              <th className="num">Conversion</th>
            </tr>
          </thead>
          <tbody>
            {report.conversion.map((r) => (
              <tr key={r.source}>
                <th scope="row">{r.source}</th>
                <td className="num">{r.clicks}</td>
                <td className="num">{r.orders}</td>
                <td className="num">{pct(r.conversionBp)}</td>
              </tr>
            ))}
            {report.conversion.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No creator code was used yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </div>
  );
}
