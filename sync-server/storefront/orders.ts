import type { CartItem } from '../../core/selling/cart.ts';
import { productLabel, type Product } from '../../core/catalog/catalog.ts';
import { buildCheckout, priceItems } from '../../core/selling/checkout.ts';
import { ValidationError } from '../../core/base/errors.ts';
import { SERVER_WRITER } from '../../core/ledger/holders.ts';
import { formatReceiptNumber, newId } from '../../core/base/ids.ts';
import type { LedgerEntry } from '../../core/ledger/ledger.ts';
import { checkEntries, LedgerWriter } from '../../core/ledger/rights.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { EventNotFound } from '../server-errors.ts';
import type { Stores } from '../storage/store.ts';
import { fingerprint, parseOrderInput, storedCustomer, type Fulfilment, type OrderInput, type StoredCustomer } from './input.ts';
import type { ReservationStore } from './reservations.ts';
import { assertDropOpen } from '../../core/selling/drop-window.ts';
import { buyerLimitsOf } from '../../core/customers/buyer-limits.ts';
import { buyerKeys } from './buyer-keys.ts';
import { BuyerTally } from './buyer-tally.ts';
import { destinationOf, routeLines } from './route.ts';
import { IdempotencyKeyReused, InvalidStatusTransition, OrderNotFound, PaymentMismatch, RouteRefused } from './storefront-errors.ts';

/**
 * Online orders. The server is the only writer of the holders that fulfil them (the online allocation, hubs and
 * pick-up points), so an order is routed, checked and written here, inside the event's serial section
 * (`EventService.serial`): two requests can never both take the last unit.
 *
 * Exactly once, even across a crash:
 *  1. the order is priced (core `priceItems`, the till's path), the payment checked, and it is routed
 *     (core/ledger/routing.ts): the nearest source to its destination that holds all its units, counting the
 *     reservations pinned to each source (its own reservation's units count for it);
 *  2. the sales and entries are planned (core `buildCheckout`, the routed holder, till `online`);
 *  3. a journal holding the planned sales, the order record and the Idempotency-Key's response is made
 *     durable in one write; then the order record, the key's response and the receipt counter are stored —
 *     all BEFORE any sale is written;
 *  4. the sales are appended to the brand documents (durable), the reservation consumed, the journal dropped.
 * A journal still present (a crash or a failed write between 3 and 4) is completed before the event's next
 * reservation or order: the records of step 3 are stored again, the parts already in the documents kept, the
 * others written if the rights still allow; an order none of whose sales got written is forgotten (order and
 * key deleted), since its client never heard back.
 */
export const ORDER_STATUSES = ['placed', 'allocated', 'picked', 'ready', 'shipped', 'collected', 'delivered'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Order statuses move forward along the fulfilment's path only (skipping a step is allowed). `placed`: routed
 * and paid; `allocated`: the location has accepted it and set the units aside; `picked`: packed.
 */
export const ORDER_PATHS: Record<Fulfilment['type'], readonly OrderStatus[]> = {
  pickup: ['placed', 'allocated', 'picked', 'ready', 'collected'],
  ship: ['placed', 'allocated', 'picked', 'shipped', 'delivered'],
};
const PATHS = ORDER_PATHS;

/** Statuses after which nothing is left to do. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['collected', 'delivered'];

export { InvalidStatusTransition, OrderNotFound };

export function canAdvance(from: OrderStatus, to: OrderStatus, type: Fulfilment['type'] | undefined): boolean {
  const paths = type ? [PATHS[type]] : Object.values(PATHS);
  return paths.some((p) => p.includes(from) && p.includes(to) && p.indexOf(to) > p.indexOf(from));
}

/** Receipt numbers of online orders: WEB-00001, WEB-00002 … per event. */
export const RECEIPT_PREFIX = 'WEB';
/** The `tillId` of online sales (the holder is `online`). */
export const ONLINE_TILL = 'online';

export interface OrderLine {
  brandId: string;
  sku: string;
  name: string;
  qty: number;
  listPrice: number;
  unitPrice: number;
  tierId: string | null;
  /** What the customer pays for the line, and the tax in it. */
  gross: number;
  tax: number;
}

export interface OrderRecord {
  orderId: string;
  eventId: string;
  status: OrderStatus;
  history: { status: OrderStatus; at: number }[];
  receiptNumber: string;
  checkoutId: string;
  lines: OrderLine[];
  total: number;
  tax: number;
  discount: number;
  currency: string;
  createdAt: number;
  fulfilment: Fulfilment | null;
  /** The location whose stock the order takes (core/ledger/routing.ts), and its distance to the destination. */
  routedTo?: string;
  distanceKm?: number | null;
  payment: OrderInput['payment'];
  sales: string[];
  source?: string;
  customer?: StoredCustomer;
  /**
   * The buyer's keys (hashes of the normalised e-mail, phone and payment reference, buyer-keys.ts), kept
   * only while the event limits what one customer may buy: the limit is checked against them.
   */
  buyerKeys?: string[];
  reservationId?: string;
  /** Set when a crash left the order only partly written and the rest could not be completed. */
  problems?: string[];
}

/** The planned sales of an order until they are all in the brand documents, with what step 3 stores. */
interface Journal {
  eventId: string;
  orderId: string;
  idempotencyKey: string;
  reservationId?: string;
  receiptSeq: number;
  order: OrderRecord;
  response: IdempotencyRecord;
  parts: { brandId: string; sale: Sale; entries: LedgerEntry[] }[];
}

interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: unknown;
  createdAt: number;
}

