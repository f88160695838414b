import { PopupError, ValidationError } from '../base/errors.ts';
import { parseStoredCustomer, type StoredCustomer } from '../customers/customer.ts';
import { isHolderId, type HolderId } from '../ledger/holders.ts';
import { SKU_PATTERN } from '../catalog/catalog.ts';
import type { Minor } from '../base/money.ts';
import { parseGivenDiscount, type GivenDiscount } from './discounts.ts';
import { asObject, int, oneOf, optInt, optStr, str, type Obj } from '../base/validate.ts';

/**
 * A completed sale as it is kept in the brand document and printed on the receipt. It is immutable: a
 * return is a separate refund record that names the sale. Amounts are minor units of the event currency.
 */
export interface SaleLine {
  sku: string;
  name: string;
  qty: number;
  /** List price per unit. */
  listPrice: Minor;
  /** Price per unit actually charged (after the tier discount, never below the margin floor). */
  unitPrice: Minor;
  /** Discount tier that applied, if any. */
  tierId: string | null;
  taxRateBp: number;
  /** Line amounts after discount: gross = net + tax. */
  net: Minor;
  tax: Minor;
  gross: Minor;
  /** Serial number of the unit, for serial-tracked products (one unit per line). */
  serial?: string;
  /** The ledger entry that took the units from the holder's rights. */
  entryId: string;
  /** The manager who set this line's price by hand (a price change, in the audit log). */
  priceSetBy?: string;
  /**
   * What the discounts given at the till (the sale's `discounts`) took off this whole line, on top of the
   * tier or manual price: net/tax/gross are worked out from unitPrice × qty − lineDiscount. Absent: 0.
   */
  lineDiscount?: Minor;
}

