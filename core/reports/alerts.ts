import type { VoidRecord } from './audit.ts';
import type { Product } from '../catalog/catalog.ts';
import { parseHlc } from '../base/hlc.ts';
import { formatMoney } from '../base/money.ts';
import type { EventConfig, Location, Till } from '../event/event.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import type { Balance } from '../ledger/stock-view.ts';
import { couponKey, couponUses, type Coupon } from '../selling/discounts.ts';

/**
 * Stock and fraud-pattern alerts for the organiser (docs/organiser.md, "Alerts"). Pure: it looks at what the
 * event's documents hold now and says which alerts are due. Each alert has a stable id, so the same
 * situation evaluated again gives the same id and a watcher sends it once.
 *
 * Two sorts:
 *  - conditions (`ongoing: true`): low stock, below safety stock, out of stock, a cashier's refund rate. They
 *    hold while the situation lasts; a watcher forgets one when it is no longer reported, so it is raised
 *    again if the situation comes back.
 *  - occurrences (`ongoing: false`): a burst of voids, a manual price, a manager oversell, a sale outside the
 *    drop's hours, a write the server rejected. Each is raised once, for ever.
 */
export const ALERT_KINDS = ['out-of-stock', 'below-safety-stock', 'low-stock', 'refund-rate', 'repeated-voids', 'price-override', 'oversell', 'positive-adjustment', 'outside-hours', 'rejected-write', 'refund-beyond-rights', 'coupon-over-limit'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** What the alert is about; only the fields that apply are set. */
export interface AlertSubject {
  brandId?: string;
  sku?: string;
  locationId?: string;
  tillId?: string;
  cashierId?: string;
  deviceId?: string;
  /** The sale, ledger entry or document the alert points at. */
  ref?: string;
}

export interface Alert {
  /** Stable: `<kind>:<what it is about>`; the same situation always gets the same id. */
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  ongoing: boolean;
  subject: AlertSubject;
  /** One sentence for a person. */
  message: string;
  /** When it happened (epoch ms): the record's time, or `now` for a condition. */
  at: number;
}

/** A write the sync server refused (its `rejections` records). */
export interface RejectedWrite {
  at: number;
  deviceId?: string;
  doc: string;
  reason: string;
  tillId?: string;
  role?: string;
}

export interface AlertThresholds {
  /** A cashier's refunds ÷ sales above this (basis points) raises `refund-rate`. Default 2000 (20 %). */
  refundRateBp: number;
  /** …once the cashier has made at least this many sales (a first refund is not a pattern). Default 5. */
  refundRateMinSales: number;
  /** This many voids by one cashier within `voidWindowMs` raise `repeated-voids`. Default 3 in 10 minutes. */
  voidCount: number;
  voidWindowMs: number;
  /** Sales this long before the drop starts or after it ends are tolerated (clock skew). Default 0. */
  outsideHoursGraceMs: number;
  /** Stock alerts for the central reserve too (its running low is normal: stock was allocated). Default false. */
  includeReserve: boolean;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  refundRateBp: 2000,
  refundRateMinSales: 5,
  voidCount: 3,
  voidWindowMs: 10 * 60_000,
  outsideHoursGraceMs: 0,
  includeReserve: false,
};

/** A location's own thresholds for a SKU; undefined: the product's. (Per-location overrides come later.) */
export type ThresholdLookup = (product: Product, locationId: string) => { lowStockThreshold: number; safetyStock: number } | undefined;

export interface StockAt {
  brandId: string;
  /** Balances per location per SKU: `StockView.byLocation(locationOf)` of the brand's view. */
  byLocation: ReadonlyMap<string, ReadonlyMap<string, Balance>>;
}

export interface AlertInput {
  config: EventConfig;
  tills: readonly Till[];
  locations: readonly Location[];
  products: readonly Product[];
  sales: readonly Sale[];
  refunds: readonly Refund[];
  /** Voided carts and lines (core/reports/audit.ts), from the tills' records. */
  voids?: readonly VoidRecord[];
  /** Ledger entries carrying a manager override (`StockView.overrides()` of each brand). */
  overrides?: readonly LedgerEntry[];
  /** Adjustments that added stock (`StockView.positiveAdjustments()` of each brand). */
  adjustments?: readonly LedgerEntry[];
  stock?: readonly StockAt[];
  rejections?: readonly RejectedWrite[];
  thresholdFor?: ThresholdLookup;
  /** The setup's coupons: a use past a coupon's `usageLimit` raises `coupon-over-limit`. */
  coupons?: readonly Coupon[];
  now: number;
}

/** Every alert due now, most severe first, then newest first. */
export function evaluateAlerts(input: AlertInput, thresholds: Partial<AlertThresholds> = {}): Alert[] {
  const t = { ...DEFAULT_ALERT_THRESHOLDS, ...thresholds };
  const alerts = [...stockAlerts(input, t), ...refundRateAlerts(input, t), ...voidAlerts(input, t), ...priceAlerts(input), ...oversellAlerts(input), ...adjustmentAlerts(input), ...refundBeyondRightsAlerts(input), ...couponOverLimitAlerts(input), ...outsideHoursAlerts(input, t), ...rejectionAlerts(input)];
  const unique = new Map(alerts.map((a) => [a.id, a]));
  return [...unique.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.at - a.at || (a.id < b.id ? -1 : 1));
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Per SKU per location (the holders there summed): out of stock (nothing sellable), below safety stock, or
 * at/below the low-stock threshold — only the worst of the three. Every location the SKU has a balance at
 * is looked at (the reserve only when asked). A SKU with no sellable stock at any location, the reserve
 * included, gets one `out-of-stock` alert for the event (location `*`) instead of one per location.
 */
function stockAlerts(input: AlertInput, t: AlertThresholds): Alert[] {
  const out: Alert[] = [];
  const products = new Map(input.products.map((p) => [`${p.brandId}/${p.sku}`, p]));
  const locName = new Map(input.locations.map((l) => [l.id, l.name]));
  const reserveIds = new Set(input.locations.filter((l) => l.kind === 'reserve').map((l) => l.id).concat('reserve'));
  for (const brand of input.stock ?? []) {
    const perSku = new Map<string, { locationId: string; sellable: number }[]>();
    for (const [locationId, skus] of brand.byLocation) {
      for (const [sku, b] of skus) perSku.set(sku, [...(perSku.get(sku) ?? []), { locationId, sellable: b.sellable }]);
    }
    for (const [sku, rows] of perSku) {
      const p = products.get(`${brand.brandId}/${sku}`);
      if (!p) continue;
      const label = p.variant ? `${p.name} — ${p.variant}` : p.name;
      const subject = (locationId: string): AlertSubject => ({ brandId: brand.brandId, sku, locationId });
      if (rows.every((r) => r.sellable <= 0)) {
        out.push({ id: `out-of-stock:${brand.brandId}/${sku}@*`, kind: 'out-of-stock', severity: 'critical', ongoing: true, subject: subject('*'), message: `${label} (${sku}) is sold out everywhere: no location has any left`, at: input.now });
        continue;
      }
      for (const r of rows) {
        // The reserve counts for "sold out everywhere" above, but its own level only when asked.
        if (!t.includeReserve && reserveIds.has(r.locationId)) continue;
        const limits = input.thresholdFor?.(p, r.locationId) ?? p;
        const where = locName.get(r.locationId) ?? r.locationId;
        const id = (kind: AlertKind) => `${kind}:${brand.brandId}/${sku}@${r.locationId}`;
        if (r.sellable <= 0) {
          out.push({ id: id('out-of-stock'), kind: 'out-of-stock', severity: 'critical', ongoing: true, subject: subject(r.locationId), message: `${label} (${sku}) is out of stock at ${where}`, at: input.now });
        } else if (r.sellable < limits.safetyStock) {
          out.push({ id: id('below-safety-stock'), kind: 'below-safety-stock', severity: 'critical', ongoing: true, subject: subject(r.locationId), message: `${label} (${sku}) at ${where}: ${r.sellable} left, below the safety stock of ${limits.safetyStock}`, at: input.now });
        } else if (r.sellable <= limits.lowStockThreshold) {
          out.push({ id: id('low-stock'), kind: 'low-stock', severity: 'warning', ongoing: true, subject: subject(r.locationId), message: `${label} (${sku}) at ${where}: ${r.sellable} left (low-stock threshold ${limits.lowStockThreshold})`, at: input.now });
        }
      }
    }
  }
  return out;
}

/** Refunds a cashier made ÷ sales (checkouts) they made, once they have made enough sales to judge. */
function refundRateAlerts(input: AlertInput, t: AlertThresholds): Alert[] {
  const sales = new Map<string, Set<string>>();
  for (const s of input.sales) sales.set(s.cashierId, (sales.get(s.cashierId) ?? new Set()).add(s.checkoutId));
  const refunds = new Map<string, Set<string>>();
  for (const r of input.refunds) refunds.set(r.cashierId, (refunds.get(r.cashierId) ?? new Set()).add(r.id));
  const out: Alert[] = [];
  for (const [cashierId, ids] of refunds) {
    const made = sales.get(cashierId)?.size ?? 0;
    if (made < t.refundRateMinSales) continue;
    const rateBp = Math.round((ids.size * 10_000) / made);
    if (rateBp <= t.refundRateBp) continue;
    out.push({
      id: `refund-rate:${cashierId}`,
      kind: 'refund-rate',
      severity: 'warning',
      ongoing: true,
      subject: { cashierId },
      message: `cashier ${cashierId} refunded ${ids.size} time(s) for ${made} sale(s) (${(rateBp / 100).toFixed(1)} %, above ${(t.refundRateBp / 100).toFixed(1)} %)`,
      at: input.now,
    });
  }
  return out;
}

/**
 * `voidCount` voids by one cashier within `voidWindowMs` make a burst; one alert per burst, named after its
 * first void (so it stays the same as later voids arrive), and the next burst starts after its last void.
 */
function voidAlerts(input: AlertInput, t: AlertThresholds): Alert[] {
  const byCashier = new Map<string, VoidRecord[]>();
  for (const v of input.voids ?? []) byCashier.set(v.cashierId, [...(byCashier.get(v.cashierId) ?? []), v]);
  const out: Alert[] = [];
  for (const [cashierId, list] of byCashier) {
    const voids = [...new Map(list.map((v) => [v.id, v])).values()].sort((a, b) => a.wallTime - b.wallTime || (a.id < b.id ? -1 : 1));
    let i = 0;
    while (i < voids.length) {
      let j = i;
      while (j + 1 < voids.length && voids[j + 1]!.wallTime - voids[i]!.wallTime <= t.voidWindowMs) j++;
      const count = j - i + 1;
      if (count >= t.voidCount) {
        const first = voids[i]!;
        const tills = [...new Set(voids.slice(i, j + 1).map((v) => v.tillId))];
        out.push({
          id: `repeated-voids:${cashierId}:${first.id}`,
          kind: 'repeated-voids',
          severity: 'warning',
          ongoing: false,
          subject: { cashierId, tillId: tills.join(','), ref: first.id },
          message: `cashier ${cashierId} voided ${count} carts or lines within ${Math.round(t.voidWindowMs / 60_000)} minutes on ${tills.join(', ')}`,
          at: voids[j]!.wallTime,
        });
        i = j + 1;
      } else {
        i++;
      }
    }
  }
  return out;
}

function priceAlerts(input: AlertInput): Alert[] {
  const out: Alert[] = [];
  // Money in an alert reads as money ("€25.00 instead of €34.50"), never as bare minor units.
  const money = (m: number) => formatMoney(m, input.config.currency, input.config.locale);
  for (const s of input.sales) {
    s.lines.forEach((l, idx) => {
      if (!l.priceSetBy) return;
      out.push({
        id: `price-override:${s.id}:${idx}`,
        kind: 'price-override',
        severity: l.unitPrice < l.listPrice ? 'warning' : 'info',
        ongoing: false,
        subject: { brandId: s.brandId, sku: l.sku, tillId: s.tillId, cashierId: s.cashierId, ref: s.id },
        message: `${l.name} sold at ${money(l.unitPrice)} instead of ${money(l.listPrice)} on receipt ${s.receiptNumber}, price set by ${l.priceSetBy}`,
        at: s.wallTime,
      });
    });
  }
  return out;
}

function oversellAlerts(input: AlertInput): Alert[] {
  const tillByHolder = new Map(input.tills.map((t) => [`till:${t.id}`, t.id]));
  const saleTime = new Map(input.sales.map((s) => [s.id, s.wallTime]));
  return (input.overrides ?? [])
    .filter((e) => e.override)
    .map((e) => ({
      id: `oversell:${e.id}`,
      kind: 'oversell' as const,
      severity: 'warning' as const,
      ongoing: false,
      subject: { sku: e.sku, ...(e.from && tillByHolder.has(e.from) ? { tillId: tillByHolder.get(e.from)! } : {}), cashierId: e.override!.managerId, deviceId: e.writer, ref: e.ref ?? e.id },
      message: `${e.qty} × ${e.sku} sold with ${e.override!.shortfall} beyond stock, allowed by ${e.override!.managerId}: ${e.override!.reason}`,
      at: (e.ref !== undefined ? saleTime.get(e.ref) : undefined) ?? wallOfHlc(e.at),
    }));
}

/**
 * Stock that appeared by a manager's say-so rather than from the reserve: every positive adjustment is
 * raised, because it is the one entry a till writes that creates units (bounded per entry, but a pattern
 * of them is what the organiser must see).
 */
function adjustmentAlerts(input: AlertInput): Alert[] {
  const tillByHolder = new Map(input.tills.map((t) => [`till:${t.id}`, t.id]));
  return (input.adjustments ?? [])
    .filter((e) => e.kind === 'adjust' && e.qty > 0)
    .map((e) => ({
      id: `positive-adjustment:${e.id}`,
      kind: 'positive-adjustment' as const,
      severity: 'warning' as const,
      ongoing: false,
      subject: { sku: e.sku, ...(e.from && tillByHolder.has(e.from) ? { tillId: tillByHolder.get(e.from)! } : {}), ...(e.approvedBy ? { cashierId: e.approvedBy } : {}), deviceId: e.writer, ref: e.id },
      message: `${e.qty} × ${e.sku} added to ${e.from} by adjustment, approved by ${e.approvedBy ?? 'nobody'}: ${e.reason ?? ''}`,
      at: wallOfHlc(e.at),
    }));
}

/**
 * A refund a manager allowed beyond the refund rights its till held (core/refunds/refund-rights.ts): money paid out
 * that another till may also have paid out for the same units. Raised once per refund.
 */
function refundBeyondRightsAlerts(input: AlertInput): Alert[] {
  return input.refunds
    .filter((r) => r.override)
    .map((r) => ({
      id: `refund-beyond-rights:${r.id}`,
      kind: 'refund-beyond-rights' as const,
      severity: 'warning' as const,
      ongoing: false,
      subject: { brandId: r.brandId, tillId: r.tillId, cashierId: r.override!.managerId, deviceId: r.writer, ref: r.id },
      message: `refund beyond rights: receipt ${r.receiptNumber} refunded at till ${r.tillId} with ${r.override!.units} unit(s) whose refund rights it did not hold, allowed by ${r.override!.managerId}: ${r.override!.reason}`,
      at: r.wallTime,
    }));
}

/**
 * A coupon used past its `usageLimit`. Tills that were offline cannot know another till took the last use, and
 * the server cannot refuse a sale already made (core/selling/discounts.ts, checkCouponUse: one over-limit use per
 * till is accepted), so it tells the organiser instead: one alert per use past the limit, counted in hybrid-clock
 * order (the order checkCouponUse counts in), naming the receipt, the till and the cashier.
 */
function couponOverLimitAlerts(input: AlertInput): Alert[] {
  const out: Alert[] = [];
  for (const c of input.coupons ?? []) {
    const limit = c.usageLimit;
    if (limit === undefined) continue;
    const ofBrand = input.sales.filter((s) => s.brandId === c.brandId);
    const uses = couponUses(ofBrand, c.code).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.saleId < b.saleId ? -1 : 1));
    if (uses.length <= limit) continue;
    const byId = new Map(ofBrand.map((s) => [s.id, s]));
    uses.slice(limit).forEach((u, i) => {
      const s = byId.get(u.saleId)!;
      out.push({
        id: `coupon-over-limit:${couponKey(c.code)}:${s.id}`,
        kind: 'coupon-over-limit',
        severity: 'warning',
        ongoing: false,
        subject: { brandId: s.brandId, tillId: s.tillId, cashierId: s.cashierId, deviceId: s.writer, ref: s.id },
        message: `coupon ${c.code} used beyond its limit of ${limit}: receipt ${s.receiptNumber} at till ${s.tillId} was use ${limit + i + 1} (sold while the till could not know the last use was gone)`,
        at: s.wallTime,
      });
    });
  }
  return out;
}