const ORDERS = 'orders';
const JOURNAL = 'order-journal';
const IDEMPOTENCY = 'idempotency';
const RECEIPTS = 'web-receipt-seq';
/** Orders listed per fulfilling location at most (newest first). */
export const MAX_LISTED_ORDERS = 200;
const key = (eventId: string, id: string) => `${eventId}!${id}`;

/** What a new order's answer says (docs/api.md, "Place an order"). */
export interface PlacedOrder {
  orderId: string;
  status: 'placed';
  receiptNumber: string;
  total: number;
  currency: string;
  sales: string[];
  routedTo: string;
  distanceKm: number | null;
}

/**
 * The answer an Idempotency-Key got the first time, as the API gave it: replayed verbatim to a retry with the
 * same body (the IETF Idempotency-Key draft asks for the same response, status included).
 */
export interface KeyAnswer {
  status: number;
  body?: unknown;
}

/** A new order, or the first answer of its key replayed. A refusal of a new order is thrown (storefront-errors.ts). */
export type Placement = { kind: 'placed'; order: PlacedOrder } | { kind: 'replayed'; answer: KeyAnswer };

export interface OrderDeskDeps {
  hub: DocHub;
  events: EventService;
  stores: Stores;
  reservations: ReservationStore;
  now: () => number;
  /** Stock the storefront offers may have changed. */
  changed: (eventId: string) => void;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /**
   * How the API answers a refusal (http/error-map.ts, injected so this module knows no HTTP): a refusal is
   * recorded as its key's answer, so a retry gets the same one. A status of 500 or more is a fault, not an
   * answer: it is not recorded and the request may be retried.
   */
  answerOf: (err: unknown) => KeyAnswer;
}

export class OrderDesk {
  private readonly receiptSeq = new Map<string, number>();
  private readonly tally: BuyerTally;
  /** Per event: the ids of orders whose journal is still stored, read on the event's first use. */
  private readonly pending = new Map<string, Promise<Set<string>>>();
  /** Idempotency records written but maybe not yet durable: visible to the next request at once. */
  private readonly inflight = new Map<string, IdempotencyRecord>();
  /** Per event: order ids per location they are routed to, built from the event's orders on first use. */
  private readonly routed = new Map<string, Promise<Map<string, Set<string>>>>();

  constructor(private readonly d: OrderDeskDeps) {
    this.tally = new BuyerTally(d.stores, ORDERS);
  }

