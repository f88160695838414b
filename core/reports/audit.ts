import { ID_PATTERN } from '../catalog/catalog.ts';
import { ValidationError } from '../base/errors.ts';
import { parseHlc } from '../base/hlc.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Minor } from '../base/money.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';
import type { ShiftEvent } from '../event/shift.ts';
import { asObject, int, oneOf, str } from '../base/validate.ts';

/**
 * The till's audit log: what an organiser looks at when a booth's numbers do not add up — carts voided
 * before payment, sales beyond stock a manager allowed, refunds (and who approved them), cash taken in or
 * out of the drawer, every time the cash drawer was opened. Built from records kept elsewhere; only voids and
 * drawer openings are recorded for this log alone.
 */
export interface VoidRecord {
  id: string;
  tillId: string;
  cashierId: string;
  wallTime: number;
  /** What was in the cart (or the line removed) when it was voided. */
  lines: { sku: string; name: string; qty: number }[];
  total: Minor;
  reason: 'cart cleared' | 'line removed';
}

export const VOID_REASONS = ['cart cleared', 'line removed'] as const;

/** Reads a void record back (from the till's document or an old local row), checking every field. */
export function parseVoidRecord(raw: unknown): VoidRecord {
  const o = asObject(raw, 'void');
  const rawLines = o['lines'];
  if (!Array.isArray(rawLines) || rawLines.length > 500) throw new ValidationError('lines', 'must be a list of at most 500 lines');
  return {
    id: str(o, 'id', { max: 80, pattern: /^v_[0-9a-z]{15}-[0-9A-Za-z]+$/ }),
    tillId: str(o, 'tillId', { max: 48, pattern: ID_PATTERN }),
    cashierId: str(o, 'cashierId', { max: 80 }),
    wallTime: int(o, 'wallTime', { min: 0 }),
    lines: rawLines.map((l: unknown) => {
      const line = asObject(l, 'lines[]');
      return { sku: str(line, 'sku', { max: 64 }), name: str(line, 'name', { max: 200 }), qty: int(line, 'qty', { min: 1 }) };
    }),
    total: int(o, 'total', { min: 0 }),
    reason: oneOf(o, 'reason', VOID_REASONS),
  };
}

/**
 * The cash drawer was opened: by itself after a sale paid in cash (with its receipt number), or by a manager
 * with no sale ("no sale" opening, the classic way cash goes missing, so who did it is kept).
 */
export interface DrawerRecord {
  id: string;
  tillId: string;
  /** Who was signed in (a cash sale), or the manager who approved it. */
  cashierId: string;
  wallTime: number;
  reason: 'cash-sale' | 'manager';
  receiptNumber?: string;
}

export type AuditKind = 'void' | 'override' | 'price' | 'refund' | 'cash-in' | 'cash-out' | 'drawer';

export interface AuditItem {
  at: number;
  kind: AuditKind;
  who: string;
  what: string;
  amount?: Minor;
}

export function auditLog(
  tillId: string,
  sources: { voids: readonly VoidRecord[]; drawer?: readonly DrawerRecord[]; overrides: readonly LedgerEntry[]; refunds: readonly Refund[]; shiftEvents: readonly ShiftEvent[]; sales?: readonly Sale[]; holder: string; money?: (minor: number) => string },
): AuditItem[] {
  const items: AuditItem[] = [];
  const money = sources.money ?? String;
  for (const v of sources.voids) {
    if (v.tillId !== tillId) continue;
    items.push({ at: v.wallTime, kind: 'void', who: v.cashierId, what: `${v.reason}: ${v.lines.map((l) => `${l.qty} × ${l.name}`).join(', ')}`, amount: v.total });
  }
  for (const d of sources.drawer ?? []) {
    if (d.tillId !== tillId) continue;
    items.push({ at: d.wallTime, kind: 'drawer', who: d.cashierId, what: d.reason === 'cash-sale' ? `drawer opened for cash sale${d.receiptNumber ? ` ${d.receiptNumber}` : ''}` : 'drawer opened by a manager, no sale' });
  }
  for (const e of sources.overrides) {
    if (e.from !== sources.holder || !e.override) continue;
    items.push({ at: parseHlc(e.at).wall, kind: 'override', who: e.override.managerId, what: `${e.qty} × ${e.sku} sold, ${e.override.shortfall} beyond stock: ${e.override.reason}` });
  }
  for (const sale of sources.sales ?? []) {
    if (sale.tillId !== tillId) continue;
    for (const l of sale.lines) {
      if (!l.priceSetBy) continue;
      items.push({ at: sale.wallTime, kind: 'price', who: l.priceSetBy, what: `${l.name} sold at ${money(l.unitPrice)} instead of ${money(l.listPrice)} (receipt ${sale.receiptNumber})` });
    }
  }
  for (const r of sources.refunds) {
    if (r.tillId !== tillId) continue;
    const reasons = [...new Set(r.lines.map((l) => l.reason))].join(', ');
    const approved = r.approvedBy ? `, approved by ${r.approvedBy}` : ', pre-authorised';
    // A refund past the till's refund rights (core/refunds/refund-rights.ts) may pay out what another till paid out too.
    const beyond = r.override ? `; ${r.override.units} beyond refund rights, overridden by ${r.override.managerId}` : '';
    items.push({ at: r.wallTime, kind: 'refund', who: r.cashierId, what: `receipt ${r.receiptNumber}: ${r.lines.reduce((a, l) => a + l.qty, 0)} item(s), ${reasons}${approved}${beyond}`, amount: r.total });
  }
  for (const s of sources.shiftEvents) {
    if (s.tillId !== tillId || (s.kind !== 'cash-in' && s.kind !== 'cash-out')) continue;
    items.push({ at: s.wallTime, kind: s.kind, who: s.cashierId, what: s.reason, amount: s.amount });
  }
  return items.sort((a, b) => b.at - a.at);
}
