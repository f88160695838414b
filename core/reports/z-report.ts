import { mergeNamedDiscounts, namedDiscounts, type NamedDiscount } from '../selling/discount-names.ts';
import { toCsv } from '../base/csv.ts';
import { ValidationError } from '../base/errors.ts';
import type { EventConfig } from '../event/event.ts';
import { tillHolder } from '../ledger/holders.ts';
import type { VoidRecord } from './audit.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import { formatMoney, minorDigits, type Minor } from '../base/money.ts';
import { REFUND_REASONS } from '../refunds/refund-builder.ts';
import type { Refund } from '../refunds/refund.ts';
import { changeDue, PAYMENT_METHODS, type PaymentMethod, type Sale } from '../selling/sale.ts';
import { CASH_REASONS, type CashMoved, type CashReason, type Shift } from '../event/shift.ts';

/**
 * The Z report: what one till took during one shift, and whether the cash drawer agrees. Pure: the caller
 * hands in the till's sales and refunds (any superset: they are filtered here to the shift's till and wall
 * time), the shift with its float and cash movements, and the cash counted. All money is integer minor
 * units and every breakdown adds up to its total (`zReportProblems` checks it).
 *
 * Expected cash in the drawer = float + cash sales − cash refunds + cash in − cash out. A cash payment's
 * `amount` is what it pays towards the sale; the change handed back (tendered − amount) never stays in
 * the drawer, so the cash sales are the sum of the cash amounts.
 */
export interface ZReportInput {
  config: EventConfig;
  shift: Shift;
  /** How the shift ends: defaults to its close event. Give it to preview a count before closing. */
  closing?: { at: number; by: string; counted: Minor; approvedBy?: string };
  sales: readonly Sale[];
  refunds: readonly Refund[];
  /** The sales the refunds were made against (from any shift), to find each refunded line's tax rate. */
  refundedSales?: readonly Sale[];
  /** Ledger entries that carry a manager override (`StockView.overrides()`), of any till. */
  overrides?: readonly LedgerEntry[];
  /** Carts and lines voided before payment (core/reports/audit.ts), of any till and time: the shift's are counted. */
  voids?: readonly VoidRecord[];
}

export interface ZTaxRow {
  rateBp: number;
  net: Minor;
  tax: Minor;
  gross: Minor;
}

export interface ZRefundTaxRow {
  /** null when the refunded sale was not at hand to say the line's rate. */
  rateBp: number | null;
  tax: Minor;
  amount: Minor;
}

export interface ZTierRow {
  /** null: lines sold with no tier (at list price, or at a manual price). */
  tierId: string | null;
  label: string;
  units: number;
  /** Σ (list price − unit price) × qty. */
  amount: Minor;
}

export interface ZReasonRow {
  reason: string;
  label: string;
  units: number;
  amount: Minor;
}

export interface ZOverrideRow {
  receiptNumber: string;
  saleId: string;
  sku: string;
  qty: number;
  shortfall: number;
  managerId: string;
  reason: string;
}

export type ByMethod = Record<PaymentMethod, Minor>;

export interface ZReport {
  eventId: string;
  eventName: string;
  tillId: string;
  shiftId: string;
  currency: string;
  timeZone: string;
  /** The business day the shift opened on, YYYY-MM-DD in the event's time zone. */
  date: string;
  openedAt: number;
  openedBy: string;
  closedAt: number;
  closedBy: string;
  approvedBy?: string;
  sales: {
    /** Checkouts (one receipt each); a multi-brand checkout is one transaction of several sale records. */
    transactions: number;
    records: number;
    units: number;
    /** What customers paid, tax included. */
    gross: Minor;
    net: Minor;
    tax: Minor;
    discount: Minor;
  };
  taxByRate: ZTaxRow[];
  discountsByTier: ZTierRow[];
  /**
   * Every discount under its own name (core/selling/discount-names.ts): tiers, price changes, cashiers'
   * discounts by reason, coupons. Adds up to `sales.discount`; the tier rows above count only the tiers.
   */
  discountsByName: NamedDiscount[];
  payments: {
    sales: ByMethod;
    refunds: ByMethod;
    /** Cash handed over by customers, and the change given back out of it. */
    cashTendered: Minor;
    changeGiven: Minor;
  };
  refunds: { count: number; units: number; total: Minor; tax: Minor; byReason: ZReasonRow[]; taxByRate: ZRefundTaxRow[] };
  /** Gross sales − refunds. */
  netTakings: Minor;
  overrides: ZOverrideRow[];
  /** Carts cleared and lines removed before payment during the shift, and what they were worth. */
  voids: { count: number; total: Minor };
  movements: CashMoved[];
  cash: { float: Minor; sales: Minor; refunds: Minor; cashIn: Minor; cashOut: Minor; expected: Minor; counted: Minor; discrepancy: Minor };
}