  /**
   * Places an order under an Idempotency-Key. A new order is placed, or refused by a thrown domain error;
   * when it is a retry with the same key and body, it is that request's answer, replayed. The key's answer
   * is durable before this resolves or throws.
   */
  async place(eventId: string, idempotencyKey: string, raw: unknown): Promise<Placement> {
    const input = parseOrderInput(raw);
    const fp = fingerprint(raw);
    const idemKey = key(eventId, idempotencyKey);
    let durable: Promise<void> = Promise.resolve();
    const outcome = await this.d.events.serial(eventId, async (): Promise<Placement | { kind: 'refused'; err: unknown }> => {
      await this.d.reservations.ready(eventId);
      await this.recover(eventId);
      const seen = this.inflight.get(idemKey) ?? (await this.d.stores.event(eventId).get<IdempotencyRecord>(IDEMPOTENCY, idempotencyKey));
      if (seen) {
        if (seen.fingerprint !== fp) throw new IdempotencyKeyReused();
        return { kind: 'replayed', answer: { status: seen.status, ...(seen.body !== undefined ? { body: seen.body } : {}) } };
      }
      try {
        return { kind: 'placed', order: await this.execute(eventId, idempotencyKey, fp, input) };
      } catch (err) {
        const answer = this.d.answerOf(err);
        if (answer.status >= 500) throw err;
        // A refusal is the key's answer too: a retry gets the same one (use a new key for a new attempt).
        const rec: IdempotencyRecord = { fingerprint: fp, status: answer.status, body: answer.body, createdAt: this.d.now() };
        this.inflight.set(idemKey, rec);
        durable = this.d.stores.event(eventId).put(IDEMPOTENCY, idempotencyKey, rec).finally(() => {
          if (this.inflight.get(idemKey) === rec) this.inflight.delete(idemKey);
        });
        return { kind: 'refused', err };
      }
    });
    await durable;
    if (outcome.kind === 'refused') throw outcome.err;
    return outcome;
  }

  async get(eventId: string, orderId: string): Promise<OrderRecord> {
    const order = await this.d.stores.event(eventId).get<OrderRecord>(ORDERS, orderId);
    if (!order) throw new OrderNotFound(`there is no order "${orderId}" in ${eventId}`);
    return order;
  }

  /** The orders routed to a location, newest first (at most MAX_LISTED_ORDERS); `open` leaves out finished ones. */
  async routedTo(eventId: string, locationId: string, opts: { open?: boolean } = {}): Promise<OrderRecord[]> {
    const ids = (await this.routedIndex(eventId)).get(locationId) ?? new Set<string>();
    const out: OrderRecord[] = [];
    for (const id of ids) {
      const o = await this.d.stores.event(eventId).get<OrderRecord>(ORDERS, id);
      if (o && !(opts.open && FINAL_STATUSES.includes(o.status))) out.push(o);
    }
    out.sort((a, b) => b.createdAt - a.createdAt || (a.orderId < b.orderId ? 1 : -1));
    return out.slice(0, MAX_LISTED_ORDERS);
  }

  /**
   * Moves an order forward (placed → allocated → picked → ready/shipped → collected/delivered); 409 otherwise.
   * `may` decides, on the stored order, whether the caller may (a till: only orders routed to its location).
   */
  async setStatus(eventId: string, orderId: string, status: OrderStatus, may: (order: OrderRecord) => void = () => undefined): Promise<OrderRecord> {
    return this.d.events.serial(eventId, async () => {
      const order = await this.get(eventId, orderId);
      may(order);
      if (!canAdvance(order.status, status, order.fulfilment?.type)) {
        throw new InvalidStatusTransition(`order ${orderId} is ${order.status}; it cannot go to ${status}${order.fulfilment ? ` (fulfilment: ${order.fulfilment.type})` : ''}`);
      }
      const next: OrderRecord = { ...order, status, history: [...order.history, { status, at: this.d.now() }] };
      await this.d.stores.event(eventId).put(ORDERS, orderId, next);
      return next;
    });
  }

  // ---- internals ------------------------------------------------------------------------------------

