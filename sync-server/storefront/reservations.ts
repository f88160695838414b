import { randomBytes } from 'node:crypto';
import { ONLINE, type HolderId } from '../../core/ledger/holders.ts';
import type { StockLine } from '../event-service.ts';
import type { Stores } from '../storage/store.ts';
import type { PerEvent } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';
import { skuKey } from './input.ts';
import type { BuyerLimits } from '../../core/customers/buyer-limits.ts';
import { HoldLimitError } from './storefront-errors.ts';
import { sharesKey } from './buyer-keys.ts';

/**
 * Reservations: instant stock locks for online carts. A reservation does not move rights (nothing is written
 * to the ledger); it only lowers what the storefront offers to everyone else until it is released, consumed
 * by an order, or expires. It is pinned to the fulfilment source (core/ledger/routing.ts) that held all its units
 * when it was made, and counts against that holder only: so the order that consumes it can always be
 * routed (at worst to that holder), and no two reservations count on the same unit. Expiry needs no action: a reservation whose `expiresAt` has passed simply stops
 * counting (checked on every read), and a sweep deletes the record later.
 *
 * Records live in the event's `reservations` namespace under their id and are also held in memory (an
 * event's are read on its first use); every change goes to the store first. The caller serialises changes per event (`EventService.serial`).
 */
export interface Reservation {
  id: string;
  eventId: string;
  lines: StockLine[];
  /** The holder whose units it locks; absent on reservations made before routing (they locked `online`). */
  holder?: HolderId;
  createdAt: number;
  expiresAt: number;
  /** SHA-256 of the storefront token that made it: the per-token hold cap counts by it. */
  tokenKey?: string;
  /** The buyer's keys (buyer-keys.ts), when the storefront named the customer: the per-customer cap. */
  customerKeys?: string[];
}

export { HoldLimitError };

const NS = 'reservations';

export class ReservationStore {
  // Kept in each event's host (event-host.ts): forgotten, and read again, when the process stops serving it.
  private readonly byEvent: PerEvent<Map<string, Reservation>>;
  private readonly loading: PerEvent<Promise<void>>;

  constructor(
    private readonly stores: Stores,
    private readonly now: () => number,
    hosts: EventHosts,
  ) {
    this.byEvent = hosts.slot('reservations');
    this.loading = hosts.slot('reservations-loaded');
  }

  /** Loads the event's stored reservations once; call before the synchronous readers of that event. */
  ready(eventId: string): Promise<void> {
    let p = this.loading.get(eventId);
    if (!p) {
      p = (async () => {
        for (const [, r] of await this.stores.event(eventId).list<Reservation>(NS)) this.events(eventId).set(r.id, r);
      })();
      p.catch(() => this.loading.delete(eventId));
      this.loading.set(eventId, p);
    }
    return p;
  }

  newId(): string {
    return `rsv_${randomBytes(15).toString('base64url')}`;
  }

  /** A reservation whether or not it has expired (undefined once released, consumed or swept). */
  get(eventId: string, id: string): Reservation | undefined {
    return this.byEvent.get(eventId)?.get(id);
  }

  isActive(r: Reservation): boolean {
    return r.expiresAt > this.now();
  }

  /** Units held by unexpired reservations per holder, then per `brandId/sku`, leaving out `exceptId`. */
  heldAt(eventId: string, exceptId?: string): Map<HolderId, Map<string, number>> {
    const out = new Map<HolderId, Map<string, number>>();
    const now = this.now();
    for (const r of this.byEvent.get(eventId)?.values() ?? []) {
      if (r.id === exceptId || r.expiresAt <= now) continue;
      const holder = r.holder ?? ONLINE;
      const m = out.get(holder) ?? new Map<string, number>();
      out.set(holder, m);
      for (const l of r.lines) m.set(skuKey(l.brandId, l.sku), (m.get(skuKey(l.brandId, l.sku)) ?? 0) + l.qty);
    }
    return out;
  }

