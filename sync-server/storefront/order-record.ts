import type { Fulfilment, OrderInput, StoredCustomer } from './input.ts';
import { InvalidStatusTransition, OrderNotFound } from './storefront-errors.ts';

/**
 * An online order as stored and as answered: its record, its statuses and their paths, the answer its
 * Idempotency-Key keeps, and what the public sees of it. The records live in the event's space:
 * `orders/<orderId>`, `idempotency/<key>`, and `web-receipt-seq` (the last WEB receipt number given).
 */
export const ORDERS = 'orders';
export const IDEMPOTENCY = 'idempotency';
export const RECEIPTS = 'web-receipt-seq';
/** Orders listed per fulfilling location at most (newest first). */
export const MAX_LISTED_ORDERS = 200;

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

/** The answer an Idempotency-Key got, kept with the key: replayed to a retry with the same body. */
export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: unknown;
  createdAt: number;
}

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
