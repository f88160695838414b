import { ValidationError } from '../base/errors.ts';
import { SKU_PATTERN } from '../catalog/catalog.ts';
import type { Minor } from '../base/money.ts';
import { parseTillRecordHeader, PAYMENT_METHODS, type PaymentMethod, type TillRecordHeader } from '../selling/sale.ts';
import { asObject, int, oneOf, optStr, str } from '../base/validate.ts';

/**
 * A return against an earlier sale: an immutable record in the brand document's `refunds` map, next to the
 * ledger entries (`refund-restock` / `refund-quarantine`) that bring the units back.
 */
export interface RefundLine {
  sku: string;
  qty: number;
  /** Money given back for this line (what was charged for these units), and the tax in it. */
  amount: Minor;
  tax: Minor;
  disposition: 'restock' | 'quarantine';
  /** Template reason id (e.g. "defective", "changed-mind"). */
  reason: string;
  serial?: string;
  entryId: string;
}

export interface Refund extends TillRecordHeader {
  saleId: string;
  receiptNumber: string;
  cashierId: string;
  /** Manager who approved it; absent when it was within the event's pre-authorised defect limit. */
  approvedBy?: string;
  /**
   * A manager let this till refund units whose refund rights it did not hold (another till holds them, or
   * none are left): `units` is how many it lacked. Accepted, and raised as a "refund beyond rights" alert.
   */
  override?: { managerId: string; reason: string; units: number };
  lines: RefundLine[];
  payments: { method: PaymentMethod; amount: Minor }[];
  total: Minor;
}

export function parseRefund(raw: unknown): Refund {
  const o = asObject(raw, 'refund');
  const header = parseTillRecordHeader(o, 'refund');
  const lines = (o['lines'] as unknown[]).map((raw): RefundLine => {
    const l = asObject(raw, 'line');
    const line: RefundLine = {
      sku: str(l, 'sku', { max: 64, pattern: SKU_PATTERN }),
      qty: int(l, 'qty', { min: 1, max: 100_000 }),
      amount: int(l, 'amount', { min: 0 }),
      tax: int(l, 'tax', { min: 0 }),
      disposition: oneOf(l, 'disposition', ['restock', 'quarantine'] as const),
      reason: str(l, 'reason', { max: 48 }),
      entryId: str(l, 'entryId', { max: 80 }),
    };
    const serial = optStr(l, 'serial', { max: 80 });
    if (serial !== undefined) line.serial = serial;
    return line;
  });
  const payments = (o['payments'] as unknown[]).map((raw) => {
    const p = asObject(raw, 'payment');
    return { method: oneOf(p, 'method', PAYMENT_METHODS), amount: int(p, 'amount', { min: 1 }) };
  });
  const refund: Refund = {
    ...header,
    saleId: str(o, 'saleId', { max: 80 }),
    receiptNumber: str(o, 'receiptNumber', { max: 30 }),
    cashierId: str(o, 'cashierId', { max: 80 }),
    lines,
    payments,
    total: int(o, 'total', { min: 0 }),
  };
  const approvedBy = optStr(o, 'approvedBy', { max: 80 });
  if (approvedBy !== undefined) refund.approvedBy = approvedBy;
  if (o['override'] !== undefined) {
    const v = asObject(o['override'], 'override');
    refund.override = { managerId: str(v, 'managerId', { max: 80 }), reason: str(v, 'reason', { max: 200 }), units: int(v, 'units', { min: 1, max: 100_000 }) };
  }
  if (lines.reduce((a, l) => a + l.amount, 0) !== refund.total) throw new ValidationError('total', 'does not equal the sum of the lines');
  if (payments.reduce((a, p) => a + p.amount, 0) !== refund.total) throw new ValidationError('payments', 'do not add up to the refund total');
  return refund;
}
