import type { ReceiptModel } from '../../core/selling/receipt.ts';
import type { PaperWidth } from './printer-settings.ts';

/**
 * A receipt laid out for a roll of paper: the same `ReceiptModel` the till's screen shows (core/selling/receipt.ts),
 * as lines of at most `columns` characters. The ESC/POS encoder and the system-printer HTML both print these
 * lines, so a receipt reads the same on either printer.
 */
export interface PrintLine {
  text: string;
  bold?: boolean;
  /** Double width and height (the total). Takes twice the room: the text is at most columns / 2. */
  large?: boolean;
  align?: 'left' | 'center';
}

/** Font A columns on a thermal roll: 58 mm prints 32, 80 mm prints 48. */
export const COLUMNS: Record<PaperWidth, number> = { 58: 32, 80: 48 };

export function receiptLines(model: ReceiptModel, columns: number): PrintLine[] {
  const out: PrintLine[] = [];
  const rule = () => out.push({ text: '-'.repeat(columns) });
  const centre = (text: string, bold = false) => wrap(text, columns).forEach((t) => out.push({ text: t, align: 'center', ...(bold ? { bold } : {}) }));
  const row = (label: string, value: string, opts: { bold?: boolean; indent?: number } = {}) =>
    twoColumns(label, value, columns, opts.indent ?? 0).forEach((t) => out.push({ text: t, ...(opts.bold ? { bold: true } : {}) }));

  centre(model.eventName, true);
  centre(`Receipt ${model.receiptNumber} · ${model.tillId}`);
  centre(model.issuedAt);
  for (const s of model.sections) {
    rule();
    wrap(s.brand, columns).forEach((t) => out.push({ text: t, bold: true }));
    for (const l of s.lines) {
      row(`${l.qty} × ${l.label}`, l.total);
      if (l.qty > 1) row(`${l.unitPrice} each`, '', { indent: 2 });
      if (l.discount) row(l.discount, '', { indent: 2 });
      if (l.serial) row(`Serial ${l.serial}`, '', { indent: 2 });
    }
  }
  rule();
  // Each discount under its own name (tier, price change, the cashier's reason, a coupon) before the total.
  for (const d of model.discounts) row(d.label, d.amount);
  const half = Math.floor(columns / 2);
  const total = twoColumns('TOTAL', model.total, half, 0);
  // The total in large print when it fits on one double-width line, else in bold.
  if (total.length === 1) out.push({ text: total[0]!, large: true });
  else row('TOTAL', model.total, { bold: true });
  if (model.discount) row('You saved', model.discount);
  for (const t of model.taxLines) row(t.label, t.amount);
  for (const p of model.payments) row(p.label, p.amount);
  if (model.change) row('Change', model.change);
  rule();
  wrap(model.policy, columns).forEach((t) => out.push({ text: t }));
  return out;
}

/** A label on the left and a value on the right; a long label wraps, the value stays on the first line. */
export function twoColumns(label: string, value: string, columns: number, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const room = Math.max(1, columns - indent - (value ? value.length + 1 : 0));
  const parts = wrap(label, room);
  return parts.map((p, i) => {
    const left = `${pad}${p}`;
    if (i > 0 || !value) return left;
    return `${left}${' '.repeat(Math.max(1, columns - left.length - value.length))}${value}`;
  });
}

/** Wraps at spaces; a word longer than the line is cut. Never returns a line longer than `columns`. */
export function wrap(text: string, columns: number): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (let w of words) {
    while (w.length > columns) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, columns));
      w = w.slice(columns);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= columns) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
