import type { DiscountFigure } from '../../../../core/reports/figures.ts';
import { CsvCardHead } from './CsvCardHead.tsx';

/** What each kind of discount is, in the organiser's words (the names come from core/selling/discount-names.ts). */
const KIND_LABEL: Record<DiscountFigure['kind'], string> = {
  tier: 'Drop tier',
  'price-change': 'Manager’s price',
  line: 'Cashier, on a line',
  cart: 'Cashier, whole sale',
  coupon: 'Coupon',
};

/**
 * Discounts under their own names (a coupon by its code and name, a cashier's by its reason), as the dashboard
 * and the settlement show them: the same rows the summary API and the CSVs give (core/reports/figures.ts).
 */
export function DiscountTable({ title, rows, money, onExport }: { title: string; rows: readonly DiscountFigure[]; money: (m: number) => string; onExport: () => void }) {
  return (
    <section className="card" aria-label={title}>
      <CsvCardHead title={title} onExport={onExport} />
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Discount</th>
              <th>Kind</th>
              <th className="num">Sales</th>
              <th className="num">Taken off</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.key}>
                <th scope="row">{d.name}</th>
                <td>{KIND_LABEL[d.kind]}</td>
                <td className="num">{d.sales}</td>
                <td className="num">{money(d.amount)}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No discounts given yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
