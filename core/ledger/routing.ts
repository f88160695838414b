import type { Location } from '../event/event.ts';
import { hubHolder, ONLINE, type HolderId } from './holders.ts';

/**
 * Fulfilment routing for online orders: which stock an order is taken from.
 *
 * Where online stock is. Every unit is held by exactly one holder (core/ledger/holders.ts), so routing only
 * chooses WHICH holder's units an order spends; conservation of units is untouched. The holders that can
 * fulfil an online order ("sources") are, all written by the server:
 *   - `hub:<location>` for every location of kind `hub` (micro-hub) or `pickup` (a partner pick-up point
 *     that keeps stock): physical stock at that location's coordinates;
 *   - `online`, the online channel's own allocation: units set aside for the web, kept at the event's
 *     location of kind `online` (a fulfilment warehouse when it has coordinates; without them it ranks
 *     after every located source).
 * The central `reserve` is not a source: it is the organiser's buffer, and the drop's online share is an
 * explicit allocation (a transfer to `online` or to a hub). Till stock belongs to tills and never is.
 *
 * The rule. An order goes, whole, to the nearest source (great-circle distance to the destination) that
 * holds ALL its units. Ties, and sources without coordinates (ranked last), are ordered by: the `online`
 * allocation first (the stock the organiser gave the web), then location id — so the choice is stable.
 * With no destination (no coordinates given), the same tie order applies to every source.
 * If no single source holds all the units, the order is refused: `short` when the sources together do not
 * have them, `split` when they do but spread over several places (the order could be placed as several
 * orders). Orders are never split silently: one order, one place that picks, packs and hands it over.
 */
export interface Point {
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG, R1 = 6371.0088 km): the sphere the haversine formula measures on. */
export const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine; accurate to ~0.5 % against the ellipsoid, plenty for routing). */
export function greatCircleKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  // min(1, …) keeps rounding error from pushing asin out of its domain for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function pointOf(l: Pick<Location, 'lat' | 'lon'>): Point | undefined {
  return l.lat !== undefined && l.lon !== undefined ? { lat: l.lat, lon: l.lon } : undefined;
}

/** A holder that can fulfil online orders, and where it is. */
export interface FulfilmentSource {
  holder: HolderId;
  locationId: string;
  name: string;
  point?: Point;
}

/** Kinds of location whose `hub:<id>` holder fulfils online orders, and where a customer may collect. */
export const FULFILMENT_KINDS: readonly Location['kind'][] = ['hub', 'pickup'];

/** The id `routedTo` carries for the online allocation when the event has no location of kind `online`. */
export const ONLINE_LOCATION_ID = 'online';

/** The event's sources: the online allocation, then every hub and pick-up point, in location order. */
export function fulfilmentSources(locations: readonly Location[]): FulfilmentSource[] {
  const online = locations.find((l) => l.kind === 'online');
  const out: FulfilmentSource[] = [withPoint({ holder: ONLINE, locationId: online?.id ?? ONLINE_LOCATION_ID, name: online?.name ?? 'Online' }, online)];
  for (const l of locations) if (FULFILMENT_KINDS.includes(l.kind)) out.push(withPoint({ holder: hubHolder(l.id), locationId: l.id, name: l.name }, l));
  return out;
}

function withPoint(s: FulfilmentSource, l: Location | undefined): FulfilmentSource {
  const p = l ? pointOf(l) : undefined;
  return p ? { ...s, point: p } : s;
}

export interface RankedSource extends FulfilmentSource {
  /** Distance to the destination in km; null when either end has no coordinates. */
  distanceKm: number | null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sources nearest first; unknown distances last; ties: `online` first, then location id. */
export function rankSources(sources: readonly FulfilmentSource[], destination?: Point): RankedSource[] {
  return sources
    .map((s) => ({ ...s, distanceKm: destination && s.point ? greatCircleKm(destination, s.point) : null }))
    .sort(
      (a, b) =>
        (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity) ||
        Number(b.holder === ONLINE) - Number(a.holder === ONLINE) ||
        cmp(a.locationId, b.locationId),
    );
}

export interface RouteLine {
  brandId: string;
  sku: string;
  qty: number;
}

/** Units a source can give for one SKU now (its rights less what reservations hold there). */
export type SourceStock = (holder: HolderId, brandId: string, sku: string) => number;

export interface ShortLine {
  brandId: string;
  sku: string;
  requested: number;
  /** Units of the SKU over all sources. */
  available: number;
  /** Units per source location that has any. */
  byLocation: Record<string, number>;
}

export type RouteOutcome =
  | { ok: true; source: RankedSource }
  | { ok: false; reason: 'short' | 'split'; lines: ShortLine[] };

/**
 * Picks the source for an order (see the rule above). `short` lists the SKUs the sources together lack;
 * `split` lists every SKU of the order with where its units are, so the customer can be told what one
 * place can send.
 */
export function routeOrder(lines: readonly RouteLine[], sources: readonly FulfilmentSource[], stock: SourceStock, destination?: Point): RouteOutcome {
  const wanted = new Map<string, RouteLine>();
  for (const l of lines) {
    const k = `${l.brandId}/${l.sku}`;
    const acc = wanted.get(k) ?? { brandId: l.brandId, sku: l.sku, qty: 0 };
    acc.qty += l.qty;
    wanted.set(k, acc);
  }
  const ranked = rankSources(sources, destination);
  const give = (s: FulfilmentSource, w: RouteLine) => Math.max(0, stock(s.holder, w.brandId, w.sku));
  const source = ranked.find((s) => [...wanted.values()].every((w) => give(s, w) >= w.qty));
  if (source) return { ok: true, source };
  const report = [...wanted.values()].map((w) => {
    const byLocation: Record<string, number> = {};
    let available = 0;
    for (const s of ranked) {
      const n = give(s, w);
      if (n > 0) byLocation[s.locationId] = (byLocation[s.locationId] ?? 0) + n;
      available += n;
    }
    return { brandId: w.brandId, sku: w.sku, requested: w.qty, available, byLocation };
  });
  const short = report.filter((l) => l.requested > l.available);
  return short.length ? { ok: false, reason: 'short', lines: short } : { ok: false, reason: 'split', lines: report };
}

/** The most units of a SKU one order can get: the best single source. */
export function maxFromOneSource(sources: readonly FulfilmentSource[], stock: SourceStock, brandId: string, sku: string): number {
  return sources.reduce((m, s) => Math.max(m, stock(s.holder, brandId, sku)), 0);
}

/** Units of a SKU over all sources (each source counted from zero: a negative balance takes nothing away). */
export function totalFromSources(sources: readonly FulfilmentSource[], stock: SourceStock, brandId: string, sku: string): number {
  return sources.reduce((t, s) => t + Math.max(0, stock(s.holder, brandId, sku)), 0);
}

/** A readable message for a refused route. */
export function routeRefusal(reason: 'short' | 'split', lines: readonly ShortLine[]): string {
  const where = (l: ShortLine) =>
    Object.entries(l.byLocation)
      .map(([loc, n]) => `${n} at ${loc}`)
      .join(', ') || 'none anywhere';
  if (reason === 'short') {
    return `no location has stock for ${lines.map((l) => `${l.brandId}/${l.sku} (${l.requested} wanted, ${l.available} available: ${where(l)})`).join('; ')}`;
  }
  return `no single location has stock for the whole order (${lines.map((l) => `${l.brandId}/${l.sku} ×${l.requested}: ${where(l)}`).join('; ')}); order what one location has, or place separate orders`;
}
