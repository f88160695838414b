import { useMemo, useRef } from 'react';
import type { ChartConfiguration } from 'chart.js';
import { dashboardCsv, type Dashboard, type DashboardRow, type DashboardTable } from '../../../../core/reports/dashboard.ts';
import { formatMoney, minorDigits } from '../../../../core/base/money.ts';
import { FIGURE_DEFINITIONS, FIGURE_LABELS } from '../../../../core/reports/figures.ts';
import { useEventState } from '../console-store.ts';
import { download } from '../csv-download.ts';
import { LiveDashboard } from '../live-dashboard.ts';
import { useCreators } from '../use-creators.ts';
import { ChartCanvas, PALETTE } from './ChartCanvas.tsx';
import { CsvCardHead } from './CsvCardHead.tsx';
import { DiscountTable } from './DiscountTable.tsx';

/**
 * The live dashboard: every figure is recomputed from the synced documents as sales arrive (within a second
 * of a sale anywhere), charts and tables side by side, each table downloadable as CSV.
 */
export function DashboardTab() {
  const state = useEventState();
  const live = useRef(new LiveDashboard());
  const { creators } = useCreators();
  const clicks = useMemo(() => Object.fromEntries(creators.map((c) => [c.code, c.clicks])), [creators]);
  const d = useMemo(() => (state ? live.current.update(state, clicks) : undefined), [state, clicks]);
  if (!state?.config || !d) return <p className="muted">Waiting for the event's documents…</p>;
  const { currency, locale } = state.config;
  const money = (m: number) => formatMoney(m, currency, locale);
  // Charts plot major units (a euro, not a cent) so their axes read like the tables.
  const major = (m: number) => m / 10 ** minorDigits(currency);
  return (
    <div className="dashboard">
      <section className="kpis" aria-label="Totals">
        <Kpi label={FIGURE_LABELS.netSales} value={money(d.totals.netSales)} hint={FIGURE_DEFINITIONS.netSales} />
        <Kpi label="Orders" value={d.totals.orders.toLocaleString(locale)} />
        <Kpi label="Units sold" value={d.totals.units.toLocaleString(locale)} />
        <Kpi label="Average order" value={money(d.totals.averageOrder)} />
        <Kpi label={FIGURE_LABELS.refunds} value={money(d.totals.refunded)} hint={FIGURE_DEFINITIONS.refunds} />
        <Kpi label={FIGURE_LABELS.tax} value={money(d.totals.tax)} hint={FIGURE_DEFINITIONS.tax} />
        <Kpi label={FIGURE_LABELS.discounts} value={money(d.totals.discount)} hint={FIGURE_DEFINITIONS.discounts} />
      </section>
      <div className="charts">
        <ChartCard title="Net sales by hour" label={`Net sales by hour (${state.config.timeZone})`} config={barConfig(d.byHour.map((r) => r.key.slice(11) + ':00'), d.byHour.map((r) => major(r.netSales)), 'Net sales')} />
        <ChartCard title="Net sales by brand" label="Net sales by brand" config={barConfig(d.byBrand.map((r) => r.label), d.byBrand.map((r) => major(r.netSales)), 'Net sales')} />
        <ChartCard title="Online and in person" label="Net sales online and in person" config={doughnut(d.byChannel, major)} />
        <ChartCard title="Discount tier uptake" label="Units by discount tier" config={barConfig(d.byTier.map((r) => r.label), d.byTier.map((r) => r.units), 'Units')} />
      </div>
      <FigureTable d={d} table="byBrand" title="By brand" money={money} />
      <FigureTable d={d} table="byLocation" title="By booth and location" money={money} />
      <FigureTable d={d} table="byTill" title="By till" money={money} />
      <FigureTable d={d} table="byHour" title={`By hour (${state.config.timeZone})`} money={money} />
      <FigureTable d={d} table="byTier" title="By discount tier" money={money} />
      <FigureTable d={d} table="bySource" title="By source and creator" money={money} />
      <FigureTable d={d} table="byChannel" title="Online and in person" money={money} />
      <DiscountTable title="Discounts by name" rows={d.byDiscount} money={money} onExport={() => exportTable(d, 'byDiscount')} />
      <HeroTable d={d} />
    </div>
  );
}

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="kpi" role="group" aria-label={label} title={hint}>
      <div className="label" aria-hidden="true">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}