const byMethod = (): ByMethod => Object.fromEntries(PAYMENT_METHODS.map((m) => [m, 0])) as ByMethod;
const sum = <T>(items: readonly T[], f: (t: T) => number): number => items.reduce((a, t) => a + f(t), 0);
const lineKey = (sku: string, serial: string | undefined) => `${sku}\u0000${serial ?? ''}`;

export function buildZReport(input: ZReportInput): ZReport {
  const { config, shift } = input;
  const closing = input.closing ?? (shift.close && { at: shift.close.wallTime, by: shift.close.cashierId, counted: shift.close.counted, ...(shift.close.approvedBy ? { approvedBy: shift.close.approvedBy } : {}) });
  if (!closing) throw new ValidationError('closing', 'the shift is still open: give the counted cash to report on it');
  if (closing.at < shift.openedAt) throw new ValidationError('closing', 'the shift cannot end before it opened');
  const inShift = (r: { tillId: string; eventId: string; wallTime: number }) =>
    r.tillId === shift.tillId && r.eventId === config.id && r.wallTime >= shift.openedAt && r.wallTime <= closing.at;
  const sales = unique(input.sales.filter(inShift));
  const refunds = unique(input.refunds.filter(inShift));

  // Sales, tax by rate, discounts by tier.
  const taxByRate = new Map<number, ZTaxRow>();
  const tiers = new Map<string | null, ZTierRow>();
  const tierLabel = (id: string | null) => (id === null ? 'No tier' : (config.drop.tiers.find((t) => t.id === id)?.label ?? id));
  const paid = { sales: byMethod(), refunds: byMethod() };
  let cashTendered = 0;
  for (const s of sales) {
    for (const l of s.lines) {
      const r = taxByRate.get(l.taxRateBp) ?? { rateBp: l.taxRateBp, net: 0, tax: 0, gross: 0 };
      taxByRate.set(l.taxRateBp, { ...r, net: r.net + l.net, tax: r.tax + l.tax, gross: r.gross + l.gross });
      const t = tiers.get(l.tierId) ?? { tierId: l.tierId, label: tierLabel(l.tierId), units: 0, amount: 0 };
      tiers.set(l.tierId, { ...t, units: t.units + l.qty, amount: t.amount + (l.listPrice - l.unitPrice) * l.qty });
    }
    for (const p of s.payments) {
      paid.sales[p.method] += p.amount;
      if (p.method === 'cash') cashTendered += p.tendered ?? p.amount;
    }
  }

  // Refunds: by reason, by payment method, and their tax by the rate of the line they return.
  const refundedLines = new Map<string, Map<string, number>>();
  for (const s of input.refundedSales ?? []) refundedLines.set(s.id, new Map(s.lines.map((l) => [lineKey(l.sku, l.serial), l.taxRateBp])));
  for (const s of sales) refundedLines.set(s.id, new Map(s.lines.map((l) => [lineKey(l.sku, l.serial), l.taxRateBp])));
  const reasons = new Map<string, ZReasonRow>();
  const refundTax = new Map<number | null, ZRefundTaxRow>();
  for (const r of refunds) {
    for (const l of r.lines) {
      const reason = reasons.get(l.reason) ?? { reason: l.reason, label: REFUND_REASONS.find((x) => x.id === l.reason)?.label ?? l.reason, units: 0, amount: 0 };
      reasons.set(l.reason, { ...reason, units: reason.units + l.qty, amount: reason.amount + l.amount });
      const rate = refundedLines.get(r.saleId)?.get(lineKey(l.sku, l.serial)) ?? null;
      const t = refundTax.get(rate) ?? { rateBp: rate, tax: 0, amount: 0 };
      refundTax.set(rate, { ...t, tax: t.tax + l.tax, amount: t.amount + l.amount });
    }
    for (const p of r.payments) paid.refunds[p.method] += p.amount;
  }

  // Oversells a manager allowed, on this till's own sales of the shift.
  const saleById = new Map(sales.map((s) => [s.id, s]));
  const holder = tillHolder(shift.tillId);
  const overrides: ZOverrideRow[] = (input.overrides ?? [])
    .filter((e) => e.kind === 'sale' && e.override && e.from === holder && e.ref !== undefined && saleById.has(e.ref))
    .filter((e, i, all) => all.findIndex((x) => x.id === e.id) === i)
    .map((e) => ({
      receiptNumber: saleById.get(e.ref!)!.receiptNumber,
      saleId: e.ref!,
      sku: e.sku,
      qty: e.qty,
      shortfall: e.override!.shortfall,
      managerId: e.override!.managerId,
      reason: e.override!.reason,
    }));

  const movements = shift.movements.filter((m) => m.wallTime <= closing.at);
  const cashIn = sum(movements.filter((m) => m.kind === 'cash-in'), (m) => m.amount);
  const cashOut = sum(movements.filter((m) => m.kind === 'cash-out'), (m) => m.amount);
  const expected = shift.float + paid.sales.cash - paid.refunds.cash + cashIn - cashOut;
  const voids = unique((input.voids ?? []).filter((v) => v.tillId === shift.tillId && v.wallTime >= shift.openedAt && v.wallTime <= closing.at));
  const gross = sum(sales, (s) => s.total);
  const refundTotal = sum(refunds, (r) => r.total);

  return {
    eventId: config.id,
    eventName: config.name,
    tillId: shift.tillId,
    shiftId: shift.id,
    currency: config.currency,
    timeZone: config.timeZone,
    date: zonedDate(shift.openedAt, config.timeZone),
    openedAt: shift.openedAt,
    openedBy: shift.openedBy,
    closedAt: closing.at,
    closedBy: closing.by,
    ...(closing.approvedBy ? { approvedBy: closing.approvedBy } : {}),
    sales: {
      transactions: new Set(sales.map((s) => s.checkoutId)).size,
      records: sales.length,
      units: sum(sales, (s) => sum(s.lines, (l) => l.qty)),
      gross,
      net: sum(sales, (s) => s.net),
      tax: sum(sales, (s) => s.tax),
      discount: sum(sales, (s) => s.discount),
    },
    taxByRate: [...taxByRate.values()].sort((a, b) => a.rateBp - b.rateBp),
    discountsByTier: [...tiers.values()].sort((a, b) => tierOrder(config, a.tierId) - tierOrder(config, b.tierId)),
    discountsByName: mergeNamedDiscounts(sales.map((s) => namedDiscounts(s, (id) => config.drop.tiers.find((t) => t.id === id)?.label))),
    payments: { sales: paid.sales, refunds: paid.refunds, cashTendered, changeGiven: changeDue(sales.flatMap((s) => s.payments)) },
    refunds: {
      count: refunds.length,
      units: sum(refunds, (r) => sum(r.lines, (l) => l.qty)),
      total: refundTotal,
      tax: sum(refunds, (r) => sum(r.lines, (l) => l.tax)),
      byReason: [...reasons.values()].sort((a, b) => reasonOrder(a.reason) - reasonOrder(b.reason)),
      taxByRate: [...refundTax.values()].sort((a, b) => (a.rateBp ?? Infinity) - (b.rateBp ?? Infinity)),
    },
    netTakings: gross - refundTotal,
    overrides,
    voids: { count: voids.length, total: sum(voids, (v) => v.total) },
    movements,
    cash: { float: shift.float, sales: paid.sales.cash, refunds: paid.refunds.cash, cashIn, cashOut, expected, counted: closing.counted, discrepancy: closing.counted - expected },
  };
}

