import type { ThresholdLookup } from './alerts.ts';
import type { Product } from './catalog.ts';
import type { Location, Till } from './event.ts';
import type { HolderId } from './holders.ts';
import type { BalanceReader } from './stock-view.ts';

/**
 * Rebalancing suggestions (docs/organiser.md, "Rebalancing"): move stock rights from holders with units to
 * spare to holders running low, and the pick lists for carrying the units.
 *
 *  - Receivers: each till and the online channel whose sellable units of a SKU are at or below the SKU's
 *    low-stock threshold (per holder: a till needs its own rights to sell). Each is topped up to `refillTo`
 *    (default twice the threshold, at least threshold + 1), most urgent first (fewest units, then holder id).
 *  - Donors: only holders the server writes for (the organiser moves their stock through the API; a till
 *    gives its own stock away itself): the central reserve first, then the hubs. A donor keeps its safety
 *    stock: it gives at most `sellable − safetyStock`. Among hubs the nearest to the receiver goes first
 *    when both have coordinates (great-circle distance), those without coordinates after, by id.
 *  - Quantities are whole units; a receiver may be served by several donors; what cannot be covered is
 *    reported as `shortfall`.
 */
export interface Move {
  brandId: string;
  sku: string;
  from: HolderId;
  to: HolderId;
  fromLocationId: string;
  toLocationId: string;
  qty: number;
  /** Great-circle distance between the two locations, when both have coordinates. */
  distanceKm: number | null;
}

export interface Shortfall {
  brandId: string;
  sku: string;
  holder: HolderId;
  /** Units still missing after every donor gave what it could spare. */
  missing: number;
}

export interface RebalanceInput {
  brandId: string;
  products: readonly Product[];
  tills: readonly Till[];
  locations: readonly Location[];
  /** The brand's stock (its StockView): balances per holder, and which holders exist. */
  stock: BalanceReader & { holders(): HolderId[] };
  thresholdFor?: ThresholdLookup;
  /** Units a low holder is brought up to; default max(2 × low-stock threshold, threshold + 1). */
  refillTo?: (product: Product, holder: HolderId) => number;
}

export interface RebalancePlan {
  moves: Move[];
  shortfalls: Shortfall[];
}

export function suggestRebalance(input: RebalanceInput): RebalancePlan {
  throw new Error(`suggestRebalance: not built yet (${input.brandId})`);
}

/** Great-circle distance in km (haversine, mean Earth radius 6371 km). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  throw new Error(`distanceKm: not built yet (${a.lat},${b.lat})`);
}

// ─── Transfers and pick lists ──────────────────────────────────────────────────────────────────────

/** The moves as bodies for `POST /api/events/:eventId/stock/transfer`, one per (from, to). */
export function transferRequests(moves: readonly Move[]): { from: HolderId; to: HolderId; lines: { brandId: string; sku: string; qty: number }[] }[] {
  throw new Error(`transferRequests: not built yet (${moves.length})`);
}

export interface PickLine {
  brandId: string;
  sku: string;
  label: string;
  qty: number;
  to: HolderId;
  toLocationId: string;
  toName: string;
}

/** What to take from one location, grouped so a runner walks it once: sorted by destination, then SKU. */
export interface PickList {
  fromLocationId: string;
  fromName: string;
  lines: PickLine[];
  units: number;
}

export function pickLists(moves: readonly Move[], ctx: { products: readonly Product[]; locations: readonly Location[]; tills: readonly Till[] }): PickList[] {
  throw new Error(`pickLists: not built yet (${moves.length}, ${ctx.products.length})`);
}

/** Pick lists as CSV: one row per line, `from` first. */
export function pickListCsv(lists: readonly PickList[]): string {
  throw new Error(`pickListCsv: not built yet (${lists.length})`);
}

/** Pick lists as printable text (one block per from-location, a tick box per line). */
export function pickListText(lists: readonly PickList[]): string {
  throw new Error(`pickListText: not built yet (${lists.length})`);
}
