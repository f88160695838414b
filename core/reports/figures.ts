import type { Minor } from '../base/money.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import type { EventConfig } from '../event/event.ts';
import { givenDiscountName, PRICE_CHANGE_NAME, type DiscountKind } from '../selling/discount-names.ts';

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
 *   discounts  Σ sale discounts: what tiers, price changes, cashiers' discounts and coupons took off list
 *              prices (for information); `DiscountTally` splits it by name, and its rows add up to it
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
  discounts: 'what tiers, price changes, cashiers’ discounts and coupons took off list prices',
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

/**
 * One discount under its own name in the organiser's figures: a tier by its label, "Price change", a cashier's
 * discount by its reason, a coupon as "Coupon CODE · name" (core/selling/discount-names.ts, the names the cart,
 * receipt and Z report use). `key` is `<kind>:<name>`, unique in a list.
 */
export interface DiscountFigure {
  key: string;
  kind: DiscountKind;
  name: string;
  /** The coupon's code as the sales carry it (kind `coupon`). */
  code?: string;
  /** Sales (one per brand per checkout) it took something off. */
  sales: number;
  /** What it took off, minor units in the event's tax mode (what `discounts` counts). */
  amount: Minor;
}

/**
 * Discounts by name, for the dashboard, the settlement and the summary API alike. Its rows add up to
 * MoneyTally's `discounts` over the same sales, because both read what each sale recorded (a sale's
 * `discount` is its tiers and price changes plus its given discounts, and namedDiscounts names exactly those).
 * Refunds do not give discounts back: a discount is what was given at the sale.
 */
export class DiscountTally {
  private readonly rows = new Map<string, DiscountFigure>();
  /** The rows a sale touched are counted once per sale: the serial of the last sale that touched each. */
  private readonly lastSale = new Map<DiscountFigure, number>();
  private serial = 0;
  private readonly tierLabel: (id: string) => string | undefined;

  constructor(config: Pick<EventConfig, 'drop'>) {
    const labels = new Map(config.drop.tiers.map((t) => [t.id, t.label]));
    this.tierLabel = (id) => labels.get(id);
  }

  /**
   * The names are namedDiscounts' (core/selling/discount-names.ts), worked out here line by line rather than
   * through its merged list: the dashboard feeds 100 000 sales through this, and the list cost a third more.
   */
  addSale(s: Pick<Sale, 'lines' | 'discounts'>): void {
    const serial = ++this.serial;
    for (const l of s.lines) {
      const off = (l.listPrice - l.unitPrice) * l.qty;
      if (off === 0) continue;
      if (l.priceSetBy !== undefined) this.add(serial, 'price-change', PRICE_CHANGE_NAME, off);
      else if (l.tierId !== null) this.add(serial, 'tier', this.tierLabel(l.tierId) ?? l.tierId, off);
    }
    for (const d of s.discounts ?? []) if (d.total !== 0) this.add(serial, d.kind, givenDiscountName(d), d.total, d.kind === 'coupon' ? d.code : undefined);
  }

  private add(serial: number, kind: DiscountKind, name: string, amount: Minor, code?: string): void {
    const key = `${kind}:${name}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { key, kind, name, ...(code !== undefined ? { code } : {}), sales: 0, amount: 0 };
      this.rows.set(key, row);
    }
    if (this.lastSale.get(row) !== serial) {
      this.lastSale.set(row, serial);
      row.sales++;
    }
    row.amount += amount;
  }

  /** Largest first, then by name: the discounts that cost the most lead. */
  figures(): DiscountFigure[] {
    return [...this.rows.values()].map((r) => ({ ...r })).sort((a, b) => b.amount - a.amount || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** Discounts by name as CSV rows after the caller's leading columns: kind, name, code, sales, amount (decimal). */
export const DISCOUNT_CSV_COLUMNS = ['kind', 'name', 'code', 'sales', 'amount'] as const;