  private async execute(eventId: string, idempotencyKey: string, fp: string, input: OrderInput): Promise<PlacedOrder> {
    const now = this.d.now();
    const { config, brands, locations } = await this.d.events.setup(eventId);
    if (!config) throw new EventNotFound(eventId);
    assertDropOpen(config.drop, now);
    const brandIds = new Set(brands.map((b) => b.id));
    input.lines.forEach((l, i) => {
      if (!brandIds.has(l.brandId)) throw new ValidationError(`lines[${i}].brandId`, `"${l.brandId}" is not a brand of ${eventId}`);
    });
    const destination = destinationOf(input.fulfilment, locations, eventId);

    // The catalog entries and the live stock view of each brand in the order.
    const docs = new Map<string, { products: Map<string, Product>; view: StockView }>();
    for (const brandId of new Set(input.lines.map((l) => l.brandId))) {
      const skus = input.lines.filter((l) => l.brandId === brandId).map((l) => l.sku);
      docs.set(
        brandId,
        await this.d.hub.read(brandDocName(eventId, brandId), (doc, view) => {
          const brand = new BrandDoc(doc);
          const products = new Map<string, Product>();
          for (const sku of skus) {
            const p = brand.productBySku(sku);
            if (p) products.set(sku, p);
          }
          return { products, view: view! };
        }),
      );
    }
    const product = (brandId: string, sku: string) => docs.get(brandId)?.products.get(sku);
    input.lines.forEach((l, i) => {
      if (!product(l.brandId, l.sku)) throw new ValidationError(`lines[${i}].sku`, `${l.sku} is not in ${l.brandId}'s catalog`);
    });

    const items: CartItem[] = input.lines.map((l) => ({ brandId: l.brandId, sku: l.sku, qty: l.qty }));
    const priced = priceItems(items, config, product, now);
    const total = priced.totals.total;
    if (input.payment.amount !== total) {
      throw new PaymentMismatch(total, input.payment.amount, config.currency);
    }

    // Per-customer limits, across storefront tokens: on the normalised e-mail, phone and payment reference.
    const limits = buyerLimitsOf(config);
    const limited = limits.perCustomerPerProduct > 0 || limits.perCustomerPerDrop > 0;
    const keys = limited ? buyerKeys({ email: input.customer?.email, phone: input.customer?.phone, paymentReference: input.payment.reference }) : [];
    await this.tally.check(eventId, keys, input.lines, limits);

    // Routing: each source's rights less what other live reservations pinned to it hold. A valid reservation
    // of this order counts for it (it is left out of the held units), so its source can always take the
    // reserved units; a nearer source that holds the whole order is still preferred. An unknown or expired
    // reservation is ignored.
    const reservation = input.reservationId !== undefined ? this.d.reservations.get(eventId, input.reservationId) : undefined;
    const usable = reservation && this.d.reservations.isActive(reservation) ? reservation : undefined;
    const views = new Map([...docs].map(([brandId, d]) => [brandId, d.view] as const));
    const route = routeLines(input.lines, locations, views, this.d.reservations.heldAt(eventId, usable?.id), destination);
    if (!route.ok) throw new RouteRefused(route.reason, route.lines);
    const source = route.source;
    const distanceKm = source.distanceKm === null ? null : Math.round(source.distanceKm * 1000) / 1000;

    const clock = await this.d.events.serverClock();
    const seq = await this.nextReceiptSeq(eventId);
    const receiptNumber = formatReceiptNumber(RECEIPT_PREFIX, seq);
    // A consenting customer's hashes go on the sales too, as a till puts them, so analytics finds online
    // buyers where it finds in-person ones.
    const hashed = input.customer ? storedCustomer(input.customer) : undefined;
    const saleCustomer = hashed?.consent && (hashed.emailSha256 || hashed.phoneSha256) ? { consent: true as const, ...(hashed.emailSha256 ? { emailSha256: hashed.emailSha256 } : {}), ...(hashed.phoneSha256 ? { phoneSha256: hashed.phoneSha256 } : {}) } : undefined;
    const checkout = buildCheckout(
      { cart: { lines: items }, payments: [input.payment], cashierId: 'storefront', now, ...(input.source !== undefined ? { source: input.source } : {}), ...(saleCustomer ? { customer: saleCustomer } : {}) },
      {
        config,
        deviceId: SERVER_WRITER,
        tillId: ONLINE_TILL,
        holder: source.holder,
        receiptNumber,
        clock,
        product,
        writer: (brandId) => new LedgerWriter(SERVER_WRITER, clock, docs.get(brandId)!.view, this.d.hub.ownerOf(eventId)),
        // An online order has no manager at hand: no override, no price change.
        isManager: () => false,
      },
    );
    const orderId = newId('o', clock);
    const body: PlacedOrder = { orderId, status: 'placed', receiptNumber, total, currency: config.currency, sales: checkout.sales.map((s) => s.id), routedTo: source.locationId, distanceKm };
    const order: OrderRecord = {
      orderId,
      eventId,
      status: 'placed',
      history: [{ status: 'placed', at: now }],
      receiptNumber,
      checkoutId: checkout.checkoutId,
      lines: priced.rows.map((r, i) => ({
        brandId: r.item.brandId,
        sku: r.item.sku,
        name: productLabel(r.product),
        qty: r.item.qty,
        listPrice: r.price.list,
        unitPrice: r.price.price,
        tierId: r.price.tierId,
        gross: priced.totals.lines[i]!.gross,
        tax: priced.totals.lines[i]!.tax,
      })),
      total,
      tax: priced.totals.tax,
      discount: priced.totals.discount,
      currency: config.currency,
      createdAt: now,
      // The shipping destination only steers routing: the customer's coordinates are not kept.
      fulfilment: input.fulfilment ? { type: input.fulfilment.type, ...(input.fulfilment.locationId !== undefined ? { locationId: input.fulfilment.locationId } : {}) } : null,
      routedTo: source.locationId,
      distanceKm,
      payment: input.payment,
      sales: body.sales,
      ...(input.source !== undefined ? { source: input.source } : {}),
      ...(input.customer ? { customer: storedCustomer(input.customer) } : {}),
      ...(keys.length ? { buyerKeys: keys } : {}),
      ...(usable ? { reservationId: usable.id } : {}),
    };
    const journal: Journal = {
      eventId,
      orderId,
      idempotencyKey,
      ...(usable ? { reservationId: usable.id } : {}),
      receiptSeq: seq,
      order,
      response: { fingerprint: fp, status: 201, body, createdAt: now },
      parts: checkout.sales.map((sale) => ({ brandId: sale.brandId, sale, entries: checkout.entries.get(sale.brandId) ?? [] })),
    };
    // Step 3: everything needed to finish or forget the order is durable (in one write) before any sale is.
    await this.d.stores.event(eventId).put(JOURNAL, orderId, journal);
    (await this.pendingSet(eventId)).add(orderId);
    await this.storeRecords(journal);
    const outcome = await this.complete(journal);
    if (outcome !== 'done') throw new Error(`order ${orderId} could not be written (${outcome})`);
    return body;
  }