export const PAYMENT_METHODS = ['cash', 'card', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Payment {
  method: PaymentMethod;
  /** What this payment pays towards the total. */
  amount: Minor;
  /** Cash handed over; change = tendered − amount. */
  tendered?: Minor;
  /** Card terminal approval code or voucher number. */
  reference?: string;
}

/** The fields every record a till writes (a sale, a refund) starts with: who, where, when. */
export interface TillRecordHeader {
  id: string;
  /** Hybrid-clock time of the writer, and wall time (ms) for reports in the event's time zone. */
  at: string;
  wallTime: number;
  writer: string;
  eventId: string;
  brandId: string;
  tillId: string;
  holder: HolderId;
}

export interface Sale extends TillRecordHeader {
  receiptNumber: string;
  /** Same for the per-brand parts of one multi-brand checkout. */
  checkoutId: string;
  cashierId: string;
  lines: SaleLine[];
  payments: Payment[];
  discount: Minor;
  net: Minor;
  tax: Minor;
  total: Minor;
  /** Creator code or link the customer came from. */
  source?: string;
  /** Discounts given at the till and coupons, each under its own name (core/selling/discounts.ts). */
  discounts?: GivenDiscount[];
  /** Hashed contact, only with the customer's consent (core/customers/customer.ts). */
  customer?: StoredCustomer;
}

export class PaymentMismatchError extends PopupError {}

function parseLine(raw: unknown): SaleLine {
  const o = asObject(raw, 'line');
  const line: SaleLine = {
    sku: str(o, 'sku', { max: 64, pattern: SKU_PATTERN }),
    name: str(o, 'name', { max: 200 }),
    qty: int(o, 'qty', { min: 1, max: 100_000 }),
    listPrice: int(o, 'listPrice', { min: 0 }),
    unitPrice: int(o, 'unitPrice', { min: 0 }),
    tierId: o['tierId'] === null ? null : str(o, 'tierId', { max: 48 }),
    taxRateBp: int(o, 'taxRateBp', { min: 0, max: 10_000 }),
    net: int(o, 'net'),
    tax: int(o, 'tax'),
    gross: int(o, 'gross'),
    entryId: str(o, 'entryId', { max: 80 }),
  };
  const serial = optStr(o, 'serial', { max: 80 });
  if (serial !== undefined) line.serial = serial;
  const priceSetBy = optStr(o, 'priceSetBy', { max: 80 });
  if (priceSetBy !== undefined) line.priceSetBy = priceSetBy;
  const lineDiscount = optInt(o, 'lineDiscount', { min: 1 });
  if (lineDiscount !== undefined) line.lineDiscount = lineDiscount;
  if (line.net + line.tax !== line.gross) throw new ValidationError('line', `${line.sku}: net + tax ≠ gross`);
  return line;
}

function parsePayment(raw: unknown): Payment {
  const o: Obj = asObject(raw, 'payment');
  const p: Payment = { method: oneOf(o, 'method', PAYMENT_METHODS), amount: int(o, 'amount', { min: 1 }) };
  const tendered = optInt(o, 'tendered', { min: p.amount });
  if (tendered !== undefined) p.tendered = tendered;
  const reference = optStr(o, 'reference', { max: 80 });
  if (reference !== undefined) p.reference = reference;
  return p;
}


/**
 * Reads the header of a till's record and checks it has lines and a list of payments; `what` names the
 * record in errors ("a sale has at least one line").
 */
export function parseTillRecordHeader(o: Obj, what: 'sale' | 'refund'): TillRecordHeader {
  const holder = o['holder'];
  if (!isHolderId(holder)) throw new ValidationError('holder', `"${String(holder)}" is not a holder id`);
  if (!Array.isArray(o['lines']) || o['lines'].length === 0) throw new ValidationError('lines', `a ${what} has at least one line`);
  if (!Array.isArray(o['payments'])) throw new ValidationError('payments', 'must be a list');
  return {
    id: str(o, 'id', { max: 80 }),
    at: str(o, 'at', { max: 40 }),
    wallTime: int(o, 'wallTime', { min: 0 }),
    writer: str(o, 'writer', { max: 20 }),
    eventId: str(o, 'eventId', { max: 48 }),
    brandId: str(o, 'brandId', { max: 48 }),
    tillId: str(o, 'tillId', { max: 48 }),
    holder,
  };
}

export function parseSale(raw: unknown): Sale {
  const o = asObject(raw, 'sale');
  const sale: Sale = {
    ...parseTillRecordHeader(o, 'sale'),
    receiptNumber: str(o, 'receiptNumber', { max: 30 }),
    checkoutId: str(o, 'checkoutId', { max: 80 }),
    cashierId: str(o, 'cashierId', { max: 80 }),
    lines: (o['lines'] as unknown[]).map(parseLine),
    payments: (o['payments'] as unknown[]).map(parsePayment),
    discount: int(o, 'discount', { min: 0 }),
    net: int(o, 'net'),
    tax: int(o, 'tax'),
    total: int(o, 'total', { min: 0 }),
  };
  const source = optStr(o, 'source', { max: 80 });
  if (source !== undefined) sale.source = source;
  if (o['customer'] !== undefined) sale.customer = parseStoredCustomer(o['customer']);
  if (o['discounts'] !== undefined) {
    if (!Array.isArray(o['discounts']) || o['discounts'].length === 0 || o['discounts'].length > 200) throw new ValidationError('discounts', 'must be a list of 1 to 200 discounts');
    sale.discounts = o['discounts'].map(parseGivenDiscount);
  }
  checkSaleTotals(sale);
  return sale;
}

/** The lines add up to the totals and the payments add up to the total, to the minor unit. */
export function checkSaleTotals(sale: Pick<Sale, 'lines' | 'payments' | 'net' | 'tax' | 'total'>): void {
  const sum = (f: (l: SaleLine) => number) => sale.lines.reduce((a, l) => a + f(l), 0);
  if (sum((l) => l.net) !== sale.net || sum((l) => l.tax) !== sale.tax || sum((l) => l.gross) !== sale.total) {
    throw new ValidationError('total', 'does not equal the sum of the lines');
  }
  const paid = sale.payments.reduce((a, p) => a + p.amount, 0);
  if (paid !== sale.total) throw new PaymentMismatchError(`payments add up to ${paid}, the total is ${sale.total}`);
}

/** Change due to the customer across all cash payments. */
export function changeDue(payments: readonly Payment[]): Minor {
  return payments.reduce((a, p) => a + (p.tendered !== undefined ? p.tendered - p.amount : 0), 0);
}
