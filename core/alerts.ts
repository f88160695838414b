import type { VoidRecord } from './audit.ts';
import type { Product } from './catalog.ts';
import type { EventConfig, Location, Till } from './event.ts';
import type { LedgerEntry } from './ledger.ts';
import type { Refund } from './refund.ts';
import type { Sale } from './sale.ts';
import type { Balance } from './stock-view.ts';

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
export const ALERT_KINDS = ['out-of-stock', 'below-safety-stock', 'low-stock', 'refund-rate', 'repeated-voids', 'price-override', 'oversell', 'outside-hours', 'rejected-write'] as const;
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
  /** Voided carts and lines (core/audit.ts), from the tills' records. */
  voids?: readonly VoidRecord[];
  /** Ledger entries carrying a manager override (`StockView.overrides()` of each brand). */
  overrides?: readonly LedgerEntry[];
  stock?: readonly StockAt[];
  rejections?: readonly RejectedWrite[];
  thresholdFor?: ThresholdLookup;
  now: number;
}

/** Every alert due now, most severe first, then newest first. */
export function evaluateAlerts(input: AlertInput, thresholds: Partial<AlertThresholds> = {}): Alert[] {
  throw new Error(`evaluateAlerts: not built yet (${input.sales.length}, ${Object.keys(thresholds).length})`);
}
