import { toCsv } from '../base/csv.ts';
import { ValidationError } from '../base/errors.ts';
import type { Brand, EventConfig, Location, Till } from '../event/event.ts';
import { ONLINE, RESERVE } from '../ledger/holders.ts';
import type { HolderId } from '../ledger/holders.ts';
import { divRound, type Minor } from '../base/money.ts';
import type { Product } from '../catalog/catalog.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import type { SkuTotals } from '../ledger/stock-view.ts';
import { decimal } from './z-report.ts';
import { DISCOUNT_CSV_COLUMNS, DiscountTally, MoneyTally, refundTaxOf, type DiscountFigure } from './figures.ts';

/**
 * The organiser's live dashboard: what the event has sold, cut by brand, booth, till, hour, discount tier,
 * source and channel, plus the hero items' sell-through. Pure: the console hands in what it syncs (the
 * setup document's config, brands, locations and tills; every brand document's products, sales, refunds and
 * stock view) and gets figures back.
 *
 * Definitions (docs/organiser.md, "Dashboard"):
 *  - `gross`: what customers paid, tax included (Σ sale totals).
 *  - `refunded`: money given back (Σ refund totals). `netSales` = gross − refunded; `tax` = tax in the sales
 *    − tax in the refunds. These are figures.ts's definitions, the same as the settlement's and the summary's.
 *  - `orders`: checkouts. A multi-brand checkout writes one sale per brand under one `checkoutId`: it is one
 *    order in the totals and one order under each of its brands.
 *  - `averageOrder`: gross ÷ orders, rounded half-up to the minor unit (0 with no orders).
 *  - Refunds are counted where and when they happened (the refund's till, booth and hour), and against the
 *    source, tier and channel of the sale they return (found by `saleId`; `direct`/in person if that sale is
 *    not at hand).
 *  - Channel: `online` for sales of the online holder (storefront orders, `tillId` "online") and of hubs
 *    (online orders fulfilled from a micro-hub); `in-person` for sales at a till.
 *
 * Incremental: `DashboardAccumulator` takes records one at a time (each id counted once, so a replayed
 * document or a resent update never counts twice) and `snapshot()` builds the tables from its running
 * totals. Measured (core/reports/dashboard.test.ts): 100 000 sales and 5 000 refunds aggregate in ~500 ms from
 * scratch on the shared 2-core development machine (the test's bound is 2 s); a new sale then costs a few
 * microseconds, and a snapshot is proportional to the number of rows, not of sales.
 */
export interface DashboardFigures {
  orders: number;
  /** Sale records (one per brand per checkout). */
  sales: number;
  units: number;
  unitsRefunded: number;
  gross: Minor;
  refunded: Minor;
  /** gross − refunded (figures.ts `netSales`). */
  netSales: Minor;
  /** Tax in the sales − tax in the refunds (figures.ts `tax`). */
  tax: Minor;
  discount: Minor;
  averageOrder: Minor;
}

export interface DashboardRow extends DashboardFigures {
  key: string;
  label: string;
}

export interface HeroRow {
  brandId: string;
  sku: string;
  label: string;
  received: number;
  sold: number;
  returned: number;
  /** (sold − returned) ÷ received, in basis points (10 000 = all sold); null when nothing was received. */
  sellThroughBp: number | null;
}

export interface SourceRow extends DashboardRow {
  /** Clicks on the creator's link (when known) and orders ÷ clicks in basis points; null without clicks. */
  clicks: number | null;
  conversionBp: number | null;
}

export type Channel = 'online' | 'in-person';

export interface Dashboard {
  eventId: string;
  currency: string;
  timeZone: string;
  totals: DashboardFigures;
  byBrand: DashboardRow[];
  /** By booth / location (key: location id; `online` for the online channel when it has no location). */
  byLocation: DashboardRow[];
  byTill: DashboardRow[];
  /** Local hour in the event's time zone, `YYYY-MM-DDTHH`, in time order. */
  byHour: DashboardRow[];
  /** Discount tier of the sold lines (`none`: no tier); line-level, refunds not subtracted. */
  byTier: DashboardRow[];
  /** Creator code or link (`direct`: none). */
  bySource: SourceRow[];
  byChannel: DashboardRow[];
  /** Every discount under its own name (figures.ts DiscountTally): tiers, price changes, reasons, coupons. */
  byDiscount: DiscountFigure[];
  hero: HeroRow[];
}