function ChartCard({ title, label, config }: { title: string; label: string; config: ChartConfiguration }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      <ChartCanvas config={config} label={label} />
    </section>
  );
}

function barConfig(labels: string[], data: number[], series: string, type: 'bar' | 'line' = 'bar'): ChartConfiguration {
  return {
    type,
    data: { labels, datasets: [{ label: series, data, backgroundColor: PALETTE[0], borderColor: PALETTE[0] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  };
}

function doughnut(rows: readonly DashboardRow[], major: (m: number) => number): ChartConfiguration {
  return { type: 'doughnut', data: { labels: rows.map((r) => r.label), datasets: [{ data: rows.map((r) => major(r.netSales)), backgroundColor: PALETTE }] } };
}

function exportTable(d: Dashboard, table: DashboardTable): void {
  download(`${d.eventId}-${table}.csv`, dashboardCsv(d, table));
}

function FigureTable({ d, table, title, money }: { d: Dashboard; table: Exclude<DashboardTable, 'hero' | 'byDiscount'>; title: string; money: (m: number) => string }) {
  const rows = d[table] as DashboardRow[];
  const sources = table === 'bySource';
  return (
    <section className="card" aria-label={title}>
      <CsvCardHead title={title} onExport={() => exportTable(d, table)} />
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th />
              <th className="num">Orders</th>
              <th className="num">Units</th>
              <th className="num" title={FIGURE_DEFINITIONS.gross}>{FIGURE_LABELS.gross}</th>
              <th className="num" title={FIGURE_DEFINITIONS.refunds}>{FIGURE_LABELS.refunds}</th>
              <th className="num" title={FIGURE_DEFINITIONS.netSales}>{FIGURE_LABELS.netSales}</th>
              <th className="num">Average order</th>
              {sources && <th className="num">Clicks</th>}
              {sources && <th className="num">Conversion</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const s = r as DashboardRow & { clicks?: number | null; conversionBp?: number | null };
              return (
                <tr key={r.key}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.orders}</td>
                  <td className="num">{r.units}</td>
                  <td className="num">{money(r.gross)}</td>
                  <td className="num">{money(r.refunded)}</td>
                  <td className="num">{money(r.netSales)}</td>
                  <td className="num">{money(r.averageOrder)}</td>
                  {sources && <td className="num">{s.clicks ?? '—'}</td>}
                  {sources && <td className="num">{s.conversionBp == null ? '—' : `${(s.conversionBp / 100).toFixed(1)} %`}</td>}
                </tr>
              );
            })}
            {rows.length === 0 && (
              <tr>
                <td colSpan={sources ? 9 : 7} className="muted">
                  No sales yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function HeroTable({ d }: { d: Dashboard }) {
  return (
    <section className="card" aria-label="Hero items">
      <CsvCardHead title="Hero items: sell-through" name="Hero items" onExport={() => exportTable(d, 'hero')} />
      <table>
        <thead>
          <tr>
            <th>Item</th>
            <th className="num">Received</th>
            <th className="num">Sold</th>
            <th className="num">Returned</th>
            <th className="num">Sell-through</th>
          </tr>
        </thead>
        <tbody>
          {d.hero.map((h) => (
            <tr key={`${h.brandId}/${h.sku}`}>
              <th scope="row">{h.label}</th>
              <td className="num">{h.received}</td>
              <td className="num">{h.sold}</td>
              <td className="num">{h.returned}</td>
              <td className="num">{h.sellThroughBp === null ? '—' : `${(h.sellThroughBp / 100).toFixed(1)} %`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
