import { returnsPolicyText, type Brand, type EventConfig } from '../event/event.ts';
import { formatMoney } from '../base/money.ts';
import type { Sale } from './sale.ts';
import { mergeNamedDiscounts, namedDiscounts, PRICE_CHANGE_NAME } from './discount-names.ts';

/**
 * What a receipt says, as data: the till's screen and the browser's print dialog render it, and so will the
 * ESC/POS printer driver. One checkout (several brands' sales under one receipt number) is one receipt,
 * with a section per brand so each maker's units and money stay apart, as the ledger keeps them.
 */
export interface ReceiptLine {
  label: string;
  qty: number;
  unitPrice: string;
  total: string;
  /** "−30 % first 15 min: −€20.70", when a tier took something off. */
  discount?: string;
  serial?: string;
}

export interface ReceiptModel {
  eventName: string;
  receiptNumber: string;
  /** Local date and time in the event's time zone. */
  issuedAt: string;
  tillId: string;
  sections: { brand: string; lines: ReceiptLine[]; total: string }[];
  discount: string | undefined;
  /** Each discount under its own name (tier, price change, a cashier's reason, a coupon), summed over the receipt. */
  discounts: { label: string; amount: string }[];
  taxLines: { label: string; amount: string }[];
  total: string;
  payments: { label: string; amount: string }[];
  change: string | undefined;
  /** The returns policy, then the warranty (when the event has one), one per line. */
  policy: string;
  /** What the barcode encodes: the receipt number finds the sale for a return. */
  lookupCode: string;
}

export function receiptModel(sales: readonly Sale[], config: EventConfig, brands: readonly Brand[]): ReceiptModel {
  if (sales.length === 0) throw new Error('a receipt needs at least one sale');
  const money = (n: number) => formatMoney(n, config.currency, config.locale);
  const tierLabel = new Map(config.drop.tiers.map((t) => [t.id, t.label]));
  const first = sales[0]!;
  const taxByRate = new Map<number, number>();
  for (const s of sales) for (const l of s.lines) taxByRate.set(l.taxRateBp, (taxByRate.get(l.taxRateBp) ?? 0) + l.tax);
  const payments = sales.flatMap((s) => s.payments);
  const byMethod = new Map<string, number>();
  for (const p of payments) byMethod.set(p.method, (byMethod.get(p.method) ?? 0) + p.amount);
  const change = payments.reduce((a, p) => a + (p.tendered !== undefined ? p.tendered - p.amount : 0), 0);
  const discount = sales.reduce((a, s) => a + s.discount, 0);
  return {
    eventName: config.name,
    receiptNumber: first.receiptNumber,
    issuedAt: new Intl.DateTimeFormat(config.locale, { timeZone: config.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(first.wallTime),
    tillId: first.tillId,
    sections: sales.map((s) => ({
      brand: brands.find((b) => b.id === s.brandId)?.name ?? s.brandId,
      lines: s.lines.map((l) => {
        const off = (l.listPrice - l.unitPrice) * l.qty;
        return {
          label: l.name,
          qty: l.qty,
          unitPrice: money(l.unitPrice),
          total: money(l.gross),
          ...(off > 0 ? { discount: `${l.priceSetBy !== undefined ? PRICE_CHANGE_NAME : l.tierId ? (tierLabel.get(l.tierId) ?? l.tierId) : 'Discount'}: −${money(off)}` } : {}),
          ...(l.serial ? { serial: l.serial } : {}),
        };
      }),
      total: money(s.total),
    })),
    discount: discount > 0 ? money(discount) : undefined,
    discounts: mergeNamedDiscounts(sales.map((s) => namedDiscounts(s, (id) => tierLabel.get(id)))).map((d) => ({ label: d.name, amount: `−${money(d.amount)}` })),
    taxLines: [...taxByRate]
      .sort(([a], [b]) => a - b)
      .map(([rate, amount]) => ({ label: `${config.taxMode === 'inclusive' ? 'incl. ' : ''}tax ${rate / 100} %`, amount: money(amount) })),
    total: money(sales.reduce((a, s) => a + s.total, 0)),
    payments: [...byMethod].map(([method, amount]) => ({ label: method === 'cash' ? 'Cash' : method === 'card' ? 'Card' : 'Other', amount: money(amount) })),
    change: change > 0 ? money(change) : undefined,
    policy: [returnsPolicyText(config), config.policies.warrantyText].filter((t) => t.trim() !== '').join('\n'),
    lookupCode: first.receiptNumber,
  };
}