export interface DashboardContext {
  config: EventConfig;
  brands: readonly Brand[];
  locations: readonly Location[];
  tills: readonly Till[];
  products: readonly Product[];
  /** Units received per SKU of a brand: `StockView.skuTotals` of the brand's view. Without it, no hero rows. */
  skuTotals?: (brandId: string, sku: string) => Pick<SkuTotals, 'received'>;
  /** Clicks per creator code (from the redirect links). */
  clicks?: Readonly<Record<string, number>>;
}

export interface DashboardInput extends DashboardContext {
  sales: readonly Sale[];
  refunds: readonly Refund[];
}

export type DashboardTable = 'byBrand' | 'byLocation' | 'byTill' | 'byHour' | 'byTier' | 'bySource' | 'byChannel' | 'byDiscount' | 'hero';
export const DASHBOARD_TABLES: readonly DashboardTable[] = ['byBrand', 'byLocation', 'byTill', 'byHour', 'byTier', 'bySource', 'byChannel', 'byDiscount', 'hero'];

/** Online for the online holder and hubs (online orders fulfilled from a micro-hub); a till is in person. */
export function channelOf(holder: HolderId): Channel {
  return holder === ONLINE || holder.startsWith('hub:') ? 'online' : 'in-person';
}

/** Where a holder is: a till at its booth, a hub at its own location, the reserve/online at theirs. */
export function holderLocationFor(tills: readonly Till[], locations: readonly Location[]): (h: HolderId) => string {
  const tillLoc = new Map(tills.map((t) => [`till:${t.id}`, t.locationId]));
  const reserve = locations.find((l) => l.kind === 'reserve')?.id ?? 'reserve';
  const online = locations.find((l) => l.kind === 'online')?.id ?? 'online';
  return (h) => tillLoc.get(h) ?? (h.startsWith('hub:') ? h.slice(4) : h === RESERVE ? reserve : h === ONLINE ? online : 'unknown');
}

// ─── Time buckets ──────────────────────────────────────────────────────────────────────────────────

const QUARTER_MS = 15 * 60_000;

/**
 * Local `YYYY-MM-DDTHH` and `YYYY-MM-DD` of instants in one time zone, cached per UTC quarter hour: every
 * zone's offset is a whole number of quarter hours (UTC+5:45 is the finest in the IANA database since
 * 1986), so all instants of one quarter fall in the same local hour. That turns 100k Intl calls into a
 * few dozen.
 */
export class ZonedClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, string>();

  constructor(readonly timeZone: string) {
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    } catch {
      throw new ValidationError('timeZone', `"${timeZone}" is not an IANA time zone`);
    }
  }

  hour(ms: number): string {
    const q = Math.floor(ms / QUARTER_MS);
    let k = this.cache.get(q);
    if (k === undefined) {
      const p = Object.fromEntries(this.fmt.formatToParts(ms).map((x) => [x.type, x.value]));
      k = `${p['year']}-${p['month']}-${p['day']}T${p['hour']}`;
      this.cache.set(q, k);
    }
    return k;
  }

  day(ms: number): string {
    return this.hour(ms).slice(0, 10);
  }
}

// ─── Accumulation ──────────────────────────────────────────────────────────────────────────────────

class Bucket {
  readonly orders = new Set<string>();
  sales = 0;
  units = 0;
  unitsRefunded = 0;
  gross = 0;
  refunded = 0;
  tax = 0;
  refundTax = 0;
  discount = 0;

