import { PopupError, ValidationError } from '../base/errors.ts';
import type { EventConfig } from '../event/event.ts';
import type { HybridClock } from '../base/hlc.ts';
import type { HolderId } from '../ledger/holders.ts';
import { newId } from '../base/ids.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import { allocate, formatMoney } from '../base/money.ts';
import type { Refund, RefundLine } from './refund.ts';
import { NoRefundRightsError, refundShortfall, saleRefundRights, type RefundRightsRecord } from './refund-rights.ts';
import type { LedgerWriter } from '../ledger/rights.ts';
import type { PaymentMethod, Sale } from '../selling/sale.ts';

/**
 * Builds a return against a sale: what may still be returned, the money for it (what the customer paid for
 * those units, tax included, to the minor unit), the ledger entries that bring the units back, and whether a
 * manager must approve it. Pure: the caller appends the result in one storage transaction.
 */
export interface RefundReason {
  id: string;
  label: string;
  /** Counts as defective: may be pre-authorised up to the event's limit. */
  defective: boolean;
  /** Where the units go by default. */
  disposition: 'restock' | 'quarantine';
}

/** The templated reasons a cashier picks from. */
export const REFUND_REASONS: RefundReason[] = [
  { id: 'defective', label: 'Defective or damaged', defective: true, disposition: 'quarantine' },
  { id: 'wrong-size', label: 'Wrong size or colour', defective: false, disposition: 'restock' },
  { id: 'changed-mind', label: 'Changed their mind', defective: false, disposition: 'restock' },
  { id: 'not-as-described', label: 'Not as described', defective: false, disposition: 'quarantine' },
];

export class ManagerApprovalRequired extends PopupError {}
export class ReturnWindowClosed extends PopupError {}

export interface RefundRequest {
  lines: { sku: string; qty: number; reason: string; disposition?: 'restock' | 'quarantine'; serial?: string }[];
  /** How the money goes back; by default the way it was paid, split in the sale's proportions. */
  method?: PaymentMethod;
  cashierId: string;
  /** A manager's id when one approved it. */
  approvedBy?: string;
  /** A manager lets this till refund units whose refund rights it does not hold: recorded and alerted. */
  rightsOverride?: { managerId: string; reason: string };
  now: number;
}

export interface RefundContext {
  config: EventConfig;
  deviceId: string;
  tillId: string;
  holder: HolderId;
  clock: HybridClock;
  writer: LedgerWriter;
  /** The brand's refund rights records (claims and moves), to check this till holds the right to refund. */
  rightsRecords: readonly RefundRightsRecord[];
}

export interface Returnable {
  units: number;
  /** Money and tax of those units not yet refunded: successive partial refunds add up to the line exactly. */
  gross: number;
  tax: number;
}

/** What of each line of a sale (by SKU and serial) has not been returned yet. */
export function returnable(sale: Sale, earlier: readonly Refund[]): Map<string, Returnable> {
  const left = new Map<string, Returnable>();
  for (const l of sale.lines) {
    const r = left.get(lineKey(l.sku, l.serial)) ?? { units: 0, gross: 0, tax: 0 };
    left.set(lineKey(l.sku, l.serial), { units: r.units + l.qty, gross: r.gross + l.gross, tax: r.tax + l.tax });
  }
  for (const refund of earlier) {
    if (refund.saleId !== sale.id) continue;
    for (const l of refund.lines) {
      const r = left.get(lineKey(l.sku, l.serial));
      // Never below zero: refunds merged from two tills may add up to more than was sold (a manager override
      // allows that); the till and the console show what is left to return, not a debt.
      if (r) left.set(lineKey(l.sku, l.serial), { units: Math.max(0, r.units - l.qty), gross: Math.max(0, r.gross - l.amount), tax: Math.max(0, r.tax - l.tax) });
    }
  }
  return left;
}

