import type { Brand, EventConfig } from '../event/event.ts';
import type { StaffMember } from '../event/staff.ts';
import { formatMoney } from '../base/money.ts';
import type { Sale } from '../selling/sale.ts';
import { Z_TEXT_WIDTH } from '../reports/z-report.ts';
import { REFUND_REASONS, whereMoneyGoes } from './refund-builder.ts';
import type { Refund } from './refund.ts';

/**
 * What a printed refund receipt says: the original receipt it returns against, each line returned and why,
 * the amount given back and how ("€48.30 back to card"), and who authorised it. One return at the counter
 * (several brands' refunds of one receipt) is one slip, with a section per brand as on the sale's receipt.
 */
export interface RefundReceiptModel {
  eventName: string;
  /** The sale's receipt number: what the refund is against. */
  originalReceipt: string;
  issuedAt: string;
  tillId: string;
  sections: { brand: string; lines: { label: string; qty: number; amount: string; reason: string }[] }[];
  total: string;
  /** One line per tender: "€48.30 back to card". */
  moneyBack: string[];
  /** "Served by Ana", and "Authorised by Marc (manager)" or "Pre-authorised: defective, within …". */
  servedBy: string;
  authorisedBy: string;
  /** A manager's override of refund rights, when there was one. */
  override?: string;
}

export function refundReceiptModel(refunds: readonly Refund[], sales: readonly Sale[], config: EventConfig, brands: readonly Brand[], staff: readonly Pick<StaffMember, 'id' | 'name' | 'role'>[]): RefundReceiptModel {
  const first = refunds[0];
  if (!first) throw new Error('a refund receipt needs at least one refund');
  const money = (n: number) => formatMoney(n, config.currency, config.locale);
  const who = (id: string) => staff.find((m) => m.id === id);
  const person = (id: string) => {
    const m = who(id);
    return m ? `${m.name}${m.role === 'manager' ? ' (manager)' : ''}` : id;
  };
  const approvers = [...new Set(refunds.map((r) => r.approvedBy).filter((x): x is string => x !== undefined))];
  const overrides = refunds.filter((r) => r.override);
  return {
    eventName: config.name,
    originalReceipt: first.receiptNumber,
    issuedAt: new Intl.DateTimeFormat(config.locale, { timeZone: config.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(first.wallTime),
    tillId: first.tillId,
    sections: refunds.map((r) => {
      const sale = sales.find((s) => s.id === r.saleId);
      return {
        brand: brands.find((b) => b.id === r.brandId)?.name ?? r.brandId,
        lines: r.lines.map((l) => {
          const sold = sale?.lines.find((s) => s.sku === l.sku && (s.serial ?? '') === (l.serial ?? ''));
          return {
            label: `${sold?.name ?? l.sku}${l.serial ? ` · ${l.serial}` : ''}`,
            qty: l.qty,
            amount: money(l.amount),
            reason: REFUND_REASONS.find((x) => x.id === l.reason)?.label ?? l.reason,
          };
        }),
      };
    }),
    total: money(refunds.reduce((a, r) => a + r.total, 0)),
    moneyBack: whereMoneyGoes(refunds.flatMap((r) => r.payments), money),
    servedBy: `Served by ${person(first.cashierId)}`,
    // No approver: the refund went through under the event's pre-authorised defect limit (refund-builder.ts).
    authorisedBy: approvers.length
      ? `Authorised by ${approvers.map(person).join(', ')}`
      : `Pre-authorised: defective item(s) within ${money(config.policies.defectRefundLimit)}`,
    ...(overrides.length ? { override: `Beyond this till's refund rights, approved by ${[...new Set(overrides.map((r) => person(r.override!.managerId)))].join(', ')}` } : {}),
  };
}

/** The slip as plain text, Z_TEXT_WIDTH characters wide: the desktop's text printer and the print dialog. */
export function refundReceiptText(m: RefundReceiptModel): string {
  const W = Z_TEXT_WIDTH;
  const fit = (s: string, w: number) => (s.length <= w ? s : `${s.slice(0, Math.max(0, w - 1))}…`);
  const out: string[] = [];
  const centre = (s: string) => {
    const t = fit(s, W);
    out.push(`${' '.repeat(Math.floor((W - t.length) / 2))}${t}`);
  };
  const row = (label: string, value: string) => out.push(`${fit(label, W - value.length - 1).padEnd(W - value.length)}${value}`);
  const rule = () => out.push('-'.repeat(W));
  centre('REFUND');
  centre(m.eventName);
  row(`Till ${m.tillId}`, m.issuedAt);
  row('Original receipt', m.originalReceipt);
  for (const s of m.sections) {
    rule();
    out.push(fit(s.brand, W));
    for (const l of s.lines) {
      row(`${l.qty} × ${l.label}`, `-${l.amount}`);
      out.push(fit(`  ${l.reason}`, W));
    }
  }
  rule();
  row('REFUNDED', m.total);
  for (const line of m.moneyBack) out.push(fit(line, W));
  rule();
  out.push(fit(m.servedBy, W));
  out.push(fit(m.authorisedBy, W));
  if (m.override) out.push(fit(m.override, W));
  return `${out.join('\n')}\n`;
}