/** The wall-clock part of an entry's hybrid-clock timestamp (entries are parsed, so it is well formed). */
function wallOfHlc(at: string): number {
  try {
    return parseHlc(at).wall;
  } catch {
    return 0;
  }
}

function outsideHoursAlerts(input: AlertInput, t: AlertThresholds): Alert[] {
  const { startsAt, endsAt } = input.config.drop;
  const out: Alert[] = [];
  for (const s of input.sales) {
    const before = s.wallTime < startsAt - t.outsideHoursGraceMs;
    const after = s.wallTime >= endsAt + t.outsideHoursGraceMs;
    if (!before && !after) continue;
    out.push({
      id: `outside-hours:${s.id}`,
      kind: 'outside-hours',
      severity: 'warning',
      ongoing: false,
      subject: { brandId: s.brandId, tillId: s.tillId, cashierId: s.cashierId, ref: s.id },
      message: `receipt ${s.receiptNumber} on ${s.tillId} was sold ${before ? 'before the drop opened' : 'after the drop closed'}`,
      at: s.wallTime,
    });
  }
  return out;
}

function rejectionAlerts(input: AlertInput): Alert[] {
  return (input.rejections ?? []).map((r) => ({
    id: `rejected-write:${r.doc}:${r.at}:${r.deviceId ?? r.role ?? 'unknown'}`,
    kind: 'rejected-write' as const,
    severity: 'critical' as const,
    ongoing: false,
    subject: { ref: r.doc, ...(r.deviceId ? { deviceId: r.deviceId } : {}), ...(r.tillId ? { tillId: r.tillId } : {}) },
    message: `the server refused a write to ${r.doc}${r.tillId ? ` from ${r.tillId}` : ''}: ${r.reason}`,
    at: r.at,
  }));
}