export function buildRefund(sale: Sale, earlier: readonly Refund[], req: RefundRequest, ctx: RefundContext): { refund: Refund; entries: LedgerEntry[] } {
  if (req.lines.length === 0) throw new ValidationError('lines', 'choose at least one item to return');
  const windowMs = ctx.config.policies.returnsDays * 86_400_000;
  if (req.now - sale.wallTime > windowMs && !req.approvedBy) {
    throw new ReturnWindowClosed(`receipt ${sale.receiptNumber} is older than the ${ctx.config.policies.returnsDays}-day returns window: a manager must approve`);
  }
  const left = returnable(sale, earlier);
  const refundId = newId('r', ctx.clock);
  const batch = ctx.writer.batch();
  const lines: RefundLine[] = req.lines.map((want) => {
    const reason = REFUND_REASONS.find((r) => r.id === want.reason);
    if (!reason) throw new ValidationError('reason', `"${want.reason}" is not one of the returns reasons`);
    const soldLine = sale.lines.find((l) => l.sku === want.sku && (want.serial === undefined || l.serial === want.serial));
    if (!soldLine) throw new ValidationError('sku', `${want.sku}${want.serial ? ` (${want.serial})` : ''} is not on receipt ${sale.receiptNumber}`);
    const key = lineKey(soldLine.sku, soldLine.serial);
    const rest = left.get(key) ?? { units: 0, gross: 0, tax: 0 };
    if (!Number.isSafeInteger(want.qty) || want.qty < 1 || want.qty > rest.units) {
      throw new ValidationError('qty', `${rest.units} of ${soldLine.name} can still be returned, not ${want.qty}`);
    }
    // What the customer paid for exactly these units: a share of what is left of the line, so that all the
    // partial refunds of a line add up to what was charged for it, to the cent.
    const amount = allocate(rest.gross, [want.qty, rest.units - want.qty])[0]!;
    const tax = allocate(rest.tax, [want.qty, rest.units - want.qty])[0]!;
    left.set(key, { units: rest.units - want.qty, gross: rest.gross - amount, tax: rest.tax - tax });
    const disposition = want.disposition ?? reason.disposition;
    const entry = batch.refund(ctx.holder, soldLine.sku, want.qty, refundId, disposition);
    return { sku: soldLine.sku, qty: want.qty, amount, tax, disposition, reason: reason.id, entryId: entry.id, ...(soldLine.serial ? { serial: soldLine.serial } : {}) };
  });
  // Refunds exactly once, like sales: this till spends refund rights it holds, or a manager overrides.
  const short = refundShortfall(saleRefundRights(sale, earlier, ctx.rightsRecords), ctx.holder, lines);
  if (short > 0 && !req.rightsOverride) throw new NoRefundRightsError(ctx.holder, sale.id, sale.receiptNumber, short);
  const total = lines.reduce((a, l) => a + l.amount, 0);
  const allDefective = lines.every((l) => REFUND_REASONS.find((r) => r.id === l.reason)?.defective);
  const preAuthorised = allDefective && total <= ctx.config.policies.defectRefundLimit;
  if (!preAuthorised && !req.approvedBy) {
    const money = (n: number) => formatMoney(n, ctx.config.currency, ctx.config.locale);
    throw new ManagerApprovalRequired(
      allDefective
        ? `a defective-item refund of ${money(total)} is above the pre-authorised limit of ${money(ctx.config.policies.defectRefundLimit)}: a manager must approve`
        : 'this return needs a manager: only defective items are refunded without one',
    );
  }
  const refund: Refund = {
    id: refundId,
    at: refundId.slice(2),
    wallTime: req.now,
    writer: ctx.deviceId,
    eventId: ctx.config.id,
    brandId: sale.brandId,
    tillId: ctx.tillId,
    holder: ctx.holder,
    saleId: sale.id,
    receiptNumber: sale.receiptNumber,
    cashierId: req.cashierId,
    lines,
    payments: total > 0 ? refundPayments(total, sale, req.method) : [],
    total,
    ...(req.approvedBy ? { approvedBy: req.approvedBy } : {}),
    ...(short > 0 && req.rightsOverride ? { override: { ...req.rightsOverride, units: short } } : {}),
  };
  return { refund, entries: batch.entries };
}

/**
 * Money back the way it came: a sale paid part by card and part in cash is refunded to each method in the
 * proportion it paid (exact to the cent), unless the cashier chose one method.
 */
function refundPayments(total: number, sale: Sale, method: PaymentMethod | undefined): { method: PaymentMethod; amount: number }[] {
  if (method) return [{ method, amount: total }];
  const byMethod = new Map<PaymentMethod, number>();
  for (const p of sale.payments) byMethod.set(p.method, (byMethod.get(p.method) ?? 0) + p.amount);
  if (byMethod.size === 0) return [{ method: 'cash', amount: total }];
  const methods = [...byMethod.keys()];
  const parts = allocate(total, methods.map((m) => byMethod.get(m)!));
  return methods.map((m, i) => ({ method: m, amount: parts[i]! })).filter((p) => p.amount > 0);
}

/**
 * Where the money goes, one phrase per method, for the screen and the refund receipt: "€8.96 back to card",
 * "€4.00 in cash". `money` formats minor units in the event's currency.
 */
export function whereMoneyGoes(payments: readonly { method: PaymentMethod; amount: number }[], money: (n: number) => string): string[] {
  const byMethod = new Map<PaymentMethod, number>();
  for (const p of payments) byMethod.set(p.method, (byMethod.get(p.method) ?? 0) + p.amount);
  const phrase: Record<PaymentMethod, string> = { card: 'back to card', cash: 'in cash', other: 'by the other payment method' };
  return [...byMethod].filter(([, n]) => n > 0).map(([m, n]) => `${money(n)} ${phrase[m]}`);
}

const lineKey = (sku: string, serial: string | undefined) => `${sku}\u0000${serial ?? ''}`;