/** What does not add up in a report; empty when every breakdown equals its total. */
export function zReportProblems(r: ZReport): string[] {
  const problems: string[] = [];
  const check = (what: string, a: number, b: number) => {
    if (a !== b) problems.push(`${what}: ${a} ≠ ${b}`);
  };
  const methods = (m: ByMethod) => sum(PAYMENT_METHODS, (k) => m[k]);
  check('sale payments by method vs gross sales', methods(r.payments.sales), r.sales.gross);
  check('net + tax vs gross sales', r.sales.net + r.sales.tax, r.sales.gross);
  check('tax by rate vs tax', sum(r.taxByRate, (t) => t.tax), r.sales.tax);
  check('net by rate vs net', sum(r.taxByRate, (t) => t.net), r.sales.net);
  check('gross by rate vs gross sales', sum(r.taxByRate, (t) => t.gross), r.sales.gross);
  check('discounts by name vs discount', sum(r.discountsByName, (d) => d.amount), r.sales.discount);
  check('units by tier vs units', sum(r.discountsByTier, (t) => t.units), r.sales.units);
  check('refund payments by method vs refunds', methods(r.payments.refunds), r.refunds.total);
  check('refunds by reason vs refunds', sum(r.refunds.byReason, (x) => x.amount), r.refunds.total);
  check('refund tax by rate vs refund tax', sum(r.refunds.taxByRate, (x) => x.tax), r.refunds.tax);
  check('cash tendered − change vs cash sales', r.payments.cashTendered - r.payments.changeGiven, r.payments.sales.cash);
  check(
    'expected cash',
    r.cash.expected,
    r.cash.float + r.cash.sales - r.cash.refunds + r.cash.cashIn - r.cash.cashOut,
  );
  check('discrepancy vs counted − expected', r.cash.discrepancy, r.cash.counted - r.cash.expected);
  return problems;
}

