import { toCsv } from '../base/csv.ts';
import { ZonedClock } from './dashboard.ts';
import type { Brand, EventConfig } from '../event/event.ts';
import { holderKind } from '../ledger/holders.ts';
import { applyBasisPoints, formatMoney, type Minor } from '../base/money.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import { decimal, percent, zonedDate, type ZReport } from './z-report.ts';
import { DISCOUNT_CSV_COLUMNS, DiscountTally, MoneyTally, refundTaxOf, type DiscountFigure } from './figures.ts';

/**
 * What the organiser owes each brand after the event (docs/organiser.md, "Settlement"). The organiser's
 * tills and storefront take the customers' money; the statement says how much of it goes to the brand.
 *
 *   gross, discounts, salesTax, refunds, refundTax, netSales, tax: as figures.ts defines them for every
 *               report (tax = salesTax − refundTax, the tax owed on what was kept; netSales = gross − refunds)
 *   commissionBase = netSales − tax: net sales after refunds, EXCLUDING tax — the
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
  /** Tax in the sales, before refunds. */
  salesTax: Minor;
  refunds: Minor;
  refundTax: Minor;
  netSales: Minor;
  /** salesTax − refundTax (figures.ts): the one "tax" of every report, screen and CSV. */
  tax: Minor;
  commissionBase: Minor;
  commission: Minor;
  boothFee: Minor;
  payout: Minor;
}

/** Sales and refunds made at tills (what the Z reports count) and online (no till, no Z report). */
export interface ChannelFigures {
  gross: Minor;
  /** Tax in the sales (what a Z report's sales.tax counts). */
  salesTax: Minor;
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
  /** The event's `discounts` under their own names (tiers, price changes, reasons, coupons); they add up to it. */
  discountsByName: DiscountFigure[];
}

export interface SettlementInput {
  config: EventConfig;
  brands: readonly Brand[];
  sales: readonly Sale[];
  refunds: readonly Refund[];
}

/** One statement per brand of the event, in the order of `brands` (a brand with no sales included). */
export function settle(input: SettlementInput): BrandStatement[] {
  const { config } = input;
  const clock = new ZonedClock(config.timeZone);
  const firstDay = zonedDate(config.drop.startsAt, config.timeZone);
  const sales = unique(input.sales.filter((s) => s.eventId === config.id));
  const refunds = unique(input.refunds.filter((r) => r.eventId === config.id));
  return input.brands.map((brand) => {
    const days = new Map<string, Raw>();
    const day = (d: string) => days.get(d) ?? days.set(d, emptyRaw()).get(d)!;
    const tills = emptyChannel();
    const online = emptyChannel();
    const named = new DiscountTally(config);
    for (const s of sales) {
      if (s.brandId !== brand.id) continue;
      named.addSale(s);
      const r = day(clock.day(s.wallTime));
      r.sales++;
      r.units += s.lines.reduce((a, l) => a + l.qty, 0);
      r.money.addSale(s);
      const c = holderKind(s.holder) === 'till' ? tills : online;
      c.gross += s.total;
      c.salesTax += s.tax;
      c.discounts += s.discount;
    }
    for (const x of refunds) {
      if (x.brandId !== brand.id) continue;
      const r = day(clock.day(x.wallTime));
      const tax = refundTaxOf(x);
      r.refundCount++;
      r.money.addRefund(x);
      const c = holderKind(x.holder) === 'till' ? tills : online;
      c.refunds += x.total;
      c.refundTax += tax;
    }
    // The booth fee is charged once, on the event's first day (or the first day with activity if earlier).
    const feeDay = [...days.keys(), firstDay].sort()[0]!;
    day(feeDay);
    const dayStatements: DayStatement[] = [...days.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, raw]) => ({ date, ...figures(raw, brand.commissionBp, date === feeDay ? brand.boothFee : 0, config) }));
    const whole = emptyRaw();
    for (const d of dayStatements) {
      whole.sales += d.sales;
      whole.units += d.units;
      whole.refundCount += d.refundCount;
      whole.money.addAmounts(d);
    }
    const commission = dayStatements.reduce((a, d) => a + d.commission, 0);
    const money = whole.money.figures();
    const event = { sales: whole.sales, units: whole.units, refundCount: whole.refundCount, ...money };
    const base = money.netSales - money.tax;
    const netSales = money.netSales;
    return {
      eventId: config.id,
      eventName: config.name,
      brandId: brand.id,
      brandName: brand.name,
      currency: config.currency,
      timeZone: config.timeZone,
      commissionBp: brand.commissionBp,
      event: { ...event, netSales, commissionBase: base, commission, boothFee: brand.boothFee, payout: netSales - commission - brand.boothFee },
      days: dayStatements,
      tills,
      online,
      discountsByName: named.figures(),
    };
  });
}

interface Raw {
  sales: number;
  units: number;
  refundCount: number;
  money: MoneyTally;
}
const emptyRaw = (): Raw => ({ sales: 0, units: 0, refundCount: 0, money: new MoneyTally() });
const emptyChannel = (): ChannelFigures => ({ gross: 0, salesTax: 0, discounts: 0, refunds: 0, refundTax: 0 });

