import type { Alert, RejectedWrite } from '../../../core/reports/alerts.ts';
import { evaluateAlerts } from '../../../core/reports/alerts.ts';
import type { Product } from '../../../core/catalog/catalog.ts';
import { holderLocationFor } from '../../../core/reports/dashboard.ts';
import { thresholdOverride } from '../../../core/event/event.ts';
import type { LedgerEntry } from '../../../core/ledger/ledger.ts';
import type { Refund } from '../../../core/refunds/refund.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { shiftsOf } from '../../../core/event/shift.ts';
import { buildZReport, type ZReport } from '../../../core/reports/z-report.ts';
import type { OpenShiftRef } from '../../../core/reports/settlement.ts';
import type { EventState } from './event-docs.ts';

/** Whole-event lists the console's screens derive their figures from, gathered across brand and till documents. */
export const allSales = (s: EventState): Sale[] => [...s.byBrand.values()].flatMap((b) => b.sales);
export const allRefunds = (s: EventState): Refund[] => [...s.byBrand.values()].flatMap((b) => b.refunds);
export const allProducts = (s: EventState): Product[] => [...s.byBrand.values()].flatMap((b) => [...b.products.values()]);
export const allOverrides = (s: EventState): LedgerEntry[] => [...s.byBrand.values()].flatMap((b) => b.stock.overrides());

/** Z reports of every closed shift of every till, built from the till documents as the till itself builds them. */
export function closedShiftReports(s: EventState): ZReport[] {
  if (!s.config) return [];
  const sales = allSales(s);
  const refunds = allRefunds(s);
  const overrides = allOverrides(s);
  const reports: ZReport[] = [];
  for (const t of s.byTill.values()) {
    for (const shift of shiftsOf(t.shiftEvents, t.tillId)) {
      if (!shift.close) continue;
      reports.push(buildZReport({ config: s.config, shift, sales, refunds, refundedSales: sales, overrides }));
    }
  }
  return reports.sort((a, b) => a.openedAt - b.openedAt);
}

/** Shifts still open on every till (no Z report yet): reconciliation sets their records aside until they close. */
export function openShifts(s: EventState): OpenShiftRef[] {
  const out: OpenShiftRef[] = [];
  for (const t of s.byTill.values()) for (const shift of shiftsOf(t.shiftEvents, t.tillId)) if (!shift.close) out.push({ tillId: t.tillId, shiftId: shift.id, openedAt: shift.openedAt });
  return out.sort((a, b) => a.openedAt - b.openedAt);
}

/** Every alert due now over the live documents, with the server's rejected writes. */
export function liveAlerts(s: EventState, rejections: readonly RejectedWrite[], now: number): Alert[] {
  if (!s.config) return [];
  const locationOf = holderLocationFor(s.tills, s.locations);
  return evaluateAlerts({
    config: s.config,
    tills: s.tills,
    locations: s.locations,
    products: allProducts(s),
    sales: allSales(s),
    refunds: allRefunds(s),
    voids: [...s.byTill.values()].flatMap((t) => t.voids),
    overrides: allOverrides(s),
    stock: [...s.byBrand.values()].map((b) => ({ brandId: b.brandId, byLocation: b.stock.byLocation(locationOf) })),
    rejections,
    thresholdFor: thresholdOverride(s.thresholds),
    coupons: s.coupons ?? [],
    now,
  });
}
