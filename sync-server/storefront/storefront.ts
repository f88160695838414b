import { ValidationError } from '../../core/base/errors.ts';
import { fulfilmentSources } from '../../core/ledger/routing.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { EventNotFound, UnavailableError } from '../server-errors.ts';
import type { Stores } from '../storage/store.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';
import { parseReservationInput } from './input.ts';
import { assertDropOpen } from '../../core/selling/drop-window.ts';
import { buyerLimitsOf } from '../../core/customers/buyer-limits.ts';
import { buyerKeys } from './buyer-keys.ts';
import { OrderDesk, type KeyAnswer } from './orders.ts';
import { ReservationStore, type Reservation } from './reservations.ts';
import { destinationOf, reservedFrom, routeLines } from './route.ts';
import { ReservationNotFound, RouteRefused } from './storefront-errors.ts';
import { brandStock, computeStock, type StockSnapshot } from './stock.ts';
import { StockWatcher, type StockListener } from './watcher.ts';

/**
 * The online drop, as the server runs it for a storefront talking HTTP/JSON: the stock on offer,
 * reservations (instant locks for carts, pinned to a fulfilment source), orders routed to the nearest source
 * holding all their units and written as its sales (core/ledger/routing.ts), and the live stock stream. Every reservation and order change of an event runs inside `EventService.serial`, the same
 * queue as the server's other writes, so no two of them can spend the same unit. See docs/api.md.
 */
export interface StorefrontDeps {
  hub: DocHub;
  events: EventService;
  stores: Stores;
  /** Where each event's stock watcher, reservations and order memory live (event-hosts.ts). */
  hosts: EventHosts;
  now: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** How the API answers a refusal, recorded as an order's Idempotency-Key answer (OrderDeskDeps.answerOf). */
  answerOf: (err: unknown) => KeyAnswer;
  /** How often expired reservations are deleted (default 5 s); they stop counting at expiry regardless. */
  sweepMs?: number;
}

export { ReservationNotFound };

