import { createHash } from 'node:crypto';
import { normaliseEmail, normalisePhone } from '../../core/customers/customer.ts';
import { ID_PATTERN, SKU_PATTERN } from '../../core/catalog/catalog.ts';
import { ValidationError } from '../../core/base/errors.ts';
import { asObject, bool, int, oneOf, optStr, type Obj } from '../../core/base/validate.ts';
import type { StockLine } from '../event-service.ts';

/**
 * Decoding of the storefront's request bodies. Every reader throws a ValidationError naming the field
 * (the router answers 422), so a storefront developer learns exactly what to fix.
 */
export const MAX_LINES = 100;
export const MAX_LINE_QTY = 1000;
export const DEFAULT_TTL_SECONDS = 600;
export const MAX_TTL_SECONDS = 3600;

/** `brandId/sku`: a brand id never holds a slash, so the pair is unambiguous. */
export const skuKey = (brandId: string, sku: string): string => `${brandId}/${sku}`;

export function parseLines(v: unknown): StockLine[] {
  if (!Array.isArray(v) || v.length === 0) throw new ValidationError('lines', 'send at least one {"brandId", "sku", "qty"}');
  if (v.length > MAX_LINES) throw new ValidationError('lines', `at most ${MAX_LINES} lines`);
  return v.map((raw: unknown, i) => {
    const field = `lines[${i}]`;
    let o: Obj;
    try {
      o = asObject(raw, field);
    } catch {
      throw new ValidationError(field, 'must be {"brandId", "sku", "qty"}');
    }
    const brandId = o['brandId'];
    const sku = o['sku'];
    const qty = o['qty'];
    if (typeof brandId !== 'string' || !ID_PATTERN.test(brandId)) throw new ValidationError(`${field}.brandId`, 'must be a brand id');
    if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) throw new ValidationError(`${field}.sku`, 'must be a SKU');
    if (typeof qty !== 'number' || !Number.isSafeInteger(qty) || qty < 1 || qty > MAX_LINE_QTY) {
      throw new ValidationError(`${field}.qty`, `must be a whole number from 1 to ${MAX_LINE_QTY}`);
    }
    return { brandId, sku, qty };
  });
}

/** Units wanted per `brandId/sku`, in first-seen order (two lines of one SKU count together). */
export function unitsBySku(lines: readonly StockLine[]): Map<string, { brandId: string; sku: string; qty: number }> {
  const out = new Map<string, { brandId: string; sku: string; qty: number }>();
  for (const l of lines) {
    const k = skuKey(l.brandId, l.sku);
    const acc = out.get(k) ?? { brandId: l.brandId, sku: l.sku, qty: 0 };
    acc.qty += l.qty;
    out.set(k, acc);
  }
  return out;
}

export interface ReservationInput {
  lines: StockLine[];
  ttlSeconds: number;
  /** Where the order will go, when the cart already knows: the reservation is pinned near it. */
  fulfilment?: Fulfilment;
  /** Who the cart is for, when the storefront knows: the per-customer hold cap counts by it (hashes only). */
  customer?: { email?: string; phone?: string };
}