  figures(): DashboardFigures {
    const orders = this.orders.size;
    const money = new MoneyTally();
    money.addAmounts({ gross: this.gross, refunds: this.refunded, salesTax: this.tax, refundTax: this.refundTax, discounts: this.discount });
    const f = money.figures();
    return {
      orders,
      sales: this.sales,
      units: this.units,
      unitsRefunded: this.unitsRefunded,
      gross: this.gross,
      refunded: this.refunded,
      netSales: f.netSales,
      tax: f.tax,
      discount: this.discount,
      averageOrder: orders === 0 ? 0 : divRound(this.gross, orders, 'half-up'),
    };
  }
}

class Table {
  readonly buckets = new Map<string, Bucket>();
  get(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket();
      this.buckets.set(key, b);
    }
    return b;
  }
}

const TABLE_KEYS = ['byBrand', 'byLocation', 'byTill', 'byHour', 'byTier', 'bySource', 'byChannel'] as const;
type TableKey = (typeof TABLE_KEYS)[number];

/**
 * Running dashboard totals. Feed it sales and refunds as they arrive (Yjs "add" events); each id counts
 * once. A refund that arrives before its sale is attributed to `direct`/in person/no tier until the sale is
 * known — re-create the accumulator to re-attribute (the console does this on a full reload).
 */
export class DashboardAccumulator {
  private readonly seen = new Set<string>();
  private readonly total = new Bucket();
  private readonly tables = Object.fromEntries(TABLE_KEYS.map((k) => [k, new Table()])) as Record<TableKey, Table>;
  /** Per sale id: what a later refund needs to be attributed like it. */
  private readonly saleInfo = new Map<string, { source: string; channel: Channel; tiers: Map<string, string> }>();
  /** Per brand/sku: units sold and returned, for sell-through. */
  private readonly skuUnits = new Map<string, { sold: number; returned: number }>();
  private readonly discounts: DiscountTally;
  private readonly clock: ZonedClock;
  private readonly locationOf: (h: HolderId) => string;

  constructor(private readonly ctx: Pick<DashboardContext, 'config' | 'tills' | 'locations'>) {
    this.clock = new ZonedClock(ctx.config.timeZone);
    this.locationOf = holderLocationFor(ctx.tills, ctx.locations);
    this.discounts = new DiscountTally(ctx.config);
  }

  /** Records counted so far (sales and refunds). */
  get size(): number {
    return this.seen.size;
  }

  addSale(s: Sale): boolean {
    if (s.eventId !== this.ctx.config.id || this.seen.has(s.id)) return false;
    this.seen.add(s.id);
    const source = s.source ?? 'direct';
    const channel = channelOf(s.holder);
    const units = s.lines.reduce((a, l) => a + l.qty, 0);
    const buckets = [
      this.total,
      this.tables.byBrand.get(s.brandId),
      this.tables.byLocation.get(this.locationOf(s.holder)),
      this.tables.byTill.get(s.tillId),
      this.tables.byHour.get(this.clock.hour(s.wallTime)),
      this.tables.bySource.get(source),
      this.tables.byChannel.get(channel),
    ];
    for (const b of buckets) {
      b.orders.add(s.checkoutId);
      b.sales++;
      b.units += units;
      b.gross += s.total;
      b.tax += s.tax;
      b.discount += s.discount;
    }
    const tiers = new Map<string, string>();
    const taxMode = this.ctx.config.taxMode;
    for (const l of s.lines) {
      const tier = l.tierId ?? 'none';
      tiers.set(`${l.sku}\u0000${l.serial ?? ''}`, tier);
      const t = this.tables.byTier.get(tier);
      t.orders.add(s.checkoutId);
      t.sales++;
      t.units += l.qty;
      t.gross += l.gross;
      t.tax += l.tax;
      // As the till counts a line's discount (core/selling/tax.ts): list amount less what was charged, in the tax mode.
      t.discount += l.listPrice * l.qty - (taxMode === 'inclusive' ? l.gross : l.net);
      const k = `${s.brandId}/${l.sku}`;
      const u = this.skuUnits.get(k) ?? { sold: 0, returned: 0 };
      u.sold += l.qty;
      this.skuUnits.set(k, u);
    }
    this.discounts.addSale(s);
    this.saleInfo.set(s.id, { source, channel, tiers });
    return true;
  }