// ─── Rendering ───────────────────────────────────────────────────────────────────────────────────────

/**
 * The report as CSV (core/base/csv.ts), one figure per row: `section,item,measure,value`. Money is a plain
 * decimal in the event currency (named in the `shift,currency` row), so a spreadsheet reads it as a number.
 */
export function zReportCsv(r: ZReport, currency: string): string {
  const amount = (n: Minor) => decimal(n, currency);
  const rows: string[][] = [['section', 'item', 'measure', 'value']];
  const add = (section: string, item: string, measure: string, value: string | number) => rows.push([section, item, measure, String(value)]);
  add('shift', 'event', 'name', r.eventName);
  add('shift', 'till', 'id', r.tillId);
  add('shift', 'shift', 'id', r.shiftId);
  add('shift', 'date', 'day', r.date);
  add('shift', 'opened', 'time', zonedDateTime(r.openedAt, r.timeZone));
  add('shift', 'opened', 'by', r.openedBy);
  add('shift', 'closed', 'time', zonedDateTime(r.closedAt, r.timeZone));
  add('shift', 'closed', 'by', r.closedBy);
  if (r.approvedBy) add('shift', 'closed', 'approved by', r.approvedBy);
  add('shift', 'time zone', 'name', r.timeZone);
  add('shift', 'currency', 'code', currency);
  add('sales', 'all', 'transactions', r.sales.transactions);
  add('sales', 'all', 'units', r.sales.units);
  add('sales', 'all', 'gross', amount(r.sales.gross));
  add('sales', 'all', 'net', amount(r.sales.net));
  add('sales', 'all', 'tax', amount(r.sales.tax));
  add('sales', 'all', 'discount', amount(r.sales.discount));
  add('sales', 'all', 'net takings', amount(r.netTakings));
  for (const t of r.taxByRate) {
    add('tax', percent(t.rateBp), 'net', amount(t.net));
    add('tax', percent(t.rateBp), 'tax', amount(t.tax));
    add('tax', percent(t.rateBp), 'gross', amount(t.gross));
  }
  for (const d of r.discountsByName) add('discount-by-name', `${d.kind}: ${d.name}`, 'amount', amount(d.amount));
  for (const t of r.discountsByTier) {
    add('discount', t.tierId ?? 'none', 'units', t.units);
    add('discount', t.tierId ?? 'none', 'amount', amount(t.amount));
  }
  for (const m of PAYMENT_METHODS) add('sale payments', m, 'amount', amount(r.payments.sales[m]));
  add('sale payments', 'cash', 'tendered', amount(r.payments.cashTendered));
  add('sale payments', 'cash', 'change given', amount(r.payments.changeGiven));
  for (const m of PAYMENT_METHODS) add('refund payments', m, 'amount', amount(r.payments.refunds[m]));
  add('refunds', 'all', 'count', r.refunds.count);
  add('refunds', 'all', 'units', r.refunds.units);
  add('refunds', 'all', 'total', amount(r.refunds.total));
  add('refunds', 'all', 'tax', amount(r.refunds.tax));
  for (const x of r.refunds.byReason) {
    add('refunds', x.reason, 'units', x.units);
    add('refunds', x.reason, 'amount', amount(x.amount));
  }
  for (const t of r.refunds.taxByRate) add('refund tax', t.rateBp === null ? 'unknown' : percent(t.rateBp), 'tax', amount(t.tax));
  add('overrides', 'all', 'count', r.overrides.length);
  for (const o of r.overrides) add('overrides', `${o.receiptNumber} ${o.sku}`, `beyond stock (approved by ${o.managerId})`, o.shortfall);
  add('voids', 'all', 'count', r.voids.count);
  add('voids', 'all', 'total', amount(r.voids.total));
  for (const m of r.movements) add('cash movements', `${zonedDateTime(m.wallTime, r.timeZone)} ${reasonLabel(m.reason)}`, m.kind, amount(m.kind === 'cash-in' ? m.amount : -m.amount));
  add('cash', 'float', 'amount', amount(r.cash.float));
  add('cash', 'sales', 'amount', amount(r.cash.sales));
  add('cash', 'refunds', 'amount', amount(-r.cash.refunds));
  add('cash', 'cash in', 'amount', amount(r.cash.cashIn));
  add('cash', 'cash out', 'amount', amount(-r.cash.cashOut));
  add('cash', 'expected', 'amount', amount(r.cash.expected));
  add('cash', 'counted', 'amount', amount(r.cash.counted));
  add('cash', 'discrepancy', 'amount', amount(r.cash.discrepancy));
  return toCsv(rows);
}