  /** Step 3, second half (repeated on recovery: every write is idempotent). */
  private async storeRecords(j: Journal, recovering = false): Promise<void> {
    const records = this.d.stores.event(j.eventId);
    const stored = (await records.get<number>(RECEIPTS, '')) ?? 0;
    const at = j.parts[0]?.sale.at;
    // After a crash the server clock continues after the journal's ids, even if its own record was not saved.
    if (recovering && at) {
      try {
        (await this.d.events.serverClock()).receive(at);
      } catch (err) {
        this.d.log('warn', 'the server clock is behind an interrupted order; ids continue from the wall clock', { orderId: j.orderId, err: String(err) });
      }
    }
    await Promise.all([
      records.put(ORDERS, j.orderId, j.order),
      records.put(IDEMPOTENCY, j.idempotencyKey, j.response),
      records.put(RECEIPTS, '', Math.max(stored, j.receiptSeq)),
      this.d.events.saveServerClock(),
    ]);
    await this.tally.record(j.order);
    if (j.order.routedTo !== undefined) {
      const index = await this.routedIndex(j.eventId);
      index.set(j.order.routedTo, (index.get(j.order.routedTo) ?? new Set()).add(j.orderId));
    }
  }

  /**
   * Step 4: appends the parts of a journal that are not in their documents yet, consumes the reservation
   * and drops the journal. 'forgotten': nothing had been written and the rights no longer allow it, so the
   * order, its key's response and its journal are deleted.
   */
  private async complete(j: Journal): Promise<'done' | 'forgotten'> {
    const missing: Journal['parts'] = [];
    let written = 0;
    for (const part of j.parts) {
      const there = await this.d.hub.read(brandDocName(j.eventId, part.brandId), (doc) => doc.getMap('sales').has(part.sale.id));
      if (there) written++;
      else missing.push(part);
    }
    const problems: string[] = [];
    for (const part of missing) {
      const name = brandDocName(j.eventId, part.brandId);
      const appended = await this.d.hub.change(name, (doc, ctx) => {
        if (doc.getMap('sales').has(part.sale.id)) return true;
        try {
          if (ctx.view) checkEntries(ctx.view, part.entries, ctx.ownerOf);
        } catch (err) {
          problems.push(`${part.brandId}: ${err instanceof Error ? err.message : String(err)}`);
          return false;
        }
        new BrandDoc(doc).appendSale(part.sale, part.entries);
        return true;
      });
      if (appended) written++;
    }
    const records = this.d.stores.event(j.eventId);
    if (written === 0) {
      this.d.log('warn', 'an online order none of whose sales were written is forgotten', { eventId: j.eventId, orderId: j.orderId, problems });
      await records.commit({ del: [{ ns: ORDERS, key: j.orderId }, { ns: IDEMPOTENCY, key: j.idempotencyKey }] });
      if (j.order.routedTo !== undefined) (await this.routedIndex(j.eventId)).get(j.order.routedTo)?.delete(j.orderId);
      await this.tally.forget(j.eventId, j.orderId);
    } else {
      if (problems.length) {
        this.d.log('error', 'an online order is only partly written', { eventId: j.eventId, orderId: j.orderId, problems });
        const order = await records.get<OrderRecord>(ORDERS, j.orderId);
        if (order) await records.put(ORDERS, j.orderId, { ...order, problems });
      }
      if (j.reservationId !== undefined) await this.d.reservations.delete(j.eventId, j.reservationId);
    }
    await records.del(JOURNAL, j.orderId);
    (await this.pendingSet(j.eventId)).delete(j.orderId);
    this.d.changed(j.eventId);
    return written === 0 ? 'forgotten' : 'done';
  }