function figures(raw: Raw, commissionBp: number, boothFee: Minor, config: EventConfig): SettlementFigures {
  const money = raw.money.figures();
  const commissionBase = money.netSales - money.tax;
  const commission = applyBasisPoints(commissionBase, commissionBp, config.rounding);
  return { sales: raw.sales, units: raw.units, refundCount: raw.refundCount, ...money, commissionBase, commission, boothFee, payout: money.netSales - commission - boothFee };
}

function unique<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.id) && Boolean(seen.add(i.id)));
}

// ─── Reconciliation with the Z reports ─────────────────────────────────────────────────────────────

export interface ReconcileRow {
  measure: 'gross' | 'salesTax' | 'discounts' | 'refunds' | 'refundTax' | 'netTakings';
  /** The statements' till figures, summed over brands, less what was made in shifts still open. */
  settlement: Minor;
  /** The Z reports' figures, summed over tills and shifts. */
  zReports: Minor;
  difference: Minor;
}

/** A till's shift that has not closed: it has no Z report yet, so its records wait outside the comparison. */
export interface OpenShiftRef {
  tillId: string;
  shiftId: string;
  openedAt: number;
}

export interface OpenShiftRow extends OpenShiftRef {
  sales: number;
  refunds: number;
  gross: Minor;
}

export interface Reconciliation {
  ok: boolean;
  rows: ReconcileRow[];
  /** Shifts still open, with the records made in them so far (set aside until the shift closes). */
  open: OpenShiftRow[];
  /**
   * Till records no Z report covers and no open shift holds (made outside every shift, or on a till with no
   * shift at all): given when the records were passed, to explain a difference.
   */
  uncovered: { sales: string[]; refunds: string[] };
  /** Z reports that overlap another of the same till (a record would count twice). */
  overlapping: string[];
}

/**
 * Proves the statements agree with the tills' Z reports: the sales and refunds made at tills (online ones
 * have no till and no Z report) summed over brands equal the Z reports summed over tills and shifts, to the
 * minor unit. Only CLOSED shifts are compared: what a shift still open has taken so far (it has no Z report
 * yet) is set aside and listed under `open`, so a shift in progress never reads as a difference. A record
 * made outside every shift still counts on the statements' side, so it shows as a difference and in
 * `uncovered`. Without `records`, the statements' till figures are compared whole.
 */
export function reconcile(
  statements: readonly BrandStatement[],
  zReports: readonly ZReport[],
  records?: { sales: readonly Sale[]; refunds: readonly Refund[] },
  openShifts: readonly OpenShiftRef[] = [],
): Reconciliation {
  const st = (f: (c: ChannelFigures) => number) => statements.reduce((a, s) => a + f(s.tills), 0);
  const z = (f: (r: ZReport) => number) => zReports.reduce((a, r) => a + f(r), 0);
  const atTill = (r: { holder: string }) => holderKind(r.holder) === 'till';
  const sales = unique(records?.sales ?? []).filter(atTill);
  const refunds = unique(records?.refunds ?? []).filter(atTill);

  // Records of a shift still open: from its opening on, at its till (a till has one open shift at a time).
  const openOf = (r: { tillId: string; wallTime: number }) => openShifts.find((o) => o.tillId === r.tillId && r.wallTime >= o.openedAt);
  const open: OpenShiftRow[] = openShifts.map((o) => ({ ...o, sales: 0, refunds: 0, gross: 0 }));
  const aside: ChannelFigures = emptyChannel();
  for (const s of sales) {
    const o = openOf(s);
    if (!o) continue;
    const row = open.find((x) => x.shiftId === o.shiftId)!;
    row.sales++;
    row.gross += s.total;
    aside.gross += s.total;
    aside.salesTax += s.tax;
    aside.discounts += s.discount;
  }
  for (const r of refunds) {
    const o = openOf(r);
    if (!o) continue;
    open.find((x) => x.shiftId === o.shiftId)!.refunds++;
    aside.refunds += r.total;
    aside.refundTax += refundTaxOf(r);
  }
  const closed = (f: (c: ChannelFigures) => number) => st(f) - f(aside);
  const pairs: [ReconcileRow['measure'], number, number][] = [
    ['gross', closed((c) => c.gross), z((r) => r.sales.gross)],
    ['salesTax', closed((c) => c.salesTax), z((r) => r.sales.tax)],
    ['discounts', closed((c) => c.discounts), z((r) => r.sales.discount)],
    ['refunds', closed((c) => c.refunds), z((r) => r.refunds.total)],
    ['refundTax', closed((c) => c.refundTax), z((r) => r.refunds.tax)],
    ['netTakings', closed((c) => c.gross - c.refunds), z((r) => r.netTakings)],
  ];
  const rows = pairs.map(([measure, settlement, zReports]) => ({ measure, settlement, zReports, difference: settlement - zReports }));

  // A Z report covers its till's records from its opening to its closing, both included (core/reports/z-report.ts).
  const covered = (r: { tillId: string; wallTime: number }) => zReports.some((z) => z.tillId === r.tillId && r.wallTime >= z.openedAt && r.wallTime <= z.closedAt);
  const uncovered = {
    sales: sales.filter((s) => !covered(s) && !openOf(s)).map((s) => s.id),
    refunds: refunds.filter((r) => !covered(r) && !openOf(r)).map((r) => r.id),
  };
  const overlapping: string[] = [];
  const byTill = new Map<string, ZReport[]>();
  for (const r of zReports) byTill.set(r.tillId, [...(byTill.get(r.tillId) ?? []), r]);
  for (const list of byTill.values()) {
    const sorted = [...list].sort((a, b) => a.openedAt - b.openedAt);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.openedAt <= sorted[i - 1]!.closedAt) overlapping.push(sorted[i]!.shiftId);
  }
  return { ok: rows.every((r) => r.difference === 0) && overlapping.length === 0, rows, open, uncovered, overlapping };
}