/** Width of an 80 mm receipt printer's line in its standard font. */
export const Z_TEXT_WIDTH = 42;

/** The report as plain text for a receipt printer: monospace, 42 columns, times in the event's zone. */
export function zReportText(r: ZReport, config: Pick<EventConfig, 'currency' | 'locale'>): string {
  const W = Z_TEXT_WIDTH;
  const money = (n: Minor) => formatMoney(n, config.currency, config.locale);
  const out: string[] = [];
  const rule = () => out.push('-'.repeat(W));
  const centre = (s: string) => {
    const t = fit(s, W);
    out.push(`${' '.repeat(Math.floor((W - t.length) / 2))}${t}`);
  };
  const row = (label: string, value: string | number) => {
    const v = String(value);
    out.push(`${fit(label, W - v.length - 1).padEnd(W - v.length)}${v}`);
  };
  const heading = (s: string) => {
    rule();
    out.push(s.toUpperCase());
  };

  centre('Z REPORT');
  centre(r.eventName);
  row(`Till ${r.tillId}`, r.date);
  row(`Opened ${zonedDateTime(r.openedAt, r.timeZone)}`, r.openedBy);
  row(`Closed ${zonedDateTime(r.closedAt, r.timeZone)}`, r.closedBy);
  if (r.approvedBy) row('Discrepancy approved by', r.approvedBy);
  out.push(fit(`Times in ${r.timeZone}`, W));

  heading('Sales');
  row('Transactions', r.sales.transactions);
  row('Units', r.sales.units);
  row('Gross (incl. tax)', money(r.sales.gross));
  row('Discounts given', money(r.sales.discount));
  row('Net (excl. tax)', money(r.sales.net));
  row('Tax', money(r.sales.tax));
  row('Refunds', money(-r.refunds.total));
  row('Net takings', money(r.netTakings));

  heading('Tax by rate');
  if (r.taxByRate.length === 0) out.push('None');
  for (const t of r.taxByRate) {
    row(`${percent(t.rateBp)} net`, money(t.net));
    row(`${percent(t.rateBp)} tax`, money(t.tax));
    row(`${percent(t.rateBp)} gross`, money(t.gross));
  }

  heading('Discounts by tier');
  if (r.discountsByTier.length === 0) out.push('None');
  for (const t of r.discountsByTier) row(`${t.label} × ${t.units}`, money(t.amount));

  heading('Discounts by name');
  if (r.discountsByName.length === 0) out.push('None');
  for (const d of r.discountsByName) row(d.name, money(d.amount));

  heading('Payments');
  for (const m of PAYMENT_METHODS) row(`Sales ${m}`, money(r.payments.sales[m]));
  row('  Cash tendered', money(r.payments.cashTendered));
  row('  Change given', money(r.payments.changeGiven));
  for (const m of PAYMENT_METHODS) row(`Refunds ${m}`, money(r.payments.refunds[m]));

  heading('Refunds');
  row('Count', r.refunds.count);
  row('Units', r.refunds.units);
  row('Total', money(r.refunds.total));
  row('Tax in it', money(r.refunds.tax));
  for (const x of r.refunds.byReason) row(`${x.label} × ${x.units}`, money(x.amount));

  heading('Exceptions');
  row('Oversells (manager override)', r.overrides.length);
  for (const o of r.overrides) row(`  ${o.receiptNumber} ${o.sku}`, `+${o.shortfall} ${o.managerId}`);
  row('Voids', r.voids.count);
  row('Voided value', money(r.voids.total));

  heading('Cash drawer');
  row('Float', money(r.cash.float));
  row('+ Cash sales', money(r.cash.sales));
  row('− Cash refunds', money(r.cash.refunds));
  row('+ Cash in', money(r.cash.cashIn));
  row('− Cash out', money(r.cash.cashOut));
  for (const m of r.movements) row(`  ${zonedTime(m.wallTime, r.timeZone)} ${m.kind === 'cash-in' ? 'in' : 'out'} ${reasonLabel(m.reason)}`, money(m.amount));
  row('Expected', money(r.cash.expected));
  row('Counted', money(r.cash.counted));
  row(r.cash.discrepancy === 0 ? 'Discrepancy' : r.cash.discrepancy < 0 ? '*** Discrepancy (short)' : '*** Discrepancy (over)', money(r.cash.discrepancy));
  rule();
  return `${out.join('\n')}\n`;
}

