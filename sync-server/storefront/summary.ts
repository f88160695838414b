import { toCsv } from '../../core/base/csv.ts';
import { locationOfFor, type Brand, type EventConfig, type Location, type Till } from '../../core/event/event.ts';
import type { Refund } from '../../core/refunds/refund.ts';
import type { Sale, SaleLine } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { EventNotFound } from '../server-errors.ts';
import { DISCOUNT_CSV_COLUMNS, DiscountTally, MoneyTally, type DiscountFigure } from '../../core/reports/figures.ts';

/**
 * The organiser's sales summary: every sale and refund of every brand document (tills and online alike),
 * totalled and broken down. Money is minor units of the event's one currency, in the figures every report
 * shares (core/reports/figures.ts): `gross` (sale totals, tax included), `refunds`, `netSales` = gross −
 * refunds, `salesTax`, `refundTax`, `tax` = salesTax − refundTax, `discounts`.
 *
 * A refund counts where and when it was made (its brand, till, location and hour) and against the source,
 * SKU and tier of the sale it returns. Sale-level breakdowns (brand, location, till, hour, source) each add up
 * to the totals. Line-level ones (SKU, tier) add up too for units and money; their `orders`/`sales` count the
 * orders and sales that contain the row, so those do not add up when one order holds several rows. An order
 * (one checkout) that spans brands counts once in the totals and once under each of its brands.
 */
export interface SummaryFigures {
  /** Checkouts: one receipt, possibly several brands. */
  orders: number;
  /** Sale records: one per brand per checkout. */
  sales: number;
  units: number;
  gross: number;
  refunds: number;
  netSales: number;
  salesTax: number;
  refundTax: number;
  tax: number;
  discounts: number;
}

export interface SummaryRow extends SummaryFigures {
  key: string;
  label?: string;
}

export interface SalesSummary {
  eventId: string;
  currency: string;
  timeZone: string;
  totals: SummaryFigures;
  /** Refund records (money given back): how many, and their sum (the totals' `refunds`). */
  refunds: { count: number; amount: number };
  byBrand: SummaryRow[];
  byLocation: SummaryRow[];
  byTill: SummaryRow[];
  /** Hour of the sale in the event's time zone: `2026-11-21T10`. */
  byHour: SummaryRow[];
  bySku: (SummaryRow & { brandId: string; sku: string })[];
  /** Discount tier of the line; `none` when no tier applied. */
  byTier: SummaryRow[];
  /** The creator code or link the order came from; `direct` when none. */
  bySource: SummaryRow[];
  /** Every discount under its own name (core/reports/figures.ts DiscountTally); adds up to `totals.discounts`. */
  byDiscount: DiscountFigure[];
  /** Stored sales that failed validation: counted here, never silently dropped. */
  invalidSales: number;
}

export interface SummaryInput {
  config: EventConfig;
  brands: Brand[];
  locations: Location[];
  tills: Till[];
  /** Per brand: its sales, refunds, and how many stored sales were invalid. */
  docs: { brandId: string; sales: Sale[]; refunds: Refund[]; invalid: number }[];
}

class Bucket {
  private readonly orders = new Set<string>();
  private readonly sales = new Set<string>();
  units = 0;
  readonly money = new MoneyTally();

  constructor(
    readonly key: string,
    readonly label?: string,
  ) {}

  addSale(s: Sale): void {
    this.orders.add(s.checkoutId);
    this.sales.add(s.id);
    this.units += s.lines.reduce((a, l) => a + l.qty, 0);
    this.money.addSale(s);
  }

  addRefund(r: Refund): void {
    this.money.addRefund(r);
  }

  addRefundLine(l: Refund['lines'][number]): void {
    this.money.addAmounts({ refunds: l.amount, refundTax: l.tax });
  }

  addLine(s: Sale, l: SaleLine, taxMode: EventConfig['taxMode']): void {
    this.orders.add(s.checkoutId);
    this.sales.add(s.id);
    this.units += l.qty;
    // The discount as the till computes it (core/selling/tax.ts cartTotals): list amount less what was charged, in the tax mode.
    this.money.addAmounts({ gross: l.gross, salesTax: l.tax, discounts: l.listPrice * l.qty - (taxMode === 'inclusive' ? l.gross : l.net) });
  }

  figures(): SummaryFigures {
    return { orders: this.orders.size, sales: this.sales.size, units: this.units, ...this.money.figures() };
  }

  row(): SummaryRow {
    return { key: this.key, ...(this.label !== undefined ? { label: this.label } : {}), ...this.figures() };
  }
}