  addRefund(r: Refund): boolean {
    if (r.eventId !== this.ctx.config.id || this.seen.has(r.id)) return false;
    this.seen.add(r.id);
    const sale = this.saleInfo.get(r.saleId);
    const units = r.lines.reduce((a, l) => a + l.qty, 0);
    const buckets = [
      this.total,
      this.tables.byBrand.get(r.brandId),
      this.tables.byLocation.get(this.locationOf(r.holder)),
      this.tables.byTill.get(r.tillId),
      this.tables.byHour.get(this.clock.hour(r.wallTime)),
      this.tables.bySource.get(sale?.source ?? 'direct'),
      this.tables.byChannel.get(sale?.channel ?? 'in-person'),
    ];
    const refundTax = refundTaxOf(r);
    for (const b of buckets) {
      b.unitsRefunded += units;
      b.refunded += r.total;
      b.refundTax += refundTax;
    }
    for (const l of r.lines) {
      const t = this.tables.byTier.get(sale?.tiers.get(`${l.sku}\u0000${l.serial ?? ''}`) ?? 'none');
      t.unitsRefunded += l.qty;
      t.refunded += l.amount;
      t.refundTax += l.tax;
      const k = `${r.brandId}/${l.sku}`;
      const u = this.skuUnits.get(k) ?? { sold: 0, returned: 0 };
      u.returned += l.qty;
      this.skuUnits.set(k, u);
    }
    return true;
  }