// ─── Helpers ─────────────────────────────────────────────────────────────────────────────────────────

function unique<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.id) && Boolean(seen.add(i.id)));
}

function tierOrder(config: EventConfig, id: string | null): number {
  const i = config.drop.tiers.findIndex((t) => t.id === id);
  return id === null ? Number.MAX_SAFE_INTEGER : i < 0 ? config.drop.tiers.length : i;
}

function reasonOrder(id: string): number {
  const i = REFUND_REASONS.findIndex((r) => r.id === id);
  return i < 0 ? REFUND_REASONS.length : i;
}

function reasonLabel(id: CashReason): string {
  return CASH_REASONS.find((r) => r.id === id)?.label ?? id;
}

/** 2000 bp → "20%", 550 → "5.5%", 1225 → "12.25%". */
export function percent(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const rest = Math.abs(bp % 100);
  return rest === 0 ? `${whole}%` : `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}%`;
}

/** Minor units as a plain decimal for files: 14830 EUR → "148.30", −200 → "-2.00", 500 JPY → "500". */
export function decimal(amount: Minor, currency: string): string {
  const digits = minorDigits(currency);
  const abs = Math.abs(amount);
  const unit = 10 ** digits;
  const whole = Math.floor(abs / unit);
  const frac = digits === 0 ? '' : `.${String(abs % unit).padStart(digits, '0')}`;
  return `${amount < 0 ? '-' : ''}${whole}${frac}`;
}

const zoned = new Map<string, Intl.DateTimeFormat>();

function zonedParts(ms: number, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
  let fmt = zoned.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    zoned.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(ms).map((p) => [p.type, p.value]));
  return { year: parts['year'] ?? '', month: parts['month'] ?? '', day: parts['day'] ?? '', hour: parts['hour'] ?? '', minute: parts['minute'] ?? '' };
}

/** YYYY-MM-DD of an instant in a time zone. */
export function zonedDate(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** HH:mm (24 h) of an instant in a time zone. */
export function zonedTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.hour}:${p.minute}`;
}

export function zonedDateTime(ms: number, timeZone: string): string {
  return `${zonedDate(ms, timeZone)} ${zonedTime(ms, timeZone)}`;
}

/** Cuts a label that would not fit, marking the cut. */
function fit(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}