class Breakdown {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly labelOf: (key: string) => string | undefined = () => undefined) {}

  get(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket(key, this.labelOf(key));
      this.buckets.set(key, b);
    }
    return b;
  }

  rows(order: 'netSales' | 'key' = 'netSales'): SummaryRow[] {
    const rows = [...this.buckets.values()].map((b) => b.row());
    return rows.sort((a, b) => (order === 'netSales' ? b.netSales - a.netSales : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** `YYYY-MM-DDTHH` of an instant in a time zone (24-hour clock). */
export function hourKey(ms: number, fmt: Intl.DateTimeFormat): string {
  const parts = Object.fromEntries(fmt.formatToParts(ms).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}`;
}

export function hourFormat(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
}

export function summarise(input: SummaryInput): SalesSummary {
  const { config } = input;
  const brandName = new Map(input.brands.map((b) => [b.id, b.name]));
  const locationName = new Map<string, string>(input.locations.map((l) => [l.id, l.name]));
  const tillName = new Map(input.tills.map((t) => [t.id, t.name]));
  const locationOf = locationOfFor(input.tills);
  const fmt = hourFormat(config.timeZone);

  const total = new Bucket('total');
  const byBrand = new Breakdown((k) => brandName.get(k));
  const byLocation = new Breakdown((k) => locationName.get(k));
  const byTill = new Breakdown((k) => tillName.get(k) ?? (k === 'online' ? 'Online' : undefined));
  const byHour = new Breakdown();
  const bySku = new Breakdown();
  const skuNames = new Map<string, string>();
  const byTier = new Breakdown();
  const bySource = new Breakdown();
  const byDiscount = new DiscountTally(config);
  const refunds = { count: 0, amount: 0 };
  let invalid = 0;

  // Every brand appears, even one with no sales yet.
  for (const b of input.brands) byBrand.get(b.id);
  for (const doc of input.docs) {
    invalid += doc.invalid;
    for (const s of doc.sales) {
      total.addSale(s);
      byBrand.get(s.brandId).addSale(s);
      byLocation.get(locationOf(s.holder) ?? 'unknown').addSale(s);
      byTill.get(s.tillId).addSale(s);
      byHour.get(hourKey(s.wallTime, fmt)).addSale(s);
      bySource.get(s.source ?? 'direct').addSale(s);
      byDiscount.addSale(s);
      for (const l of s.lines) {
        const k = `${s.brandId}/${l.sku}`;
        skuNames.set(k, l.name);
        bySku.get(k).addLine(s, l, config.taxMode);
        byTier.get(l.tierId ?? 'none').addLine(s, l, config.taxMode);
      }
    }
  }
  // Refunds after every sale is known, so each is attributed to its sale's source and tier.
  const saleById = new Map(input.docs.flatMap((d) => d.sales.map((s) => [s.id, s] as const)));
  for (const doc of input.docs) {
    for (const r of doc.refunds) {
      refunds.count++;
      refunds.amount += r.total;
      const sale = saleById.get(r.saleId);
      total.addRefund(r);
      byBrand.get(r.brandId).addRefund(r);
      byLocation.get(locationOf(r.holder) ?? 'unknown').addRefund(r);
      byTill.get(r.tillId).addRefund(r);
      byHour.get(hourKey(r.wallTime, fmt)).addRefund(r);
      bySource.get(sale?.source ?? 'direct').addRefund(r);
      for (const l of r.lines) {
        bySku.get(`${r.brandId}/${l.sku}`).addRefundLine(l);
        const sold = sale?.lines.find((x) => x.sku === l.sku && x.serial === l.serial) ?? sale?.lines.find((x) => x.sku === l.sku);
        byTier.get(sold?.tierId ?? 'none').addRefundLine(l);
      }
    }
  }
  return {
    eventId: config.id,
    currency: config.currency,
    timeZone: config.timeZone,
    totals: total.figures(),
    refunds,
    byBrand: byBrand.rows(),
    byLocation: byLocation.rows(),
    byTill: byTill.rows(),
    byHour: byHour.rows('key'),
    bySku: bySku.rows().map((r) => {
      const slash = r.key.indexOf('/');
      return { ...r, brandId: r.key.slice(0, slash), sku: r.key.slice(slash + 1), label: skuNames.get(r.key) ?? r.key };
    }),
    byTier: byTier.rows(),
    bySource: bySource.rows(),
    byDiscount: byDiscount.figures(),
    invalidSales: invalid,
  };
}

const MONEY_COLUMNS = ['gross', 'refunds', 'netSales', 'salesTax', 'refundTax', 'tax', 'discounts'] as const;

/** The per-brand table as CSV (RFC 4180, formula-safe), money in minor units with the currency beside it. */
export function brandCsv(summary: SalesSummary): string {
  const header = ['brandId', 'brandName', 'currency', 'orders', 'sales', 'units', ...MONEY_COLUMNS];
  const rows = summary.byBrand.map((r) => [r.key, r.label ?? '', summary.currency, ...[r.orders, r.sales, r.units, ...MONEY_COLUMNS.map((k) => r[k])].map(String)]);
  return toCsv([header, ...rows]);
}

/** Discounts by name as CSV, money in minor units like the per-brand table. */
export function discountCsv(summary: SalesSummary): string {
  const header = ['key', 'currency', ...DISCOUNT_CSV_COLUMNS];
  return toCsv([header, ...summary.byDiscount.map((d) => [d.key, summary.currency, d.kind, d.name, d.code ?? '', String(d.sales), String(d.amount)])]);
}

/** Reads the event's setup and every brand document, and summarises them. */
export async function loadSummary(deps: { hub: DocHub; events: EventService }, eventId: string): Promise<SalesSummary> {
  const { config, brands, locations, tills } = await deps.events.setup(eventId);
  if (!config) throw new EventNotFound(eventId);
  const docs: SummaryInput['docs'] = [];
  for (const b of brands) {
    docs.push(
      await deps.hub.read(brandDocName(eventId, b.id), (doc) => {
        const brand = new BrandDoc(doc);
        const sales = brand.sales();
        return { brandId: b.id, sales: sales.items, refunds: brand.refunds().items, invalid: sales.invalid.length };
      }),
    );
  }
  return summarise({ config, brands, locations, tills, docs });
}