  /** The tables as they stand; every brand (and every tier of the drop) appears even with no sales. */
  snapshot(ctx: DashboardContext): Dashboard {
    const { config } = ctx;
    const brandName = new Map(ctx.brands.map((b) => [b.id, b.name]));
    const locName = new Map(ctx.locations.map((l) => [l.id, l.name]));
    const tillName = new Map<string, string>(ctx.tills.map((t) => [t.id, t.name]));
    const tierLabel = new Map(config.drop.tiers.map((t) => [t.id, t.label]));
    const rows = (key: TableKey, label: (k: string) => string, seed: readonly string[] = []): DashboardRow[] => {
      const table = this.tables[key];
      const keys = [...new Set([...seed, ...table.buckets.keys()])];
      return keys.map((k) => ({ key: k, label: label(k), ...(table.buckets.get(k) ?? new Bucket()).figures() }));
    };
    const byNetSales = (a: DashboardRow, b: DashboardRow) => b.netSales - a.netSales || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const byKey = (a: DashboardRow, b: DashboardRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const tierOrder = (k: string) => {
      const i = config.drop.tiers.findIndex((t) => t.id === k);
      return i < 0 ? config.drop.tiers.length + (k === 'none' ? 1 : 0) : i;
    };
    const bySource: SourceRow[] = rows('bySource', (k) => (k === 'direct' ? 'Direct' : k), Object.keys(ctx.clicks ?? {}))
      .sort(byNetSales)
      .map((r) => {
        const clicks = r.key === 'direct' ? undefined : ctx.clicks?.[r.key];
        return { ...r, clicks: clicks ?? null, conversionBp: clicks ? divRound(r.orders * 10_000, clicks, 'half-up') : null };
      });
    const hero: HeroRow[] = [];
    if (ctx.skuTotals) {
      for (const p of ctx.products) {
        if (!p.hero) continue;
        const u = this.skuUnits.get(`${p.brandId}/${p.sku}`) ?? { sold: 0, returned: 0 };
        const received = ctx.skuTotals(p.brandId, p.sku).received;
        hero.push({
          brandId: p.brandId,
          sku: p.sku,
          label: p.variant ? `${p.name} — ${p.variant}` : p.name,
          received,
          sold: u.sold,
          returned: u.returned,
          sellThroughBp: received > 0 ? divRound((u.sold - u.returned) * 10_000, received, 'half-up') : null,
        });
      }
      hero.sort((a, b) => (b.sellThroughBp ?? -1) - (a.sellThroughBp ?? -1) || (a.sku < b.sku ? -1 : 1));
    }
    return {
      eventId: config.id,
      currency: config.currency,
      timeZone: config.timeZone,
      totals: this.total.figures(),
      byBrand: rows('byBrand', (k) => brandName.get(k) ?? k, ctx.brands.map((b) => b.id)).sort(byNetSales),
      byLocation: rows('byLocation', (k) => locName.get(k) ?? (k === 'online' ? 'Online' : k)).sort(byNetSales),
      byTill: rows('byTill', (k) => tillName.get(k) ?? (k === 'online' ? 'Online' : k)).sort(byNetSales),
      byHour: rows('byHour', (k) => `${k.slice(0, 10)} ${k.slice(11)}:00`).sort(byKey),
      byTier: rows('byTier', (k) => (k === 'none' ? 'No tier' : (tierLabel.get(k) ?? k)), config.drop.tiers.map((t) => t.id)).sort((a, b) => tierOrder(a.key) - tierOrder(b.key)),
      bySource,
      byChannel: rows('byChannel', (k) => (k === 'online' ? 'Online' : 'In person'), ['in-person', 'online']).sort(byKey),
      byDiscount: this.discounts.figures(),
      hero,
    };
  }
}

/** The whole dashboard from scratch (the accumulator fed every record once). */
export function buildDashboard(input: DashboardInput): Dashboard {
  const acc = new DashboardAccumulator(input);
  for (const s of input.sales) acc.addSale(s);
  for (const r of input.refunds) acc.addRefund(r);
  return acc.snapshot(input);
}

// ─── CSV ───────────────────────────────────────────────────────────────────────────────────────────

const FIGURE_COLUMNS = ['orders', 'sales', 'units', 'unitsRefunded', 'gross', 'refunded', 'netSales', 'tax', 'discount', 'averageOrder'] as const;
const MONEY_COLUMNS = new Set<string>(['gross', 'refunded', 'netSales', 'tax', 'discount', 'averageOrder']);

/**
 * One table of the dashboard as CSV (core/base/csv.ts: RFC 4180, formula-safe). Money is a plain decimal in the
 * event currency (named in the `currency` column) so a spreadsheet reads it as a number; the hour table's
 * keys are local to the event's time zone.
 */
export function dashboardCsv(d: Dashboard, table: DashboardTable): string {
  if (table === 'hero') {
    const header = ['brandId', 'sku', 'label', 'received', 'sold', 'returned', 'sellThroughPercent'];
    return toCsv([header, ...d.hero.map((h) => [h.brandId, h.sku, h.label, String(h.received), String(h.sold), String(h.returned), h.sellThroughBp === null ? '' : decimal(h.sellThroughBp, 'EUR')])]);
  }
  if (table === 'byDiscount') {
    const header = ['key', 'currency', ...DISCOUNT_CSV_COLUMNS];
    return toCsv([header, ...d.byDiscount.map((r) => [r.key, d.currency, r.kind, r.name, r.code ?? '', String(r.sales), decimal(r.amount, d.currency)])]);
  }
  if (!DASHBOARD_TABLES.includes(table)) throw new ValidationError('table', `must be one of ${DASHBOARD_TABLES.join(', ')}`);
  const extra = table === 'bySource' ? ['clicks', 'conversionPercent'] : [];
  const header = ['key', 'label', 'currency', ...FIGURE_COLUMNS, ...extra];
  const body = (d[table] as DashboardRow[]).map((r) => {
    const row = [r.key, r.label, d.currency, ...FIGURE_COLUMNS.map((c) => (MONEY_COLUMNS.has(c) ? decimal(r[c], d.currency) : String(r[c])))];
    if (table === 'bySource') {
      const s = r as SourceRow;
      // Basis points as a percentage with two decimals ("12.50"): decimal() of a 2-digit currency does that.
      row.push(s.clicks === null ? '' : String(s.clicks), s.conversionBp === null ? '' : decimal(s.conversionBp, 'EUR'));
    }
    return row;
  });
  return toCsv([header, ...body]);
}