  async put(r: Reservation): Promise<void> {
    await this.stores.event(r.eventId).put(NS, r.id, r);
    this.events(r.eventId).set(r.id, r);
  }

  async delete(eventId: string, id: string): Promise<boolean> {
    const had = this.byEvent.get(eventId)?.has(id) ?? false;
    if (!had) return false;
    await this.stores.event(eventId).del(NS, id);
    this.byEvent.get(eventId)?.delete(id);
    return true;
  }

  /** A reservation an order consumed: its record was deleted by the order's own commit (orders.ts). */
  consumed(eventId: string, id: string): void {
    this.byEvent.get(eventId)?.delete(id);
  }

  /** A consumed reservation whose order's commit failed: its record was never deleted, so it holds again. */
  restore(eventId: string, r: Reservation): void {
    this.byEvent.get(eventId)?.set(r.id, r);
  }

  /** The event's unexpired reservations. */
  active(eventId: string): Reservation[] {
    const now = this.now();
    return [...(this.byEvent.get(eventId)?.values() ?? [])].filter((r) => r.expiresAt > now);
  }

  /**
   * Refuses a new reservation of `units` that would take its token, its customer or the drop over the
   * event's caps. Called inside the event's serial queue, so two reservations cannot both slip under a cap.
   */
  checkCaps(eventId: string, units: number, who: { tokenKey?: string; customerKeys: string[] }, limits: BuyerLimits): void {
    const active = this.active(eventId);
    if (active.length + 1 > limits.holdsPerDrop) {
      throw new HoldLimitError('holdsPerDrop', limits.holdsPerDrop, active.length, `the drop already has ${active.length} open reservations, its cap (holdsPerDrop ${limits.holdsPerDrop}); try again when some expire`);
    }
    const unitsOf = (rs: Reservation[]) => rs.reduce((a, r) => a + r.lines.reduce((b, l) => b + l.qty, 0), 0);
    if (who.tokenKey) {
      const held = unitsOf(active.filter((r) => r.tokenKey === who.tokenKey));
      if (held + units > limits.heldUnitsPerToken) {
        throw new HoldLimitError('heldUnitsPerToken', limits.heldUnitsPerToken, held, `this storefront token holds ${held} units in reservations; with ${units} more it would pass its cap (heldUnitsPerToken ${limits.heldUnitsPerToken})`);
      }
    }
    if (who.customerKeys.length) {
      const held = unitsOf(active.filter((r) => sharesKey(r.customerKeys, who.customerKeys)));
      if (held + units > limits.heldUnitsPerCustomer) {
        throw new HoldLimitError('heldUnitsPerCustomer', limits.heldUnitsPerCustomer, held, `this customer holds ${held} units in reservations; with ${units} more they would pass the cap (heldUnitsPerCustomer ${limits.heldUnitsPerCustomer})`);
      }
    }
  }

  /** Events that hold expired reservations (for the sweep). */
  eventsWithExpired(): string[] {
    const now = this.now();
    return [...this.byEvent].filter(([, m]) => [...m.values()].some((r) => r.expiresAt <= now)).map(([e]) => e);
  }

  /** Deletes the event's expired reservations; returns how many went. */
  async deleteExpired(eventId: string): Promise<number> {
    const now = this.now();
    const gone = [...(this.byEvent.get(eventId)?.values() ?? [])].filter((r) => r.expiresAt <= now);
    for (const r of gone) await this.delete(eventId, r.id);
    return gone.length;
  }

  /** The earliest expiry still ahead, if any (so a stream can announce it as it happens). */
  nextExpiry(eventId: string): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const r of this.byEvent.get(eventId)?.values() ?? []) if (r.expiresAt > now && (next === undefined || r.expiresAt < next)) next = r.expiresAt;
    return next;
  }

  private events(eventId: string): Map<string, Reservation> {
    let m = this.byEvent.get(eventId);
    if (!m) {
      m = new Map();
      this.byEvent.set(eventId, m);
    }
    return m;
  }
}