// ─── Rendering ─────────────────────────────────────────────────────────────────────────────────────

/** Statements as CSV: one row per brand per period (`event` and each day), money as decimals. */
export function settlementCsv(statements: readonly BrandStatement[]): string {
  const header = ['brandId', 'brandName', 'period', 'currency', 'commissionPercent', 'sales', 'units', 'refundCount', ...MONEY_KEYS];
  const rows: string[][] = [header];
  for (const s of statements) {
    const row = (period: string, f: SettlementFigures) => [s.brandId, s.brandName, period, s.currency, percent(s.commissionBp).replace('%', ''), String(f.sales), String(f.units), String(f.refundCount), ...MONEY_KEYS.map((k) => decimal(f[k], s.currency))];
    rows.push(row('event', s.event));
    for (const d of s.days) rows.push(row(d.date, d));
  }
  return toCsv(rows);
}

/**
 * Each brand's discounts by name as CSV (one row per brand and name, the whole event): what each coupon, reason,
 * tier and price change cost the brand. A table of its own, as the statement CSV keeps one row per period.
 */
export function settlementDiscountsCsv(statements: readonly BrandStatement[]): string {
  const rows: string[][] = [['brandId', 'brandName', 'currency', ...DISCOUNT_CSV_COLUMNS]];
  for (const s of statements) for (const d of s.discountsByName) rows.push([s.brandId, s.brandName, s.currency, d.kind, d.name, d.code ?? '', String(d.sales), decimal(d.amount, s.currency)]);
  return toCsv(rows);
}

const MONEY_KEYS = ['gross', 'discounts', 'salesTax', 'refunds', 'refundTax', 'netSales', 'tax', 'commissionBase', 'commission', 'boothFee', 'payout'] as const;

/** One brand's statement as printable text (A4 / monospace, 72 columns), money formatted for the locale. */
export function settlementText(s: BrandStatement, config: Pick<EventConfig, 'currency' | 'locale'>): string {
  const W = SETTLEMENT_TEXT_WIDTH;
  const money = (n: Minor) => formatMoney(n, config.currency, config.locale);
  const out: string[] = [];
  const row = (label: string, value: string) => out.push(`${label.padEnd(W - value.length - 1).slice(0, W - value.length - 1)} ${value}`);
  const block = (title: string, f: SettlementFigures) => {
    out.push('-'.repeat(W), title);
    row('Sales (receipts)', String(f.sales));
    row('Units sold', String(f.units));
    row('Gross sales (incl. tax)', money(f.gross));
    row('  of which discounts given', money(f.discounts));
    row('  of which tax', money(f.salesTax));
    row(`Refunds (${f.refundCount})`, money(-f.refunds));
    row('  of which tax', money(-f.refundTax));
    row('Net sales (incl. tax)', money(f.netSales));
    row('  of which tax (net of refunds)', money(f.tax));
    row('Commission base (net of refunds, excl. tax)', money(f.commissionBase));
    row(`Commission ${percent(s.commissionBp)}`, money(-f.commission));
    row('Booth fee', money(-f.boothFee));
    row(f.payout < 0 ? 'PAYOUT (the brand owes the organiser)' : 'PAYOUT', money(f.payout));
  };
  out.push(`SETTLEMENT STATEMENT — ${s.brandName}`, `${s.eventName} (${s.eventId})`, `Days in ${s.timeZone}; amounts in ${s.currency}`);
  block('WHOLE EVENT', s.event);
  out.push('-'.repeat(W), 'DISCOUNTS BY NAME (whole event)');
  if (s.discountsByName.length === 0) out.push('None');
  for (const d of s.discountsByName) row(`${d.name} (${d.sales} sale${d.sales === 1 ? '' : 's'})`, money(d.amount));
  for (const d of s.days) block(`DAY ${d.date}`, d);
  out.push('-'.repeat(W));
  return `${out.join('\n')}\n`;
}

/** Width of the printable statement: fits A4 portrait in a 10-point monospace font. */
export const SETTLEMENT_TEXT_WIDTH = 72;
