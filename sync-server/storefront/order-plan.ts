import type { CartItem } from '../../core/selling/cart.ts';
import { productLabel, type Product } from '../../core/catalog/catalog.ts';
import { buildCheckout, priceItems } from '../../core/selling/checkout.ts';
import { ValidationError } from '../../core/base/errors.ts';
import { SERVER_WRITER } from '../../core/ledger/holders.ts';
import { formatReceiptNumber, newId } from '../../core/base/ids.ts';
import type { LedgerEntry } from '../../core/ledger/ledger.ts';
import { LedgerWriter } from '../../core/ledger/rights.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import { assertDropOpen } from '../../core/selling/drop-window.ts';
import { buyerLimitsOf } from '../../core/customers/buyer-limits.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { EventNotFound } from '../server-errors.ts';
import { storedCustomer, type OrderInput } from './input.ts';
import type { ReservationStore } from './reservations.ts';
import { buyerKeys } from './buyer-keys.ts';
import type { BuyerTally } from './buyer-tally.ts';
import { destinationOf, routeLines } from './route.ts';
import { orderSetup } from './order-setup.ts';
import { ONLINE_TILL, RECEIPT_PREFIX, type OrderRecord, type PlacedOrder } from './order-record.ts';
import { PaymentMismatch, RouteRefused } from './storefront-errors.ts';

/**
 * Planning an online order, writing nothing: it is priced (core `priceItems`, the till's path), its payment
 * checked, the customer's limits checked, routed (core/ledger/routing.ts: the nearest source to its
 * destination that holds all its units, counting the reservations pinned to each source; its own
 * reservation's units count for it), and its sales and entries built (core `buildCheckout`, the routed
 * holder, till `online`). Runs inside the event's serial section; orders.ts then writes the plan in one commit.
 */
export interface OrderPlan {
  order: OrderRecord;
  body: PlacedOrder;
  /** The order's WEB receipt number's sequence. */
  receiptSeq: number;
  parts: { brandId: string; sale: Sale; entries: LedgerEntry[] }[];
  /** The reservation the order consumes. */
  reservationId?: string;
}

export interface PlanDeps {
  hub: DocHub;
  events: EventService;
  reservations: ReservationStore;
  tally: BuyerTally;
  now: () => number;
  /** The next WEB receipt sequence of the event (not yet stored). */
  receiptSeq: (eventId: string) => Promise<number>;
}

export async function planOrder(d: PlanDeps, eventId: string, input: OrderInput): Promise<OrderPlan> {
  const now = d.now();
  // Decoded once per version of the set-up document, not per order (order-setup.ts).
  const { config, brandIds, locations } = await orderSetup(d.hub, eventId);
  if (!config) throw new EventNotFound(eventId);
  assertDropOpen(config.drop, now);
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
      await d.hub.read(brandDocName(eventId, brandId), (doc, view) => {
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
  await d.tally.check(eventId, keys, input.lines, limits);

  // Routing: each source's rights less what other live reservations pinned to it hold. A valid reservation
  // of this order counts for it (it is left out of the held units), so its source can always take the
  // reserved units; a nearer source that holds the whole order is still preferred. An unknown or expired
  // reservation is ignored.
  const reservation = input.reservationId !== undefined ? d.reservations.get(eventId, input.reservationId) : undefined;
  const usable = reservation && d.reservations.isActive(reservation) ? reservation : undefined;
  const views = new Map([...docs].map(([brandId, d]) => [brandId, d.view] as const));
  const route = routeLines(input.lines, locations, views, d.reservations.heldAt(eventId, usable?.id), destination);
  if (!route.ok) throw new RouteRefused(route.reason, route.lines);
  const source = route.source;
  const distanceKm = source.distanceKm === null ? null : Math.round(source.distanceKm * 1000) / 1000;

  const clock = await d.events.serverClock(eventId);
  const seq = await d.receiptSeq(eventId);
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
      writer: (brandId) => new LedgerWriter(SERVER_WRITER, clock, docs.get(brandId)!.view, d.hub.ownerOf(eventId)),
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
  return {
    order,
    body,
    receiptSeq: seq,
    parts: checkout.sales.map((sale) => ({ brandId: sale.brandId, sale, entries: checkout.entries.get(sale.brandId) ?? [] })),
    ...(usable ? { reservationId: usable.id } : {}),
  };
}