export class Storefront {
  readonly reservations: ReservationStore;
  readonly orders: OrderDesk;
  private readonly watchers: EventSlot<{ ready: Promise<StockWatcher>; watcher: StockWatcher }>;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly d: StorefrontDeps) {
    const log = d.log ?? (() => undefined);
    // An event this process stops serving ends its stock streams: shoppers reconnect and reach the owner.
    this.watchers = d.hosts.slot('stock-watcher', { dispose: (e) => e.watcher.close('this server process stopped serving the event; reconnect') });
    this.reservations = new ReservationStore(d.stores, d.now, d.hosts);
    this.orders = new OrderDesk({ hub: d.hub, events: d.events, stores: d.stores, hosts: d.hosts, reservations: this.reservations, now: d.now, changed: (e) => this.changed(e), log, answerOf: d.answerOf });
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => log('warn', 'reservation sweep failed', { err: String(err) })), d.sweepMs ?? 5000);
    this.sweeper.unref?.();
  }

  /** The stock on offer now. With a stream open for the event it is read from the watched documents. */
  async stock(eventId: string): Promise<StockSnapshot> {
    await this.reservations.ready(eventId);
    const watched = this.watchers.get(eventId);
    if (watched && !watched.watcher.closed) {
      const w = await watched.ready.catch(() => undefined);
      if (w && !w.closed) return w.compute();
    }
    const { config, brands, locations } = await this.d.events.setup(eventId);
    if (!config) throw new EventNotFound(eventId);
    const stocks = [];
    for (const b of brands) stocks.push(await this.d.hub.read(brandDocName(eventId, b.id), (doc, view) => brandStock(b.id, doc, view)));
    return computeStock(config, stocks, fulfilmentSources(locations), reservedFrom(this.reservations.heldAt(eventId)), this.d.now());
  }

  /**
   * Locks units for a cart at the source an order for it would be routed to now (towards the fulfilment's
   * destination when given): the reservation, or RouteRefused naming every line that is short or, when no
   * single place holds the cart, where its units are.
   */
  async reserve(eventId: string, raw: unknown, tokenKey?: string): Promise<PublicReservation> {
    const input = parseReservationInput(raw);
    return this.d.events.serial(eventId, async (): Promise<PublicReservation> => {
      await this.reservations.ready(eventId);
      await this.orders.recover(eventId);
      const now = this.d.now();
      const { config, brands, locations } = await this.d.events.setup(eventId);
      if (!config) throw new EventNotFound(eventId);
      assertDropOpen(config.drop, now);
      const known = new Set(brands.map((b) => b.id));
      input.lines.forEach((l, i) => {
        if (!known.has(l.brandId)) throw new ValidationError(`lines[${i}].brandId`, `"${l.brandId}" is not a brand of ${eventId}`);
      });
      const destination = destinationOf(input.fulfilment, locations, eventId);
      const views = new Map<string, StockView>();
      for (const brandId of new Set(input.lines.map((l) => l.brandId))) {
        await this.d.hub.read(brandDocName(eventId, brandId), (doc, view) => {
          const products = new BrandDoc(doc).map('products');
          input.lines.forEach((l, i) => {
            if (l.brandId !== brandId) return;
            if (!products.has(l.sku)) throw new ValidationError(`lines[${i}].sku`, `${l.sku} is not in ${brandId}'s catalog`);
          });
          if (view) views.set(brandId, view);
        });
      }
      const limits = buyerLimitsOf(config);
      const customerKeys = buyerKeys(input.customer ?? {});
      this.reservations.checkCaps(eventId, input.lines.reduce((a, l) => a + l.qty, 0), { ...(tokenKey ? { tokenKey } : {}), customerKeys }, limits);
      const route = routeLines(input.lines, locations, views, this.reservations.heldAt(eventId), destination);
      if (!route.ok) throw new RouteRefused(route.reason, route.lines);
      // While the drop is live, a hold is cut to liveHoldSeconds: an hour-long hold on the hero item is a
      // way to keep it from everyone else.
      const live = now >= config.drop.startsAt && now < config.drop.endsAt;
      const ttlMs = Math.min(input.ttlSeconds, live ? limits.liveHoldSeconds : Infinity) * 1000;
      const r: Reservation = {
        id: this.reservations.newId(),
        eventId,
        lines: input.lines,
        holder: route.source.holder,
        createdAt: now,
        expiresAt: now + ttlMs,
        ...(tokenKey ? { tokenKey } : {}),
        ...(customerKeys.length ? { customerKeys } : {}),
      };
      await this.reservations.put(r);
      this.changed(eventId);
      return publicReservation(r);
    });
  }

  async reservation(eventId: string, id: string): Promise<Record<string, unknown>> {
    await this.reservations.ready(eventId);
    const r = this.reservations.get(eventId, id);
    if (!r) throw new ReservationNotFound(eventId, id);
    return { ...publicReservation(r), active: this.reservations.isActive(r) };
  }

  /** Releases a reservation (expired or not); 404 when it is unknown, consumed or already released. */
  async release(eventId: string, id: string): Promise<void> {
    await this.d.events.serial(eventId, async () => {
      await this.reservations.ready(eventId);
      if (!(await this.reservations.delete(eventId, id))) throw new ReservationNotFound(eventId, id);
      this.changed(eventId);
    });
  }

  /** Deletes expired reservations (they already stopped counting) and tells the streams. */
  sweep(): Promise<void> {
    return (this.sweeping ??= (async () => {
      try {
        // Only events whose reservations were read: an event not touched since the start has none in memory,
        // and its expired ones count for nothing; they go when the event is next used.
        for (const eventId of this.reservations.eventsWithExpired()) {
          const gone = await this.d.events.serial(eventId, () => this.reservations.deleteExpired(eventId));
          if (gone) this.changed(eventId);
        }
      } finally {
        this.sweeping = undefined;
      }
    })());
  }

  /**
   * Subscribes to the event's stock: returns the current snapshot and, through `listener`, the SKUs that
   * change from then on. The documents stay loaded until the last listener of the event stops.
   */
  async watch(eventId: string, listener: StockListener): Promise<{ snapshot: StockSnapshot; stop: () => void }> {
    await this.reservations.ready(eventId);
    for (let attempt = 0; attempt < 3; attempt++) {
      let entry = this.watchers.get(eventId);
      if (!entry || entry.watcher.closed) {
        const watcher: StockWatcher = new StockWatcher(eventId, {
          hub: this.d.hub,
          reservations: this.reservations,
          now: this.d.now,
          onClose: (w) => {
            if (this.watchers.get(eventId)?.watcher === w) this.watchers.delete(eventId);
          },
        });
        entry = {
          watcher,
          ready: watcher.start().then(
            () => watcher,
            (err: unknown) => {
              watcher.close(err instanceof Error ? err.message : String(err));
              throw err;
            },
          ),
        };
        this.watchers.set(eventId, entry);
      }
      const w = await entry.ready;
      if (w.closed) continue; // its last listener left while we waited: start a fresh one
      const stop = w.subscribe(listener);
      // The snapshot the watcher's next change is relative to (computed once for the whole crowd).
      return { snapshot: w.current(), stop };
    }
    throw new UnavailableError('the stock stream could not start; try again');
  }

  /** Stock may have changed (a reservation or an order): the event's streams recompute. */
  changed(eventId: string): void {
    const entry = this.watchers.get(eventId);
    if (entry && !entry.watcher.closed) entry.watcher.poke();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [, { watcher }] of [...this.watchers]) watcher.close('server shutting down');
  }
}

/** A reservation as the storefront sees it (not whose token or buyer made it). */
export interface PublicReservation {
  id: string;
  expiresAt: number;
  lines: Reservation['lines'];
}

function publicReservation(r: Reservation): PublicReservation {
  return { id: r.id, expiresAt: r.expiresAt, lines: r.lines };
}
