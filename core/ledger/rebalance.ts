import type { ThresholdLookup } from '../reports/alerts.ts';
import { productLabel, type Product } from '../catalog/catalog.ts';
import { toCsv } from '../base/csv.ts';
import { holderLocationFor } from '../reports/dashboard.ts';
import type { Location, Till } from '../event/event.ts';
import { holderKind, ONLINE, RESERVE, tillHolder, type HolderId } from './holders.ts';
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
  const locationOf = holderLocationFor(input.tills, input.locations);
  const locById = new Map(input.locations.map((l) => [l.id, l]));
  const limitsOf = (p: Product, h: HolderId) => input.thresholdFor?.(p, locationOf(h)) ?? p;
  const refillTo = input.refillTo ?? ((p: Product, h: HolderId) => {
    const low = limitsOf(p, h).lowStockThreshold;
    return Math.max(2 * low, low + 1);
  });
  const receivers = [...new Set<HolderId>([...input.tills.filter((t) => t.brandIds.includes(input.brandId)).map((t) => tillHolder(t.id)), ONLINE, ...input.stock.holders().filter((h) => holderKind(h) === 'till')])];
  const donors = [...new Set<HolderId>([RESERVE, ...input.stock.holders().filter((h) => holderKind(h) === 'hub')])];
  const coords = (h: HolderId) => {
    const l = locById.get(locationOf(h));
    return l?.lat !== undefined && l.lon !== undefined ? { lat: l.lat, lon: l.lon } : undefined;
  };
  const distance = (a: HolderId, b: HolderId) => {
    const ca = coords(a);
    const cb = coords(b);
    return ca && cb ? distanceKm(ca, cb) : null;
  };

  const moves: Move[] = [];
  const shortfalls: Shortfall[] = [];
  const products = input.products.filter((p) => p.brandId === input.brandId).sort((a, b) => (a.sku < b.sku ? -1 : 1));
  for (const p of products) {
    // What each donor may give: its units above its own safety stock, less what it already gave here.
    const spare = new Map(donors.map((d) => [d, Math.max(0, input.stock.balance(d, p.sku).sellable - limitsOf(p, d).safetyStock)]));
    const needs = receivers
      .map((h) => ({ h, have: input.stock.balance(h, p.sku).sellable }))
      .filter(({ h, have }) => have <= limitsOf(p, h).lowStockThreshold)
      .sort((a, b) => a.have - b.have || (a.h < b.h ? -1 : 1));
    for (const { h, have } of needs) {
      let missing = refillTo(p, h) - have;
      if (missing <= 0) continue;
      const order = donors
        .filter((d) => (spare.get(d) ?? 0) > 0)
        .map((d) => ({ d, km: distance(d, h) }))
        // The reserve first; then hubs nearest first, those without coordinates last, by id.
        .sort((a, b) => (a.d === RESERVE ? -1 : b.d === RESERVE ? 1 : 0) || (a.km ?? Infinity) - (b.km ?? Infinity) || (a.d < b.d ? -1 : 1));
      for (const { d, km } of order) {
        if (missing === 0) break;
        const qty = Math.min(missing, spare.get(d)!);
        spare.set(d, spare.get(d)! - qty);
        missing -= qty;
        moves.push({ brandId: input.brandId, sku: p.sku, from: d, to: h, fromLocationId: locationOf(d), toLocationId: locationOf(h), qty, distanceKm: km === null ? null : Math.round(km * 10) / 10 });
      }
      if (missing > 0) shortfalls.push({ brandId: input.brandId, sku: p.sku, holder: h, missing });
    }
  }
  return { moves, shortfalls };
}

/** Great-circle distance in km (haversine, mean Earth radius 6371 km). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

// ─── Transfers and pick lists ──────────────────────────────────────────────────────────────────────

/** The moves as bodies for `POST /api/events/:eventId/stock/transfer`, one per (from, to). */
export function transferRequests(moves: readonly Move[]): { from: HolderId; to: HolderId; lines: { brandId: string; sku: string; qty: number }[] }[] {
  const out = new Map<string, { from: HolderId; to: HolderId; lines: { brandId: string; sku: string; qty: number }[] }>();
  for (const m of moves) {
    const k = `${m.from}>${m.to}`;
    const t = out.get(k) ?? { from: m.from, to: m.to, lines: [] };
    t.lines.push({ brandId: m.brandId, sku: m.sku, qty: m.qty });
    out.set(k, t);
  }
  return [...out.values()];
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
  const locName = new Map(ctx.locations.map((l) => [l.id, l.name]));
  const tillName = new Map(ctx.tills.map((t) => [tillHolder(t.id), t.name]));
  const label = new Map(ctx.products.map((p) => [`${p.brandId}/${p.sku}`, productLabel(p)]));
  const lists = new Map<string, PickList>();
  for (const m of moves) {
    const list = lists.get(m.fromLocationId) ?? { fromLocationId: m.fromLocationId, fromName: locName.get(m.fromLocationId) ?? m.fromLocationId, lines: [], units: 0 };
    const place = locName.get(m.toLocationId) ?? m.toLocationId;
    const existing = list.lines.find((l) => l.to === m.to && l.brandId === m.brandId && l.sku === m.sku);
    if (existing) existing.qty += m.qty;
    else list.lines.push({ brandId: m.brandId, sku: m.sku, label: label.get(`${m.brandId}/${m.sku}`) ?? m.sku, qty: m.qty, to: m.to, toLocationId: m.toLocationId, toName: tillName.has(m.to) ? `${place} (${tillName.get(m.to)})` : place });
    list.units += m.qty;
    lists.set(m.fromLocationId, list);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const l of lists.values()) l.lines.sort((a, b) => cmp(a.toName, b.toName) || cmp(a.brandId, b.brandId) || cmp(a.sku, b.sku));
  return [...lists.values()].sort((a, b) => cmp(a.fromName, b.fromName));
}

/** Pick lists as CSV: one row per line, `from` first. */
export function pickListCsv(lists: readonly PickList[]): string {
  const rows = [['fromLocationId', 'fromName', 'toLocationId', 'toName', 'toHolder', 'brandId', 'sku', 'label', 'qty']];
  for (const l of lists) for (const x of l.lines) rows.push([l.fromLocationId, l.fromName, x.toLocationId, x.toName, x.to, x.brandId, x.sku, x.label, String(x.qty)]);
  return toCsv(rows);
}

/** Pick lists as printable text (one block per from-location, a tick box per line). */
export function pickListText(lists: readonly PickList[]): string {
  const out: string[] = [];
  for (const l of lists) {
    out.push(`PICK LIST — from ${l.fromName} (${l.units} unit${l.units === 1 ? '' : 's'})`, '-'.repeat(72));
    let to = '';
    for (const x of l.lines) {
      if (x.toName !== to) {
        to = x.toName;
        out.push(`to ${to}:`);
      }
      out.push(`  [ ] ${String(x.qty).padStart(4)} × ${x.sku.padEnd(20)} ${x.label}`.slice(0, 72));
    }
    out.push('');
  }
  return out.join('\n');
}