  /** Finishes the event's journals left by a crash (or a failed write); runs inside the serial section. */
  async recover(eventId: string): Promise<void> {
    const pending = await this.pendingSet(eventId);
    for (const orderId of [...pending]) {
      const j = await this.d.stores.event(eventId).get<Journal>(JOURNAL, orderId);
      if (!j) {
        pending.delete(orderId);
        continue;
      }
      await this.storeRecords(j, true);
      const outcome = await this.complete(j);
      this.d.log('info', 'completed an interrupted online order', { eventId, orderId, outcome });
    }
  }

  private pendingSet(eventId: string): Promise<Set<string>> {
    return once(this.pending, eventId, async () => new Set((await this.d.stores.event(eventId).list<Journal>(JOURNAL)).map(([, j]) => j.orderId)));
  }

  private routedIndex(eventId: string): Promise<Map<string, Set<string>>> {
    return once(this.routed, eventId, async () => {
      const out = new Map<string, Set<string>>();
      for (const [, o] of await this.d.stores.event(eventId).list<OrderRecord>(ORDERS)) {
        if (o.routedTo !== undefined) out.set(o.routedTo, (out.get(o.routedTo) ?? new Set()).add(o.orderId));
      }
      return out;
    });
  }

  private async nextReceiptSeq(eventId: string): Promise<number> {
    const last = this.receiptSeq.get(eventId) ?? (await this.d.stores.event(eventId).get<number>(RECEIPTS, '')) ?? 0;
    this.receiptSeq.set(eventId, last + 1);
    return last + 1;
  }
}

/** The per-event value made by `make` on first use; a failed making is tried again next time. */
function once<T>(cache: Map<string, Promise<T>>, eventId: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(eventId);
  if (!p) {
    p = make();
    p.catch(() => cache.delete(eventId));
    cache.set(eventId, p);
  }
  return p;
}

/** What GET /orders/:orderId shows (customer hashes, payment reference and internals stay on the server). */
export function publicOrder(o: OrderRecord): Record<string, unknown> {
  return {
    orderId: o.orderId,
    status: o.status,
    receiptNumber: o.receiptNumber,
    lines: o.lines,
    total: o.total,
    tax: o.tax,
    discount: o.discount,
    currency: o.currency,
    createdAt: o.createdAt,
    fulfilment: o.fulfilment,
    routedTo: o.routedTo ?? null,
    distanceKm: o.distanceKm ?? null,
    history: o.history,
    ...(o.source !== undefined ? { source: o.source } : {}),
  };
}
