import type { Minor } from '../base/money.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';

/**
 * The one definition of each money figure the organiser reads: the dashboard (dashboard.ts), the settlement
 * statements and their CSV (settlement.ts) and the summary API (sync-server/storefront/summary.ts) all count
 * through `MoneyTally`, and the console labels them with `FIGURE_LABELS`. Before this, "revenue" meant
 * gross less refunds on the dashboard and gross before refunds in the summary, and the settlement screen showed
 * tax net of refunds while its CSV's `tax` was the tax in sales alone (36.79 against 38.22 on the demo).
 *
 *   gross      Σ sale totals: what customers paid, tax included, before refunds
 *   refunds    Σ refund totals: money given back, tax included
 *   netSales   gross − refunds: what the event kept, tax included
 *   salesTax   Σ tax in the sales;  refundTax: Σ tax in the refunds
 *   tax        salesTax − refundTax: the tax the event owes on what it kept
 *   discounts  Σ sale discounts: what tiers and price changes took off list prices (for information)
 */
export interface MoneyFigures {
  gross: Minor;
  refunds: Minor;
  netSales: Minor;
  salesTax: Minor;
  refundTax: Minor;
  tax: Minor;
  discounts: Minor;
}

export type MoneyFigure = keyof MoneyFigures;

/** How the console names each figure, so every screen says the same thing for the same number. */
export const FIGURE_LABELS: Record<MoneyFigure, string> = {
  gross: 'Gross sales',
  refunds: 'Refunds',
  netSales: 'Net sales',
  salesTax: 'Tax on sales',
  refundTax: 'Tax refunded',
  tax: 'Tax (net of refunds)',
  discounts: 'Discounts given',
};

/** One line each, for a tooltip or the docs' table: what the figure adds up. */
export const FIGURE_DEFINITIONS: Record<MoneyFigure, string> = {
  gross: 'what customers paid, tax included, before refunds',
  refunds: 'money given back, tax included',
  netSales: 'gross sales − refunds, tax included',
  salesTax: 'tax in the sales',
  refundTax: 'tax in the refunds',
  tax: 'tax on sales − tax refunded',
  discounts: 'what tiers and price changes took off list prices',
};

/** The tax given back by a refund (the sum of its lines'). */
export const refundTaxOf = (r: Pick<Refund, 'lines'>): Minor => r.lines.reduce((a, l) => a + l.tax, 0);

/** Running money figures: feed it sales and refunds (the caller keeps each id once) and read `figures()`. */
export class MoneyTally {
  gross = 0;
  refunds = 0;
  salesTax = 0;
  refundTax = 0;
  discounts = 0;

  addSale(s: Pick<Sale, 'total' | 'tax' | 'discount'>): void {
    this.gross += s.total;
    this.salesTax += s.tax;
    this.discounts += s.discount;
  }

  addRefund(r: Pick<Refund, 'total' | 'lines'>): void {
    this.refunds += r.total;
    this.refundTax += refundTaxOf(r);
  }

  /** A part of a sale or refund (a line), for tables cut below the sale (by SKU, by tier). */
  addAmounts(a: Partial<Pick<MoneyTally, 'gross' | 'refunds' | 'salesTax' | 'refundTax' | 'discounts'>>): void {
    this.gross += a.gross ?? 0;
    this.refunds += a.refunds ?? 0;
    this.salesTax += a.salesTax ?? 0;
    this.refundTax += a.refundTax ?? 0;
    this.discounts += a.discounts ?? 0;
  }

  figures(): MoneyFigures {
    return {
      gross: this.gross,
      refunds: this.refunds,
      netSales: this.gross - this.refunds,
      salesTax: this.salesTax,
      refundTax: this.refundTax,
      tax: this.salesTax - this.refundTax,
      discounts: this.discounts,
    };
  }
}
