import { ValidationError } from '../../core/base/errors.ts';
import type { Location } from '../../core/event/event.ts';
import type { HolderId } from '../../core/ledger/holders.ts';
import { FULFILMENT_KINDS, fulfilmentSources, pointOf, routeOrder, type Point, type RouteOutcome } from '../../core/ledger/routing.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import type { StockLine } from '../event-service.ts';
import { skuKey, type Fulfilment } from './input.ts';

/**
 * The server's side of fulfilment routing (core/ledger/routing.ts): where an order or a reservation is going, and
 * which holder's units it takes, given the live rights and the reservations pinned to each holder.
 */

/** Held units per holder, then per `brandId/sku` (ReservationStore.heldAt). */
export type HeldAt = Map<HolderId, Map<string, number>>;

export const reservedFrom =
  (held: HeldAt) =>
  (holder: HolderId, key: string): number =>
    held.get(holder)?.get(key) ?? 0;

/**
 * The point the order is routed towards: the customer's coordinates for a shipment, the pick-up point's for
 * a pick-up (which must be a pick-up point or micro-hub of the event). Undefined when there is none.
 */
export function destinationOf(f: Fulfilment | undefined, locations: readonly Location[], eventId: string): Point | undefined {
  if (!f) return undefined;
  if (f.type === 'ship') return f.destination;
  if (f.locationId === undefined) return undefined;
  const place = locations.find((l) => l.id === f.locationId);
  if (!place) throw new ValidationError('fulfilment.locationId', `"${f.locationId}" is not a location of ${eventId}`);
  if (!FULFILMENT_KINDS.includes(place.kind)) {
    throw new ValidationError('fulfilment.locationId', `"${f.locationId}" is a ${place.kind}, not a pick-up point: choose a location of kind ${FULFILMENT_KINDS.join(' or ')}`);
  }
  return pointOf(place);
}

/** Routes `lines` over the event's sources with the given brand views and reservations. */
export function routeLines(lines: readonly StockLine[], locations: readonly Location[], views: ReadonlyMap<string, StockView>, held: HeldAt, destination: Point | undefined): RouteOutcome {
  const reserved = reservedFrom(held);
  return routeOrder(lines, fulfilmentSources(locations), (holder, brandId, sku) => (views.get(brandId)?.rights(holder, sku) ?? 0) - reserved(holder, skuKey(brandId, sku)), destination);
}
