import type { ReceiptModel } from '../../core/selling/receipt.ts';

/**
 * A receipt as an e-mail: a plain-text part (what every client shows, and what the tests read) and a small
 * HTML part with the same content. Built only from `receiptModel` over the sales the server holds, so
 * nothing a till sends besides the sale ids and the address reaches the message.
 */
export interface ReceiptMessage {
  subject: string;
  text: string;
  html: string;
}

export function receiptMessage(model: ReceiptModel): ReceiptMessage {
  const subject = `Your receipt ${model.receiptNumber} from ${model.eventName}`;
  const text: string[] = [model.eventName, `Receipt ${model.receiptNumber} · ${model.issuedAt}`, ''];
  for (const s of model.sections) {
    text.push(s.brand);
    for (const l of s.lines) {
      text.push(`  ${l.qty} × ${l.label}  ${l.total}`);
      if (l.qty > 1) text.push(`      ${l.unitPrice} each`);
      if (l.discount) text.push(`      ${l.discount}`);
      if (l.serial) text.push(`      Serial ${l.serial}`);
    }
  }
  text.push('', `Total  ${model.total}`);
  if (model.discount) text.push(`You saved  ${model.discount}`);
  for (const t of model.taxLines) text.push(`${t.label}  ${t.amount}`);
  for (const p of model.payments) text.push(`Paid by ${p.label.toLowerCase()}  ${p.amount}`);
  if (model.change) text.push(`Change  ${model.change}`);
  if (model.policy) text.push('', model.policy);
  text.push('', `Keep this e-mail: the receipt number ${model.receiptNumber} finds your purchase for a return.`);

  const row = (a: string, b: string, cls = '') => `<tr${cls ? ` class="${cls}"` : ''}><td>${esc(a)}</td><td style="text-align:right">${esc(b)}</td></tr>`;
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:28rem">',
    `<h1 style="font-size:1.2rem">${esc(model.eventName)}</h1>`,
    `<p>Receipt <strong>${esc(model.receiptNumber)}</strong> · ${esc(model.issuedAt)}</p>`,
    ...model.sections.map(
      (s) =>
        `<h2 style="font-size:1rem">${esc(s.brand)}</h2><table style="width:100%">` +
        s.lines
          .map((l) => row(`${l.qty} × ${l.label}`, l.total) + (l.qty > 1 ? row(`${l.unitPrice} each`, '') : '') + (l.discount ? row(l.discount, '') : '') + (l.serial ? row(`Serial ${l.serial}`, '') : ''))
          .join('') +
        '</table>',
    ),
    '<table style="width:100%;margin-top:1em">',
    row('Total', model.total, 'total'),
    model.discount ? row('You saved', model.discount) : '',
    ...model.taxLines.map((t) => row(t.label, t.amount)),
    ...model.payments.map((p) => row(`Paid by ${p.label.toLowerCase()}`, p.amount)),
    model.change ? row('Change', model.change) : '',
    '</table>',
    model.policy ? `<p style="white-space:pre-line;color:#555">${esc(model.policy)}</p>` : '',
    '</body></html>',
  ].join('');
  return { subject, text: text.join('\n'), html };
}

/** Product and brand names are the organiser's text: escaped, never markup. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
