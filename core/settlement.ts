import type { Brand, EventConfig } from './event.ts';
import type { Minor } from './money.ts';
import type { Refund } from './refund.ts';
import type { Sale } from './sale.ts';
import type { ZReport } from './z-report.ts';

/**
 * What the organiser owes each brand after the event (docs/organiser.md, "Settlement"). The organiser's
 * tills and storefront take the customers' money; the statement says how much of it goes to the brand.
 *
 *   gross       Σ sale totals: what customers paid, tax included
 *   discounts   Σ sale discounts (what the tiers and price changes took off list prices; for information)
 *   tax         Σ tax in the sales
 *   refunds     Σ refund totals (money given back, tax included); refundTax the tax in them
 *   netSales    gross − refunds (tax included): the brand's takings
 *   commissionBase = (gross − tax) − (refunds − refundTax): net sales after refunds, EXCLUDING tax — the
 *               tax belongs to the tax authority, not to the brand's turnover, so no commission is taken on it
 *   commission  commissionBase × brand.commissionBp, rounded with the event's rounding mode, PER DAY; the
 *               event's commission is the sum of its days' (so the day statements add up to the event's to
 *               the minor unit; it may differ from rate × event base by the rounding of each day)
 *   boothFee    brand.boothFee, once per event: on the event statement and on the first day's statement
 *               (the day the drop starts, or the first day with activity if that is earlier)
 *   payout      netSales − commission − boothFee (negative: the brand owes the organiser)
 *
 * A sale counts on the day it was made, a refund on the day it was made (event time zone), so a refund after
 * the event appears on its own later day and lowers the event's totals.
 */
export interface SettlementFigures {
  sales: number;
  units: number;
  refundCount: number;
  gross: Minor;
  discounts: Minor;
  tax: Minor;
  refunds: Minor;
  refundTax: Minor;
  netSales: Minor;
  commissionBase: Minor;
  commission: Minor;
  boothFee: Minor;
  payout: Minor;
}

/** Sales and refunds made at tills (what the Z reports count) and online (no till, no Z report). */
export interface ChannelFigures {
  gross: Minor;
  tax: Minor;
  discounts: Minor;
  refunds: Minor;
  refundTax: Minor;
}

export interface DayStatement extends SettlementFigures {
  /** YYYY-MM-DD in the event's time zone. */
  date: string;
}

export interface BrandStatement {
  eventId: string;
  eventName: string;
  brandId: string;
  brandName: string;
  currency: string;
  timeZone: string;
  commissionBp: number;
  event: SettlementFigures;
  days: DayStatement[];
  tills: ChannelFigures;
  online: ChannelFigures;
}

export interface SettlementInput {
  config: EventConfig;
  brands: readonly Brand[];
  sales: readonly Sale[];
  refunds: readonly Refund[];
}

/** One statement per brand of the event, in the order of `brands` (a brand with no sales included). */
export function settle(input: SettlementInput): BrandStatement[] {
  throw new Error(`settle: not built yet (${input.brands.length} brands)`);
}

// ─── Reconciliation with the Z reports ─────────────────────────────────────────────────────────────

export interface ReconcileRow {
  measure: 'gross' | 'tax' | 'discounts' | 'refunds' | 'refundTax' | 'netTakings';
  /** The statements' till figures, summed over brands. */
  settlement: Minor;
  /** The Z reports' figures, summed over tills and shifts. */
  zReports: Minor;
  difference: Minor;
}

export interface Reconciliation {
  ok: boolean;
  rows: ReconcileRow[];
  /**
   * Till records no Z report covers (made outside every reported shift, or on a till with no report yet):
   * given when the records were passed, to explain a difference.
   */
  uncovered: { sales: string[]; refunds: string[] };
  /** Z reports that overlap another of the same till (a record would count twice). */
  overlapping: string[];
}

/**
 * Proves the statements agree with the tills' Z reports: the sales and refunds made at tills (online ones
 * have no till and no Z report) summed over brands equal the Z reports summed over tills and shifts, to the
 * minor unit. With `records`, also lists the till records outside every report's shift.
 */
export function reconcile(statements: readonly BrandStatement[], zReports: readonly ZReport[], records?: { sales: readonly Sale[]; refunds: readonly Refund[] }): Reconciliation {
  throw new Error(`reconcile: not built yet (${statements.length}/${zReports.length}/${records ? 1 : 0})`);
}

// ─── Rendering ─────────────────────────────────────────────────────────────────────────────────────

/** Statements as CSV: one row per brand per period (`event` and each day), money as decimals. */
export function settlementCsv(statements: readonly BrandStatement[]): string {
  throw new Error(`settlementCsv: not built yet (${statements.length})`);
}

/** One brand's statement as printable text (A4 / monospace, 72 columns), money formatted for the locale. */
export function settlementText(s: BrandStatement, config: Pick<EventConfig, 'currency' | 'locale'>): string {
  throw new Error(`settlementText: not built yet (${s.brandId} ${config.currency})`);
}