export function parseReservationInput(body: unknown): ReservationInput {
  const o = asObject(body, 'body');
  const ttl = o['ttlSeconds'] === undefined ? DEFAULT_TTL_SECONDS : int(o, 'ttlSeconds', { min: 1, max: MAX_TTL_SECONDS });
  const out: ReservationInput = { lines: parseLines(o['lines']), ttlSeconds: ttl };
  if (o['fulfilment'] !== undefined) out.fulfilment = parseFulfilment(o['fulfilment']);
  if (o['customer'] !== undefined) {
    const { email, phone } = parseCustomer({ consent: false, ...asObject(o['customer'], 'customer') });
    out.customer = { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
  }
  return out;
}

export type FulfilmentType = 'ship' | 'pickup';

/**
 * How the customer gets the order: `pickup` at `locationId` (a pick-up point or micro-hub of the event), or
 * `ship` to `destination` (the customer's coordinates, used for routing only). Both are optional: without
 * them the order is routed with no destination (core/ledger/routing.ts).
 */
export interface Fulfilment {
  type: FulfilmentType;
  locationId?: string;
  destination?: { lat: number; lon: number };
}

export function parseFulfilment(v: unknown): Fulfilment {
  const f = asObject(v, 'fulfilment');
  const fulfilment: Fulfilment = { type: oneOf(f, 'type', ['ship', 'pickup'] as const) };
  const locationId = optStr(f, 'locationId', { max: 48, pattern: ID_PATTERN });
  if (locationId !== undefined) {
    if (fulfilment.type === 'ship') throw new ValidationError('fulfilment.locationId', 'a shipped order has no pick-up point; send "destination": {"lat", "lon"} instead');
    fulfilment.locationId = locationId;
  }
  if (f['destination'] !== undefined) {
    if (fulfilment.type === 'pickup') throw new ValidationError('fulfilment.destination', "a pick-up's destination is its pick-up point: send \"locationId\" only");
    const d = asObject(f['destination'], 'fulfilment.destination');
    const coord = (k: 'lat' | 'lon', limit: number): number => {
      const c = d[k];
      if (typeof c !== 'number' || !Number.isFinite(c) || Math.abs(c) > limit) throw new ValidationError(`fulfilment.destination.${k}`, `must be a number within ±${limit}`);
      return c;
    };
    fulfilment.destination = { lat: coord('lat', 90), lon: coord('lon', 180) };
  }
  return fulfilment;
}

export interface CustomerInput {
  email?: string;
  phone?: string;
  consent: boolean;
}

/** What is kept of a customer: nothing without consent, and with it only SHA-256 hashes. */
export interface StoredCustomer {
  consent: boolean;
  emailSha256?: string;
  phoneSha256?: string;
}

export interface OrderInput {
  reservationId?: string;
  lines: StockLine[];
  payment: { method: 'card' | 'other'; amount: number; reference?: string };
  customer?: CustomerInput;
  source?: string;
  fulfilment?: Fulfilment;
}

export function parseOrderInput(body: unknown): OrderInput {
  const o = asObject(body, 'body');
  const out: OrderInput = { lines: parseLines(o['lines']), payment: parsePayment(o['payment']) };
  const reservationId = optStr(o, 'reservationId', { max: 100 });
  if (reservationId !== undefined) out.reservationId = reservationId;
  if (o['customer'] !== undefined) out.customer = parseCustomer(o['customer']);
  const source = optStr(o, 'source', { max: 80, pattern: /^[\w.~-]{1,80}$/ });
  if (source !== undefined) out.source = source;
  if (o['fulfilment'] !== undefined) out.fulfilment = parseFulfilment(o['fulfilment']);
  return out;
}

function parsePayment(v: unknown): OrderInput['payment'] {
  const p = asObject(v, 'payment');
  const payment: OrderInput['payment'] = { method: oneOf(p, 'method', ['card', 'other'] as const), amount: int(p, 'amount', { min: 1 }) };
  const reference = optStr(p, 'reference', { max: 80 });
  if (reference !== undefined) payment.reference = reference;
  return payment;
}

function parseCustomer(v: unknown): CustomerInput {
  const c = asObject(v, 'customer');
  const out: CustomerInput = { consent: bool(c, 'consent') };
  const email = optStr(c, 'email', { max: 254 });
  if (email !== undefined) {
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) throw new ValidationError('email', `"${email}" is not an e-mail address`);
    out.email = email;
  }
  const phone = optStr(c, 'phone', { max: 40 });
  if (phone !== undefined) {
    if (!/^\+?[0-9 ().-]{4,40}$/.test(phone.trim())) throw new ValidationError('phone', `"${phone}" is not a phone number`);
    out.phone = phone;
  }
  return out;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

// One normalisation for the till and the storefront, so a buyer is recognised across channels.
export { normaliseEmail, normalisePhone } from '../../core/customers/customer.ts';

export function storedCustomer(c: CustomerInput): StoredCustomer {
  if (!c.consent) return { consent: false };
  const out: StoredCustomer = { consent: true };
  if (c.email !== undefined) out.emailSha256 = sha256(normaliseEmail(c.email));
  if (c.phone !== undefined) out.phoneSha256 = sha256(normalisePhone(c.phone));
  return out;
}

/** A request body's fingerprint: SHA-256 of its JSON with object keys sorted, so key order does not matter. */
export function fingerprint(body: unknown): string {
  return sha256(stableJson(body));
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Idempotency keys: 1–100 visible ASCII characters (a UUID is typical). */
export function isIdempotencyKey(k: string | undefined): k is string {
  return typeof k === 'string' && /^[\x21-\x7e]{1,100}$/.test(k);
}
