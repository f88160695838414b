import { randomBytes } from 'node:crypto';
import type { Location } from '../../core/event/event.ts';
import { PopupError } from '../../core/base/errors.ts';
import type { Stores } from '../storage/store.ts';
import { GroupCommitter } from '../storage/group-commit.ts';
import { ORDER_PATHS, ORDER_STATUSES, type OrderRecord } from './orders.ts';

/**
 * Order tracking for the shopper: an order's confirmation carries a link `/t/<id>` whose id is the only
 * credential (no login), so it is 32 random bytes (256 bits), unrelated to the order id, receipt number or
 * anything else a shopper or a script could see or count. The same order always gets the same id (an order
 * replayed under its Idempotency-Key answers with the link first given). What the link shows carries no
 * personal data: the lines, total, status, history and where to collect it.
 */
const BY_ID = 'order-tracking';
const BY_ORDER = 'order-tracking-by-order';
/** In-flight map key only: the records are the server-wide id → order and the event's order → id. */
const key = (eventId: string, orderId: string) => `${eventId}!${orderId}`;

/** The group key of the server-wide records (an event id is never empty). */
const SERVER_GROUP = '';
/** Ids remembered per order (TrackingLinks.recent): far more than the orders answered in a moment. */
const RECENT_IDS = 10_000;

/** Tracking ids: `t_` + 43 base64url characters. Anything else is refused before storage is read. */
export const TRACKING_ID_PATTERN = /^t_[A-Za-z0-9_-]{43}$/;

export class TrackingNotFound extends PopupError {
  constructor() {
    // The same answer for a malformed and an unknown id: a prober learns nothing from the difference.
    super('there is no order with this tracking link; check the link in your order confirmation');
  }
}

export interface TrackingTarget {
  eventId: string;
  orderId: string;
}

export class TrackingLinks {
  /** Ids being made, per order: two concurrent replays of one order wait for the same id. */
  private readonly making = new Map<string, Promise<string>>();
  /**
   * Ids given lately, per order: a replay that made the id just before the first answer's `fresh` making
   * started must not get another id than the first answer (a `fresh` making looks nowhere else).
   */
  private readonly recent = new Map<string, string>();

  private readonly groups: GroupCommitter;

  constructor(private readonly stores: Stores) {
    this.groups = new GroupCommitter((k) => (k === SERVER_GROUP ? stores.server() : stores.event(k)));
  }

  /**
   * The order's tracking id, made (and stored, both ways) on first call. `fresh`: the order was placed just now
   * by this request, so it has no id yet: none is looked for, and the two records are written together (one
   * batch of the store's writes instead of a read and two writes in turn, on every accepted order). A crash
   * between them can leave the order's id without its id → order record; the first replay of the order (the
   * only other way the id reaches a shopper) writes it again before answering.
   */
  idFor(eventId: string, orderId: string, opts: { fresh?: boolean } = {}): Promise<string> {
    const k = key(eventId, orderId);
    const inFlight = this.making.get(k);
    if (inFlight) return inFlight;
    const given = this.recent.get(k);
    if (given) return Promise.resolve(given);
    const made = (async () => {
      const known = opts.fresh ? undefined : await this.stores.event(eventId).get<string>(BY_ORDER, orderId);
      if (known) {
        if (!(await this.stores.server().get<TrackingTarget>(BY_ID, known))) await this.stores.server().put(BY_ID, known, { eventId, orderId } satisfies TrackingTarget);
        return this.given(k, known);
      }
      const id = `t_${randomBytes(32).toString('base64url')}`;
      // Each joins the next group of its space (storage/group-commit.ts): a crowd of new orders costs two
      // commits per group, not two writes per order.
      await Promise.all([
        this.groups.add(SERVER_GROUP, { put: [{ ns: BY_ID, key: id, value: { eventId, orderId } satisfies TrackingTarget }] }),
        this.groups.add(eventId, { put: [{ ns: BY_ORDER, key: orderId, value: id }] }),
      ]);
      return this.given(k, id);
    })().finally(() => this.making.delete(k));
    this.making.set(k, made);
    return made;
  }

  private given(k: string, id: string): string {
    if (this.recent.size >= RECENT_IDS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(k, id);
    return id;
  }

  /** The order a tracking id names; TrackingNotFound for a malformed or unknown id. */
  async resolve(id: string): Promise<TrackingTarget> {
    if (!TRACKING_ID_PATTERN.test(id)) throw new TrackingNotFound();
    const target = await this.stores.server().get<TrackingTarget>(BY_ID, id);
    if (!target) throw new TrackingNotFound();
    return target;
  }
}

/** The public place an order is collected at or sent from: name, address and hours, nothing internal. */
function place(l: Location | undefined): Record<string, unknown> | null {
  if (!l) return null;
  return { name: l.name, ...(l.address !== undefined ? { address: l.address } : {}), ...(l.openingHours !== undefined ? { openingHours: l.openingHours } : {}) };
}

/**
 * What the tracking page shows. `steps`: the statuses of the order's path (pick-up or shipping), so the page
 * draws them without knowing the rules. `collectAt`: the pick-up point (with its opening hours) for a
 * pick-up; `sentFrom`: where a shipped order leaves from (the online allocation is "our warehouse": null).
 */
export function trackingView(o: OrderRecord, locations: readonly Location[]): Record<string, unknown> {
  const byId = new Map(locations.map((l) => [l.id, l]));
  const type = o.fulfilment?.type ?? null;
  const steps = type ? ORDER_PATHS[type] : ORDER_STATUSES;
  const routed = o.routedTo !== undefined ? byId.get(o.routedTo) : undefined;
  const collectId = type === 'pickup' ? (o.fulfilment?.locationId ?? o.routedTo) : undefined;
  return {
    receiptNumber: o.receiptNumber,
    status: o.status,
    steps,
    history: o.history,
    fulfilment: type,
    lines: o.lines.map((l) => ({ name: l.name, qty: l.qty, gross: l.gross })),
    total: o.total,
    currency: o.currency,
    createdAt: o.createdAt,
    collectAt: collectId !== undefined ? place(byId.get(collectId)) : null,
    sentFrom: type !== 'pickup' && routed && routed.kind !== 'online' ? place(routed) : null,
  };
}
